import type { Redis } from 'ioredis';
import { RedisRecordHash } from '../state/record-hash.js';
import { guarded } from '../state/redis-client.js';
import type { ChangeEvent, EventStore, LogEntry, StoredWebhook } from './store.js';

const GUARANTEE = 'registry change events';

/** Takes the lease if free (a fresh fencing token) or renews it for its holder; returns the token or false. */
const HOLD = `
local current = redis.call('GET', KEYS[1])
if current then
  local holder = string.match(current, '^%d+:(.*)$')
  if holder ~= ARGV[1] then return false end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return current
end
local token = redis.call('INCR', KEYS[2]) .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return token
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Events and the cursor after them, in one step, only for the current lease holder (the fence). */
const APPEND = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 4, #ARGV do redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'e', ARGV[i]) end
redis.call('SET', KEYS[3], ARGV[2])
return 1
`;

interface Scripts {
  eventsHold(lease: string, fence: string, holder: string, ttlMs: number): Promise<string | null>;
  eventsRelease(lease: string, token: string): Promise<number>;
  eventsAppend(lease: string, log: string, cursor: string, token: string, cursorValue: string, maxLen: number, ...events: string[]): Promise<number>;
}

const LEASE = 'events:lease';
const FENCE = 'events:fence';
const LOG = 'events:log';
const OFFSETS = 'events:offsets';
const WEBHOOKS = 'events:webhooks';
const cursorKey = (feed: string) => `events:cursor:${feed}`;

/** The event store in the gateway's Redis (a stream for the log): durable and shared by every replica. */
export class RedisEventStore implements EventStore {
  readonly durable = true;
  private readonly redis: Redis & Scripts;
  readonly webhooks: RedisRecordHash<StoredWebhook>;

  constructor(
    redis: Redis,
    private readonly maxLogEvents: number,
  ) {
    redis.defineCommand('eventsHold', { numberOfKeys: 2, lua: HOLD });
    redis.defineCommand('eventsRelease', { numberOfKeys: 1, lua: RELEASE });
    redis.defineCommand('eventsAppend', { numberOfKeys: 3, lua: APPEND });
    this.redis = redis as Redis & Scripts;
    this.webhooks = new RedisRecordHash(redis, WEBHOOKS, GUARANTEE);
  }

  async holdLease(holder: string, ttlMs: number): Promise<string | undefined> {
    return (await guarded(GUARANTEE, () => this.redis.eventsHold(LEASE, FENCE, holder, ttlMs))) ?? undefined;
  }

  async releaseLease(token: string): Promise<void> {
    await this.redis.eventsRelease(LEASE, token).catch(() => undefined);
  }

  async getCursor(feed: string): Promise<string | undefined> {
    return (await guarded(GUARANTEE, () => this.redis.get(cursorKey(feed)))) ?? undefined;
  }

  async append(token: string, feed: string, events: ChangeEvent[], cursor: string): Promise<boolean> {
    const done = await guarded(GUARANTEE, () =>
      this.redis.eventsAppend(LEASE, LOG, cursorKey(feed), token, cursor, this.maxLogEvents, ...events.map((e) => JSON.stringify(e))),
    );
    return done === 1;
  }

  async read(after: string | undefined, limit: number): Promise<LogEntry[]> {
    const rows = await guarded(GUARANTEE, () => this.redis.xrange(LOG, after === undefined ? '-' : `(${after}`, '+', 'COUNT', limit));
    return rows.map(([seq, fields]) => ({ seq, event: JSON.parse(fields[1]!) as ChangeEvent }));
  }

  async head(): Promise<string | undefined> {
    const [last] = await guarded(GUARANTEE, () => this.redis.xrevrange(LOG, '+', '-', 'COUNT', 1));
    return last?.[0];
  }

  async tail(): Promise<string | undefined> {
    const [first] = await guarded(GUARANTEE, () => this.redis.xrange(LOG, '-', '+', 'COUNT', 1));
    return first?.[0];
  }

  async getOffset(subscription: string): Promise<string | undefined> {
    return (await guarded(GUARANTEE, () => this.redis.hget(OFFSETS, subscription))) ?? undefined;
  }

  async setOffset(subscription: string, seq: string): Promise<void> {
    await guarded(GUARANTEE, () => this.redis.hset(OFFSETS, subscription, seq));
  }

  async deleteOffset(subscription: string): Promise<void> {
    await guarded(GUARANTEE, () => this.redis.hdel(OFFSETS, subscription));
  }
}
