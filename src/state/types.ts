import type { Redis } from 'ioredis';
import type { RecordHash } from './record-hash.js';
import type { MessageReplayGuard } from './replay-guard.js';
import type { IdempotencyStore } from '../registry/idempotency.js';
import type { RecordLocks } from '../registry/record-locks.js';
import type { FailureCounter } from './failure-counter.js';

/** How a feature builds its store on each backend; the state store calls the one that is its own. */
export interface StoreBuilders<T> {
  memory(): T;
  /** On the state store's Redis connection (key prefix and timeouts included). */
  redis(redis: Redis): T;
}

export type StateHealth = { up: true } | { up: false; reason: string };

/**
 * What must hold across requests, and across replicas when several serve one registry:
 * Idempotency-Key records and in-flight creates, per-record write leases (If-Match), the DCI
 * message_id replay guard, and (through `redis`) the rate-limit counters and async DCI work. In memory for one
 * process; in Redis when `redis.url` is set.
 */
export interface StateStore {
  readonly kind: 'memory' | 'redis';
  readonly idempotency: IdempotencyStore;
  readonly locks: RecordLocks;
  readonly replay: MessageReplayGuard;
  /** A feature's store on this backend (the DCI transactions, the event log, the outbound queues): memory or this store's Redis. */
  storeFor<T>(builders: StoreBuilders<T>): T;
  /** Records by id on this backend (webhooks, DCI subscriptions); `guarantee` names them in errors when Redis is down. */
  recordHash<T extends { createdAt: string }>(key: string, guarantee: string): RecordHash<T>;
  /** Failed authentications per client address and per login (the failed-authentication budget). */
  readonly authFailures: FailureCounter;
  /** Connected now, without a round trip (metrics). Always true in memory. */
  readonly connected: boolean;
  /** Whether the store answers now (readiness, check-config). Always up in memory. */
  health(): Promise<StateHealth>;
  close(): Promise<void>;
}
