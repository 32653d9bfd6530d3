import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { attemptAll, OutboundClosing } from './queues.js';
import type { OutboundDeadLetter, OutboundMessage, OutboundQueueOptions, OutboundQueues, QueuedMessage } from './queues.js';

/** BullMQ's key namespace under the gateway's own prefix. */
const NAMESPACE = 'outbound';
/** Pages of the failed set read at a time when dead letters are listed. */
const PAGE = 1_000;

/**
 * The outbound queues in Redis, on BullMQ: one BullMQ queue per receiver with a global
 * concurrency of 1 (one message at a time across every replica, in queue order). A worker holds
 * a message under a lock it renews while it works (`lockMs`); one that stops renewing (killed,
 * paused, cut from Redis) loses the message to the stalled-job check of any replica, which puts
 * it back at the head of its queue, and can no longer complete or fail it (BullMQ checks the
 * lock token). Retries run inside the processor so the queue's order holds; a message out of
 * attempts ends in BullMQ's failed set, which is the dead-letter list. With Redis's append-only
 * file, queued messages survive a Redis restart; they always survive a gateway restart.
 */
export class BullOutboundQueues<T> implements OutboundQueues<T> {
  readonly durable = true;
  private readonly connection: Redis;
  private readonly prefix: string;
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, { worker: Worker; abort: AbortController }>();

  /** `base`: the state store's connection, whose server, credentials and key prefix the queues share (BullMQ needs a connection of its own). */
  constructor(
    base: Redis,
    private readonly options: OutboundQueueOptions<T>,
  ) {
    const { keyPrefix, commandTimeout: _commandTimeout, ...settings } = base.options;
    // BullMQ waits for Redis rather than failing its commands (a worker resumes on its own once Redis is back),
    // and blocks on Redis while a queue is empty: no command timeout.
    this.connection = new Redis({ ...settings, maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: true });
    this.connection.on('error', () => undefined);
    this.prefix = `${keyPrefix ?? ''}${NAMESPACE}`;
  }

  async enqueue(receiver: string, messages: Array<OutboundMessage<T>>): Promise<void> {
    if (messages.length === 0) return;
    const queue = await this.queue(receiver);
    const now = Date.now();
    // A job id already in the queue (waiting, active, or a dead letter) is not added again.
    await queue.addBulk(
      messages.map((message) => ({
        name: 'send',
        data: { id: message.id, data: message.data, attempts: 0, since: message.since ?? now } satisfies QueuedMessage<T>,
        opts: { jobId: message.id },
      })),
    );
  }

  async work(receivers: readonly string[]): Promise<void> {
    const wanted = new Set(receivers);
    for (const [id, running] of this.workers) {
      if (wanted.has(id)) continue;
      this.workers.delete(id);
      await this.stopWorker(running);
    }
    for (const id of wanted) if (!this.workers.has(id)) this.workers.set(id, this.startWorker(id));
  }

  async pending(receiver: string): Promise<number> {
    return (await this.queue(receiver)).getJobCountByTypes('wait', 'active', 'prioritized', 'delayed');
  }

  async deadLetters(receiver: string): Promise<Array<OutboundDeadLetter<T>>> {
    const queue = await this.queue(receiver);
    const letters: Array<OutboundDeadLetter<T>> = [];
    for (let start = 0; ; start += PAGE) {
      const jobs = (await queue.getFailed(start, start + PAGE - 1)) as Array<Job<QueuedMessage<T>>>;
      letters.push(...jobs.map((job) => this.letterOf(job)));
      if (jobs.length < PAGE) break;
    }
    return letters.sort((a, b) => a.failedAt.localeCompare(b.failedAt));
  }

  async replay(receiver: string, ids?: readonly string[]): Promise<number> {
    const queue = await this.queue(receiver);
    const letters = (await this.deadLetters(receiver)).filter((letter) => !ids || ids.includes(letter.id));
    let replaying = 0;
    for (const letter of letters) {
      const job = (await queue.getJob(letter.id)) as Job<QueuedMessage<T>> | undefined;
      if (!job || !(await job.isFailed())) continue;
      await job.updateData({ ...job.data, attempts: letter.attempts, replay: true, since: Date.now() });
      // Back to the tail of the receiver's queue, atomically (a replay is never lost half-way).
      await job.retry('failed');
      replaying++;
    }
    return replaying;
  }

