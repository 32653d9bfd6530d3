import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BeginResult, IdempotencyStore, StoredResponse } from '../registry/idempotency.js';
import { DEFAULT_MAX_WAIT_MS } from '../registry/record-locks.js';
import { StateUnavailableError } from './errors.js';
import { guarded } from './redis-client.js';

const GUARANTEE = 'the Idempotency-Key';
/** How often a retry waiting on another replica's in-flight create looks at the key. */
const POLL_MS = 50;

/**
 * Idempotency-Key records shared by every replica. One JSON value per key:
 * `{s: state, f: fingerprint, r?: response, n?: createNotBefore, l?: lease end, o?: holder}`. The
 * response stays JSON text inside it (Lua's cjson would turn `[]` into `{}` and round big numbers).
 *
 * An in-flight create is a lease, not a lock held for ever: `l` is when it ends on Redis's own
 * clock (so replicas' clocks do not matter). A replica that died mid-create leaves a key whose
 * lease runs out; the next retry takes it over with the outcome "unknown" and searches Odoo for
 * the create's marker before creating. The holder renews the lease right before it sends the
 * create (`fence`) and fails if it was taken over: two replicas never both send a create.
 */
const BEGIN = `
local raw = redis.call('GET', KEYS[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[3])
if not raw then
  redis.call('SET', KEYS[1], cjson.encode({s = 'in_flight', f = ARGV[1], l = now + lease, o = ARGV[4]}), 'PX', ARGV[2])
  return {'started'}
end
local e = cjson.decode(raw)
if e.f ~= ARGV[1] then return {'mismatch'} end
if e.s == 'done' then return {'replay', e.r} end
if e.s == 'in_flight' and e.l > now then return {'in_flight'} end
local n = ''
if e.n then n = tostring(e.n) end
local taken = {s = 'in_flight', f = e.f, l = now + lease, o = ARGV[4]}
redis.call('SET', KEYS[1], cjson.encode(taken), 'KEEPTTL')
return {'unknown', n}
`;

/** Settles a key this holder still holds: `done` (ARGV[2] the response), `unknown` (ARGV[3] createNotBefore or ''), or `release`. */
const SETTLE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local e = cjson.decode(raw)
if e.s ~= 'in_flight' or e.o ~= ARGV[1] then return 0 end
if ARGV[4] == 'release' then redis.call('DEL', KEYS[1]) return 1 end
local next = {s = ARGV[4], f = e.f}
if ARGV[4] == 'done' then next.r = ARGV[2] end
if ARGV[4] == 'unknown' and ARGV[3] ~= '' then next.n = tonumber(ARGV[3]) end
redis.call('SET', KEYS[1], cjson.encode(next), 'KEEPTTL')
return 1
`;

/**
 * Renews the holder's lease if it still holds the key; 0 when it was taken over or settled.
 * A lease that ran out but was not taken over is still this holder's: taking over changes the
 * holder in the same step, so the holder check alone decides.
 */
const FENCE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local e = cjson.decode(raw)
if e.s ~= 'in_flight' or e.o ~= ARGV[1] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
e.l = now + tonumber(ARGV[2])
redis.call('SET', KEYS[1], cjson.encode(e), 'KEEPTTL')
return 1
`;

interface Scripts {
  idemBegin(key: string, fingerprint: string, ttlMs: number, leaseMs: number, holder: string): Promise<[string, string?]>;
  idemSettle(key: string, holder: string, response: string, createNotBefore: string, next: 'done' | 'unknown' | 'release'): Promise<number>;
  idemFence(key: string, holder: string, leaseMs: number): Promise<number>;
}

export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: Redis & Scripts;
  /** Which holder id this process used for each key it holds (a key is held by one request at a time). */
  private readonly holders = new Map<string, string>();

  constructor(
    redis: Redis,
    private readonly ttlMs: number,
    private readonly leaseMs: number,
  ) {
    redis.defineCommand('idemBegin', { numberOfKeys: 1, lua: BEGIN });
    redis.defineCommand('idemSettle', { numberOfKeys: 1, lua: SETTLE });
    redis.defineCommand('idemFence', { numberOfKeys: 1, lua: FENCE });
    this.redis = redis as Redis & Scripts;
  }

  async begin(key: string, fingerprint: string): Promise<BeginResult> {
    // A request of this process still runs with the key: it is alive, so it is waited for (as
    // in memory), never taken over here even if its lease ran out. Another replica may take it.
    if (this.holders.has(key)) {
      const raw = await guarded(GUARANTEE, () => this.redis.get(keyOf(key)));
      if (raw !== null && (JSON.parse(raw) as { f: string }).f !== fingerprint) return { outcome: 'mismatch' };
      return { outcome: 'in_flight', settled: this.settled(key) };
    }
    const holder = randomUUID();
    const [outcome, detail] = await guarded(GUARANTEE, () => this.redis.idemBegin(keyOf(key), fingerprint, this.ttlMs, this.leaseMs, holder));
    switch (outcome) {
      case 'started':
        this.holders.set(key, holder);
        return { outcome: 'started' };
      case 'unknown':
        this.holders.set(key, holder);
        return detail ? { outcome: 'unknown', createNotBefore: Number(detail) } : { outcome: 'unknown' };
      case 'replay':
        return { outcome: 'replay', response: JSON.parse(detail!) as StoredResponse };
      case 'mismatch':
        return { outcome: 'mismatch' };
      default:
        return { outcome: 'in_flight', settled: this.settled(key) };
    }
  }

  complete(key: string, response: StoredResponse): Promise<void> {
    return this.settle(key, 'done', JSON.stringify(response), '');
  }

  markUnknown(key: string, createNotBefore?: number): Promise<void> {
    return this.settle(key, 'unknown', '', createNotBefore === undefined ? '' : String(createNotBefore));
  }

  release(key: string): Promise<void> {
    return this.settle(key, 'release', '', '');
  }

  async fence(key: string): Promise<void> {
    const holder = this.holders.get(key);
    const held = holder !== undefined && (await guarded(GUARANTEE, () => this.redis.idemFence(keyOf(key), holder, this.leaseMs))) === 1;
    if (!held) {
      // Another replica took the key over: it is no longer this process's to settle.
      this.holders.delete(key);
      throw new StateUnavailableError(`the Idempotency-Key (its hold ran out and another request took it over)`);
    }
  }

  private async settle(key: string, next: 'done' | 'unknown' | 'release', response: string, createNotBefore: string): Promise<void> {
    const holder = this.holders.get(key);
    if (holder === undefined) return;
    this.holders.delete(key);
    await guarded(GUARANTEE, () => this.redis.idemSettle(keyOf(key), holder, response, createNotBefore, next));
  }

  /** Resolves once the key is no longer in flight (or its lease ran out), looking every POLL_MS; gives up after the caller's wait. */
  private async settled(key: string): Promise<void> {
    const until = performance.now() + DEFAULT_MAX_WAIT_MS;
    while (performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      let raw: string | null;
      try {
        raw = await this.redis.get(keyOf(key));
      } catch {
        return;
      }
      if (raw === null) return;
      const entry = JSON.parse(raw) as { s: string; l: number };
      // The lease end is on Redis's clock; `begin` decides, this only stops waiting in vain.
      if (entry.s !== 'in_flight' || entry.l <= Date.now()) return;
    }
  }
}

const keyOf = (key: string): string => `idem:${key}`;
