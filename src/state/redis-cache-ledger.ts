import type { Redis } from 'ioredis';
import type { CacheLedger } from '../registry/record-cache.js';

const SEQ = 'cache:seq';
const WATCH = 'cache:watch';
/** The epoch the current follower started (no expiry): gone after Redis lost its data, when the sequence restarted too. */
const EPOCH = 'cache:epoch';
const invalidatedKey = (key: string): string => `cache:inv:${key}`;

/**
 * One sequence number per invalidation, stamped on every key it names, in one atomic step: a
 * replica's hit then sees a write another replica finished before the hit's request arrived.
 */
const INVALIDATE = `
local seq = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], seq, 'PX', ARGV[1]) end
return seq
`;

/**
 * The heartbeat. A follower continuing its epoch (ARGV[3] = 0) is refused when that epoch is no
 * longer Redis's (Redis lost its data, so sequence numbers restarted): it must start a new one.
 */
const WATCHING = `
if ARGV[3] == '0' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
`;

interface Scripts {
  cacheInvalidate(...args: Array<string | number>): Promise<number>;
  cacheWatching(...args: Array<string | number>): Promise<number>;
}

/**
 * The record cache's ledger in Redis, shared by every replica: the invalidation sequence, the
 * last sequence per invalidated key, and the change detector's heartbeat (`cache:watch`, its
 * epoch, expiring when the heartbeat is due). A hit costs one MGET; a failed command makes the
 * read go to Odoo (RecordCache treats it as not current), never an answer from a stale copy.
 */
export class RedisCacheLedger implements CacheLedger {
  readonly shared = true;

  constructor(
    private readonly redis: Redis,
    /** Keys are kept twice the cache's maximum age: an entry is always gone before its keys. */
    private readonly keyTtlMs: number,
  ) {
    if (!('cacheInvalidate' in redis)) redis.defineCommand('cacheInvalidate', { lua: INVALIDATE });
    if (!('cacheWatching' in redis)) redis.defineCommand('cacheWatching', { lua: WATCHING, numberOfKeys: 2 });
  }

  async snapshot(): Promise<{ seq: number; epoch: string | undefined }> {
    const [seq, epoch] = await this.redis.mget(SEQ, WATCH);
    return { seq: Number(seq ?? 0), epoch: epoch ?? undefined };
  }

  async isCurrent(keys: readonly string[], seq: number, epoch: string): Promise<boolean> {
    const [watch, ...stamps] = await this.redis.mget(WATCH, ...keys.map(invalidatedKey));
    return watch === epoch && stamps.every((stamp) => Number(stamp ?? 0) <= seq);
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    const scripts = this.redis as unknown as Scripts;
    await scripts.cacheInvalidate(keys.length + 1, SEQ, ...keys.map(invalidatedKey), this.keyTtlMs);
  }

  async watching(epoch: string, validForMs: number, fresh: boolean): Promise<boolean> {
    const scripts = this.redis as unknown as Scripts;
    return (await scripts.cacheWatching(EPOCH, WATCH, epoch, Math.max(1, Math.ceil(validForMs)), fresh ? '1' : '0')) === 1;
  }
}
