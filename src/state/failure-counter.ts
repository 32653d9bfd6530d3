import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { guarded } from './redis-client.js';

/** Failures counted against one key in its current window, and how long that window still runs. */
export interface FailureCount {
  count: number;
  /** Milliseconds until the window ends and the count starts again from zero (0 when nothing is counted). */
  resetMs: number;
}

/**
 * Fixed-window failure counters (failed authentications per client address, per login): each
 * key's window starts at its first failure. In memory for one process, in Redis for several
 * replicas, so a guesser spreading its attempts over replicas meets one budget.
 */
export interface FailureCounter {
  /** The key's current count, without adding to it. */
  peek(key: string): Promise<FailureCount>;
  /** Counts one more failure against the key; a new window of `windowMs` starts when none runs. */
  add(key: string, windowMs: number): Promise<FailureCount>;
}

/** Most keys one process remembers; the oldest window is forgotten first beyond this. */
const MAX_MEMORY_KEYS = 100_000;

export class MemoryFailureCounter implements FailureCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  async peek(key: string): Promise<FailureCount> {
    const window = this.current(key);
    return window ? { count: window.count, resetMs: window.endsAt - this.now() } : { count: 0, resetMs: 0 };
  }

  async add(key: string, windowMs: number): Promise<FailureCount> {
    const window = this.current(key) ?? { count: 0, endsAt: this.now() + windowMs };
    window.count++;
    this.windows.delete(key);
    if (this.windows.size >= MAX_MEMORY_KEYS) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(key, window);
    return { count: window.count, resetMs: window.endsAt - this.now() };
  }

  private current(key: string) {
    const window = this.windows.get(key);
    if (window && window.endsAt > this.now()) return window;
    if (window) this.windows.delete(key);
    return undefined;
  }
}

/** INCR, the window's expiry set by the first failure, and the time left, in one step. */
const ADD = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`;

interface FailureCommands {
  failureAdd(key: string, windowMs: number): Promise<[number, number]>;
}

export class RedisFailureCounter implements FailureCounter {
  constructor(private readonly redis: Redis) {
    redis.defineCommand('failureAdd', { numberOfKeys: 1, lua: ADD });
  }

  async peek(key: string): Promise<FailureCount> {
    const replies = await guarded('the failed-authentication budget', () => this.redis.multi().get(keyOf(key)).pttl(keyOf(key)).exec());
    const count = Number(replies?.[0]?.[1] ?? 0);
    const ttl = Number(replies?.[1]?.[1] ?? -2);
    return { count: ttl > 0 ? count : 0, resetMs: Math.max(0, ttl) };
  }

  async add(key: string, windowMs: number): Promise<FailureCount> {
    const [count, ttl] = await guarded('the failed-authentication budget', () => (this.redis as unknown as FailureCommands).failureAdd(keyOf(key), windowMs));
    return { count, resetMs: Math.max(0, ttl) };
  }
}

/** Logins and addresses are kept hashed: Redis holds no list of who tried to log in. */
const keyOf = (key: string): string => `authfail:${createHash('sha256').update(key).digest('base64url')}`;
