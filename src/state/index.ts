import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/load.js';
import { MemoryReplayGuard } from '../dci/replay-guard.js';
import { MemoryIdempotencyStore } from '../registry/idempotency.js';
import { MemoryRecordLocks } from '../registry/record-locks.js';
import type { DciTransactionStore } from '../dci/transactions.js';
import { RedisTransactionStore } from './redis-dci.js';
import { MemoryFailureCounter } from './failure-counter.js';
import { RedisStateStore } from './redis.js';
import type { StateStore } from './types.js';

export { isStateUnavailable, StateUnavailableError } from './errors.js';
export { RedisTransactionStore } from './redis-dci.js';
export { RedisStateStore } from './redis.js';
export type { FailureCount, FailureCounter } from './failure-counter.js';
export type { StateHealth, StateStore } from './types.js';

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

/**
 * Where async DCI transactions and their pending work are kept: in the state store's Redis
 * (on its connection) when there is one, so they survive a restart and every replica works
 * on them; undefined otherwise (the DCI plugin then keeps them in memory and warns).
 */
export function durableDciStore(config: Config, state: StateStore): DciTransactionStore | undefined {
  return state instanceof RedisStateStore ? new RedisTransactionStore(state.redis, config.dci.async.retentionSeconds * 1000) : undefined;
}