  async discard(receiver: string, id: string): Promise<boolean> {
    const job = await (await this.queue(receiver)).getJob(id);
    if (!job || !(await job.isFailed())) return false;
    await job.remove();
    return true;
  }

  async forget(receiver: string): Promise<void> {
    const running = this.workers.get(receiver);
    this.workers.delete(receiver);
    if (running) await this.stopWorker(running);
    const queue = await this.queue(receiver);
    await queue.obliterate({ force: true });
    await queue.close();
    this.queues.delete(receiver);
  }

  async close(): Promise<void> {
    const running = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(running.map((worker) => this.stopWorker(worker)));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
    // Never used (connected on first use): nothing to say goodbye to.
    if (this.connection.status === 'wait') this.connection.disconnect();
    else await this.connection.quit().catch(() => this.connection.disconnect());
  }

  private async queue(receiver: string): Promise<Queue> {
    let queue = this.queues.get(receiver);
    if (!queue) {
      queue = new Queue(receiver, {
        connection: this.connection,
        prefix: this.prefix,
        defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: { count: this.options.maxDeadLetters } },
      });
      this.queues.set(receiver, queue);
      // One message at a time for this receiver across every replica: its order holds.
      await queue.setGlobalConcurrency(1);
    }
    return queue;
  }

  private startWorker(receiver: string): { worker: Worker; abort: AbortController } {
    const abort = new AbortController();
    const { metrics, log, lockMs } = this.options;
    const worker = new Worker<QueuedMessage<T>>(
      receiver,
      async (job, token) => {
        metrics?.queueLag(receiver, Math.max(0, (Date.now() - job.data.since) / 1000));
        let outcome: Awaited<ReturnType<typeof attemptAll<T>>>;
        try {
          outcome = await attemptAll(receiver, job.data, this.options, abort.signal);
        } catch (err) {
          if (!(err instanceof OutboundClosing)) throw err;
          // Shut down between attempts: back to the head of the queue for whoever works it next.
          await job.moveToWait(token);
          throw new WaitingError();
        }
        if (outcome === true) return;
        log.warn({ outbound: { receiver, message: job.data.id, ...outcome } }, 'outbound: delivery failed; dead-lettered');
        metrics?.deadLettered(receiver);
        // Nothing is written but the move to the failed set, which BullMQ refuses to a worker that lost its lock.
        throw new UnrecoverableError(outcome.lastError);
      },
      {
        connection: this.connection,
        prefix: this.prefix,
        concurrency: 1,
        lockDuration: lockMs,
        stalledInterval: lockMs,
        // A message is put back after every stall (a restart, a kill): it is never failed for stalling.
        maxStalledCount: Number.MAX_SAFE_INTEGER,
      },
    );
    worker.on('drained', () => metrics?.queueLag(receiver, 0));
    // While Redis is away the worker fails every second or so: one line a minute is enough.
    let loggedAt = 0;
    worker.on('error', (err) => {
      if (Date.now() - loggedAt < 60_000) return;
      loggedAt = Date.now();
      log.error({ err, outbound: { receiver } }, 'outbound: queue worker error (Redis unavailable?); it retries on its own');
    });
    return { worker, abort };
  }

  /** A failed job as a dead letter: its attempts are those made before it was last queued and those of its last run. */
  private letterOf(job: Job<QueuedMessage<T>>): OutboundDeadLetter<T> {
    return {
      id: job.data.id,
      data: job.data.data,
      attempts: job.data.attempts + (job.data.replay ? 1 : this.options.schedule.attempts),
      lastError: job.failedReason ?? '',
      failedAt: new Date(job.finishedOn ?? job.timestamp).toISOString(),
    };
  }

  private async stopWorker({ worker, abort }: { worker: Worker; abort: AbortController }): Promise<void> {
    abort.abort();
    await worker.close();
  }
}
