import { retryDelay } from '../background.js';
import type { DeliveryOutcome } from './delivery.js';

/**
 * The outbound delivery engine: one ordered queue per receiver (a webhook, a DCI
 * subscription), worked one message at a time, so a receiver gets its messages in the order they
 * were queued and a slow or failing receiver delays nobody else. A message is tried with backoff
 * (one schema: `RetrySchedule`) and after its last attempt becomes a dead letter, to be listed,
 * replayed or discarded. At least once: a message leaves its queue only after its receiver
 * answered 2xx (or it was dead-lettered); every attempt sends the same message id. In Redis
 * (BullMQ, `bullmq-queues.ts`) the queues survive restarts and are shared by replicas, each
 * message worked by one replica at a time under a lock a stalled worker cannot complete with;
 * in memory (`memory-queues.ts`) the same within one process.
 */

/** One schema for every retry of work the gateway sends out: attempts, then a doubling wait with jitter. */
export interface RetrySchedule {
  /** Attempts of one message before it becomes a dead letter. */
  attempts: number;
  /** Wait before the second attempt; doubled after each failure (±20 % jitter), up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
}

/** A message for one receiver: `id` is what the receiver de-duplicates on (the same at every attempt). */
export interface OutboundMessage<T> {
  id: string;
  data: T;
  /** When what the message tells happened (ms since epoch; when it was queued if absent): the delivery lag metric. */
  since?: number;
}

export interface OutboundDeadLetter<T> {
  id: string;
  data: T;
  /** Attempts made in all (replays included). */
  attempts: number;
  lastError: string;
  failedAt: string;
}

/**
 * Sends one message to its receiver (signing it afresh: signatures carry the attempt's time).
 * `skip`: the receiver no longer takes it (removed, or a record that left its filter), which
 * ends the message as delivered.
 */
export type OutboundSend<T> = (receiver: string, message: OutboundMessage<T>) => Promise<DeliveryOutcome | 'skip'>;

export interface OutboundMetrics {
  delivered(receiver: string, lagSeconds: number): void;
  attemptFailed(receiver: string): void;
  deadLettered(receiver: string): void;
  /** Age of the message a receiver's queue is on (0 when its queue is empty). */
  queueLag(receiver: string, seconds: number): void;
}

interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface OutboundQueueOptions<T> {
  schedule: RetrySchedule;
  send: OutboundSend<T>;
  /** Dead letters kept per receiver (the oldest dropped beyond). */
  maxDeadLetters: number;
  /** How long a worker holds a message without renewing its lock before another may take it over. */
  lockMs: number;
  metrics?: OutboundMetrics;
  log: Logger;
}

export interface OutboundQueues<T> {
  /** Whether queued messages survive a restart of this process (Redis). */
  readonly durable: boolean;
  /** Appends messages to a receiver's queue, in order; a message whose id is queued or being worked already is not queued twice. */
  enqueue(receiver: string, messages: Array<OutboundMessage<T>>): Promise<void>;
  /** Works these receivers' queues in this process from now on (and no longer those not listed). */
  work(receivers: readonly string[]): Promise<void>;
  /** Messages waiting or being worked for a receiver. */
  pending(receiver: string): Promise<number>;
  /** A receiver's dead letters, oldest first. */
  deadLetters(receiver: string): Promise<Array<OutboundDeadLetter<T>>>;
  /** Queues dead letters again (all, or those listed), one attempt each; one failing again is a dead letter again. Returns how many. */
  replay(receiver: string, ids?: readonly string[]): Promise<number>;
  /** Discards one dead letter; false when there is none by that id. */
  discard(receiver: string, id: string): Promise<boolean>;
  /**
   * Takes in dead letters kept elsewhere before (an upgrade from an earlier engine), to be listed,
   * replayed and discarded as its own; one whose id the receiver holds already is not taken twice.
   * In Redis a letter is listed once the receiver's worker reached it (placed at its queue's head).
   */
  importDeadLetters(receiver: string, letters: Array<OutboundDeadLetter<T>>): Promise<void>;
  /** Drops a receiver's queue and dead letters (the receiver was deleted). */
  forget(receiver: string): Promise<void>;
  /** Stops working: a message being sent is finished, one waiting for its next attempt goes back to the head of its queue. */
  close(): Promise<void>;
}

/** What the engine keeps with a message between attempts. */
export interface QueuedMessage<T> extends OutboundMessage<T> {
  /** Attempts made before (a replayed dead letter's). */
  attempts: number;
  replay?: boolean;
  since: number;
}

/** Why the attempts of a message stopped without an answer either way. */
export class OutboundClosing extends Error {}

/**
 * Works one message: its attempts, in this call, so its queue holds everything behind it until
 * it is delivered or dead-lettered (a per-receiver order a library's own delayed retry would
 * break: the next message would run meanwhile). True when delivered (or skipped), else the last
 * error and the attempts made in all. Throws OutboundClosing when `signal` aborts between attempts.
 */
export async function attemptAll<T>(
  receiver: string,
  message: QueuedMessage<T>,
  options: Pick<OutboundQueueOptions<T>, 'schedule' | 'send' | 'metrics'>,
  signal: AbortSignal,
): Promise<true | { attempts: number; lastError: string }> {
  const { schedule, send, metrics } = options;
  const allowed = message.replay ? 1 : schedule.attempts;
  let lastError = '';
  for (let attempt = 1; attempt <= allowed; attempt++) {
    if (signal.aborted) throw new OutboundClosing();
    const outcome = await send(receiver, { id: message.id, data: message.data, since: message.since });
    if (outcome === 'skip') return true;
    if (outcome.ok) {
      metrics?.delivered(receiver, Math.max(0, (Date.now() - message.since) / 1000));
      return true;
    }
    lastError = outcome.error;
    metrics?.attemptFailed(receiver);
    if (attempt < allowed) await pause(retryDelay(attempt, schedule.retryBaseMs, schedule.retryMaxMs), signal);
  }
  if (signal.aborted) throw new OutboundClosing();
  return { attempts: message.attempts + allowed, lastError };
}

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done);
  });
}

