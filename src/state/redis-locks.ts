import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isOdooError } from '../odoo/errors.js';
import type { CallOptions } from '../odoo/types.js';
import { DEFAULT_MAX_WAIT_MS, lockWaitExpired, type RecordLease, type RecordLocks } from '../registry/record-locks.js';
import { StateUnavailableError } from './errors.js';
import { guarded } from './redis-client.js';

const GUARANTEE = 'If-Match and per-record write serialisation';

/**
 * Takes the record's lease if it is free: a fresh fencing token (monotonic per record) joined
 * to a random nonce (tokens restart if Redis loses its data; the nonce keeps a holder from
 * before that from matching one after). Returns {1, token} or {0, ms left on the current lease}.
 */
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, redis.call('PTTL', KEYS[1])} end
local token = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local value = token .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return {1, value}
`;

/** The fence: the holder's token is still the record's current one; its lease is stretched to cover the write. */
const FENCE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

interface Scripts {
  leaseAcquire(lease: string, counter: string, nonce: string, leaseMs: number, counterTtlMs: number): Promise<[number, number | string]>;
  leaseFence(lease: string, token: string, holdMs: number): Promise<number>;
  leaseRelease(lease: string, token: string): Promise<number>;
}

/** Fencing counters outlive any lease by far; they only need to keep growing while a record is busy. */
const COUNTER_TTL_MS = 24 * 3600_000;
const MIN_POLL_MS = 10;
const MAX_POLL_MS = 100;

export interface RedisLockSettings {
  /** How long a lease lasts unless fenced: a replica that died holding it blocks the record at most this long. */
  leaseMs: number;
  /** The deadline a fenced write is sent with (odoo.timeoutMs): the gateway abandons it then. */
  writeTimeoutMs: number;
  /** Slack between the write's deadline and the lease's end (clock rate, event-loop pauses). */
  marginMs: number;
}

/**
 * Per-record write leases shared by every replica, with fencing.
 *
 * Odoo cannot check a fencing token, so the gateway checks it itself at the last moment it can:
 * `fence()` runs right before each Odoo write and, in one Redis step, confirms the holder's
 * token is still the record's current one and stretches the lease to cover the write's whole
 * life: its deadline (writeTimeoutMs, measured from before the check, so the gateway's abort
 * always comes first) plus as long again, for Odoo finishing a call the gateway abandoned, plus
 * a margin. A holder whose lease ran out (a long pause, a partition) fails the fence and sends
 * nothing. A write whose outcome is unknown (timeout, dropped connection) keeps the lease until
 * it ends instead of releasing it. See docs/reliability.md for what this does and does not cover.
 */
export class RedisRecordLocks implements RecordLocks {
  private readonly redis: Redis & Scripts;

  constructor(
    redis: Redis,
    private readonly settings: RedisLockSettings,
    private readonly maxWaitMs = DEFAULT_MAX_WAIT_MS,
  ) {
    redis.defineCommand('leaseAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand('leaseFence', { numberOfKeys: 1, lua: FENCE });
    redis.defineCommand('leaseRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as Redis & Scripts;
  }

  async run<T>(key: string, task: (lease: RecordLease) => Promise<T>): Promise<T> {
    const leaseKey = `lease:${key}`;
    const token = await this.acquire(leaseKey, `fence:${key}`);
    let fenced = false;
    const lease: RecordLease = {
      fence: async (): Promise<CallOptions> => {
        const checkedAt = performance.now();
        const holdMs = 2 * this.settings.writeTimeoutMs + this.settings.marginMs;
        const current = (await guarded(GUARANTEE, () => this.redis.leaseFence(leaseKey, token, holdMs))) === 1;
        if (!current) throw new StateUnavailableError(`${GUARANTEE} (this request's lease on the record ran out)`);
        fenced = true;
        const left = this.settings.writeTimeoutMs - (performance.now() - checkedAt);
        // Checked again after the reply: a pause here must not stretch the write past its deadline.
        if (left <= 0) throw new StateUnavailableError(`${GUARANTEE} (the lease check took too long)`);
        return { signal: AbortSignal.timeout(Math.floor(left)) };
      },
    };
    try {
      const result = await task(lease);
      await this.release(leaseKey, token);
      return result;
    } catch (err) {
      // After a write was sent and its outcome is unknown, Odoo may still apply it: the record
      // stays leased until the fence's hold ends rather than letting another write race it.
      const outcomeUnknown = fenced && isOdooError(err) && err.isTransport;
      if (!outcomeUnknown) await this.release(leaseKey, token);
      throw err;
    }
  }

  private async acquire(leaseKey: string, counterKey: string): Promise<string> {
    const nonce = randomUUID();
    const giveUpAt = performance.now() + this.maxWaitMs;
    for (let attempt = 0; ; attempt++) {
      const [taken, value] = await guarded(GUARANTEE, () => this.redis.leaseAcquire(leaseKey, counterKey, nonce, this.settings.leaseMs, COUNTER_TTL_MS));
      if (taken === 1) return String(value);
      const left = giveUpAt - performance.now();
      if (left <= 0) throw lockWaitExpired();
      // Waiting holders poll with a growing, jittered delay, never past the current lease's end.
      const backoff = Math.min(MAX_POLL_MS, MIN_POLL_MS * 2 ** Math.min(attempt, 4));
      const delay = Math.min(left, Math.max(1, Number(value)), backoff * (0.5 + Math.random() / 2));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async release(leaseKey: string, token: string): Promise<void> {
    // A release that fails leaves the lease to run out by itself: it blocks, never breaks, a guarantee.
    await this.redis.leaseRelease(leaseKey, token).catch(() => undefined);
  }
}
