import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { replayKey, type MessageReplayGuard } from './replay-guard.js';
import { RedisFailureCounter } from './failure-counter.js';
import { connectRedis, guarded, type RedisSettings } from './redis-client.js';
import { RedisIdempotencyStore } from './redis-idempotency.js';
import { RedisRecordLocks, type RedisLockSettings } from './redis-locks.js';
import { RedisRecordHash, type RecordHash } from './record-hash.js';
import type { StateHealth, StateStore, StoreBuilders } from './types.js';

export interface RedisStateSettings extends RedisSettings, RedisLockSettings {
  idempotencyTtlMs: number;
  replayWindowMs: number;
}

/** The DCI replay guard as one `SET NX PX` per message: the first replica to record it wins. */
class RedisReplayGuard implements MessageReplayGuard {
  constructor(
    private readonly redis: Redis,
    private readonly windowMs: number,
  ) {}

  async firstSighting(senderId: string, messageId: string): Promise<boolean> {
    const set = await guarded('the DCI message_id replay guard', () => this.redis.set(keyOf(senderId, messageId), '1', 'PX', this.windowMs, 'NX'));
    return set === 'OK';
  }

  async forget(senderId: string, messageId: string): Promise<void> {
    await guarded('the DCI message_id replay guard', () => this.redis.del(keyOf(senderId, messageId)));
  }
}

const keyOf = (senderId: string, messageId: string): string => `dci:${Buffer.from(replayKey(senderId, messageId)).toString('base64url')}`;

/** Every guarantee that must hold across replicas, kept in one Redis (see StateStore). */
export class RedisStateStore implements StateStore {
  readonly kind = 'redis';
  readonly redis: Redis;
  readonly idempotency: RedisIdempotencyStore;
  readonly locks: RedisRecordLocks;
  readonly replay: MessageReplayGuard;
  readonly authFailures: RedisFailureCounter;

  constructor(settings: RedisStateSettings, log: FastifyBaseLogger) {
    this.redis = connectRedis(settings, log);
    this.idempotency = new RedisIdempotencyStore(this.redis, settings.idempotencyTtlMs, settings.leaseMs);
    this.locks = new RedisRecordLocks(this.redis, settings);
    this.replay = new RedisReplayGuard(this.redis, settings.replayWindowMs);
    this.authFailures = new RedisFailureCounter(this.redis);
  }

  storeFor<T>(builders: StoreBuilders<T>): T {
    return builders.redis(this.redis);
  }

  recordHash<T extends { createdAt: string }>(key: string, guarantee: string): RecordHash<T> {
    return new RedisRecordHash<T>(this.redis, key, guarantee);
  }

  get connected(): boolean {
    return this.redis.status === 'ready';
  }

  async health(): Promise<StateHealth> {
    if (this.redis.status !== 'ready') return { up: false, reason: 'Redis is not connected' };
    try {
      await this.redis.ping();
      return { up: true };
    } catch {
      return { up: false, reason: 'Redis does not answer' };
    }
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