/**
 * The engine's unordered half: a pool of jobs owed to nobody in particular order (DCI callbacks:
 * each answers its own message), worked several at once. A job that throws is tried again after
 * the one backoff schema (`retryBaseMs`, doubling with jitter, up to `retryMaxMs`) until its
 * `attempts` are spent, without holding up the others meanwhile; the handler learns which
 * attempt it is on, so the last one can end the job its own way (record a failure, answer a
 * refusal). A job whose last attempt throws is a dead letter, to be listed, replayed (one more
 * attempt) or discarded. At least once: a job leaves the pool only once its handler returned (or
 * its last attempt threw); in Redis (BullMQ, `bullmq-pool.ts`) the pool survives restarts and is shared by
 * replicas, each job worked by one replica at a time under a lock a stalled worker cannot
 * complete with; in memory (`memory-pool.ts`) the same within one process.
 */
export interface PoolJob<T> {
  /** When given, a job by this id still in the pool is not submitted again (no `:` in it). */
  id?: string;
  data: T;
  /** Attempts before the job is given up. */
  attempts: number;
}

/** Which attempt of a job a handler is on (1-based); `final`: no attempt follows if this one throws. */
export interface PoolAttempt {
  attempt: number;
  final: boolean;
}

/** A job whose last attempt threw: kept (the newest POOL_DEAD_LETTERS) until replayed or discarded. */
export interface PoolDeadLetter<T> {
  id: string;
  data: T;
  /** Attempts made in all (replays included). */
  attempts: number;
  lastError: string;
  failedAt: string;
}

/** Given-up jobs a pool keeps (the oldest dropped beyond). */
export const POOL_DEAD_LETTERS = 1_000;

/** Works one job; throwing asks for another attempt (after the backoff). */
export type PoolHandler<T> = (data: T, attempt: PoolAttempt) => Promise<void>;

export interface JobPoolOptions {
  /** Jobs worked at once by one process. */
  concurrency: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a worker holds a job without renewing its lock before another may take it over. */
  lockMs: number;
  log: Logger;
}

export interface OutboundJobPool<T> {
  /** Whether submitted jobs survive a restart of this process (Redis). */
  readonly durable: boolean;
  submit(job: PoolJob<T>): Promise<void>;
  /** Works the pool's jobs in this process with `handler` from now on. */
  work(handler: PoolHandler<T>): void;
  /** Jobs waiting, waiting for their next attempt, or being worked. */
  pending(): Promise<number>;
  /** Jobs whose last attempt threw, oldest first. A dead letter's id is still taken: a job submitted by it is not queued. */
  deadLetters(): Promise<Array<PoolDeadLetter<T>>>;
  /**
   * Queues a dead letter again for one more attempt (told it is final: one failing again is a
   * dead letter again). False when there is no dead letter by that id (replayed or discarded meanwhile).
   */
  replay(id: string): Promise<boolean>;
  /** Drops one dead letter; false when there is none by that id. */
  discard(id: string): Promise<boolean>;
  /** Stops working: running jobs finish; waiting ones stay for the next worker (in Redis). */
  close(): Promise<void>;
}
