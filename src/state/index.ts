import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/load.js';
import { MemoryIdempotencyStore } from '../registry/idempotency.js';
import { MemoryRecordLocks } from '../registry/record-locks.js';
import { MemoryReplayGuard } from './replay-guard.js';
import { MemoryRecordHash, type RecordHash } from './record-hash.js';
import { MemoryFailureCounter } from './failure-counter.js';
import { RedisStateStore } from './redis.js';
import type { StateStore, StoreBuilders } from './types.js';

export { isStateUnavailable } from './errors.js';
export { RedisStateStore } from './redis.js';
export type { RecordHash } from './record-hash.js';
export type { StateStore, StoreBuilders } from './types.js';

/** odoo.timeoutMs's default, for a gateway without an `odoo` section (sandbox). */
const DEFAULT_WRITE_TIMEOUT_MS = 15_000;

/** One process's own memory: every guarantee holds within this process only. */
export class MemoryStateStore implements StateStore {
  readonly kind = 'memory';
  readonly connected = true;
  readonly idempotency: MemoryIdempotencyStore;
  readonly locks = new MemoryRecordLocks();
  readonly replay: MemoryReplayGuard;
  readonly authFailures = new MemoryFailureCounter();

  constructor(idempotencyTtlMs: number, replayWindowMs: number) {
    this.idempotency = new MemoryIdempotencyStore(idempotencyTtlMs);
    this.replay = new MemoryReplayGuard(replayWindowMs);
  }

  storeFor<T>(builders: StoreBuilders<T>): T {
    return builders.memory();
  }

  recordHash<T extends { createdAt: string }>(_key: string, _guarantee: string): RecordHash<T> {
    return new MemoryRecordHash<T>();
  }

  async health() {
    return { up: true } as const;
  }

  async close(): Promise<void> {
    this.idempotency.close();
  }
}

/** Redis when `redis.url` is set (several replicas), else this process's memory. */
export function createStateStore(config: Config, log: FastifyBaseLogger): StateStore {
  const idempotencyTtlMs = config.api.idempotencyTtlMs;
  const replayWindowMs = config.dci.duplicateWindowSeconds * 1000;
  const { redis } = config;
  if (!redis.url) return new MemoryStateStore(idempotencyTtlMs, replayWindowMs);
  return new RedisStateStore(
    {
      url: redis.url,
      keyPrefix: redis.keyPrefix,
      connectTimeoutMs: redis.connectTimeoutMs,
      commandTimeoutMs: redis.commandTimeoutMs,
      leaseMs: redis.leaseMs,
      marginMs: redis.leaseMarginMs,
      writeTimeoutMs: config.odoo?.timeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS,
      idempotencyTtlMs,
      replayWindowMs,
    },
    log,
  );
}
