import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullmqConnection } from './bullmq-connection.js';
import { attemptAll, OutboundClosing } from './queues.js';
import type { OutboundDeadLetter, OutboundMessage, OutboundQueueOptions, OutboundQueues } from './queues.js';

/** Pages of the failed set read at a time when dead letters are listed. */
const PAGE = 1_000;
/** Messages carried by one job at most: one job per batch spares the queue's bookkeeping per message. */
const BATCH = 200;
/** How often at most a worker records its progress through a batch (a batch taken over resumes from there). */
const PROGRESS_EVERY_MS = 50;

/**
 * One job: consecutive messages of a receiver, sent in order. Its progress is the index of the
 * message it is on; a job that failed is the dead letter of that message. `attempts` and
 * `replay` are a replayed dead letter's (a batch of one).
 */
interface Batch<T> {
  messages: Array<OutboundMessage<T> & { since: number }>;
  attempts: number;
  replay?: boolean;
  /** A dead letter kept by an earlier engine: failed by the worker that takes it, never sent. */
  imported?: { lastError: string; failedAt: string };
}

/**
 * The outbound queues in Redis, on BullMQ: one BullMQ queue per receiver with a global
 * concurrency of 1 (one job at a time across every replica, in queue order). A job carries the
 * messages of one `enqueue` (up to BATCH), sent one at a time in order: BullMQ's bookkeeping
 * (taking, finishing, removing a job) is paid once per batch rather than once per message. A
 * worker holds a job under a lock it renews while it works (`lockMs`); one that stops renewing
 * (killed, paused, cut from Redis) loses the job to the stalled-job check of any replica, which
 * puts it back at the head of its queue, to resume from the progress recorded (messages after
 * it may be sent again: at least once), and can no longer complete or fail it (BullMQ checks the
 * lock token). Retries run inside the processor so the queue's order holds; a message out of
 * attempts fails its job, which BullMQ keeps in its failed set (the dead-letter list), after
 * the messages behind it were queued again at the head of the queue. With Redis's append-only
 * file, queued messages survive a Redis restart; they always survive a gateway restart.
 */
export class BullOutboundQueues<T> implements OutboundQueues<T> {
  readonly durable = true;
  private readonly connection: Redis;
  private readonly prefix: string;
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, { worker: Worker; abort: AbortController }>();
  private queueErrorLoggedAt = 0;

  /** `base`: the state store's connection, whose server, credentials and key prefix the queues share (BullMQ needs a connection of its own). */
  constructor(
    base: Redis,
    private readonly options: OutboundQueueOptions<T>,
  ) {
    ({ connection: this.connection, prefix: this.prefix } = bullmqConnection(base));
  }

  async enqueue(receiver: string, messages: Array<OutboundMessage<T>>): Promise<void> {
    if (messages.length === 0) return;
    const queue = await this.queue(receiver);
    const now = Date.now();
    const batches: Array<Batch<T>> = [];
    for (let start = 0; start < messages.length; start += BATCH) {
      batches.push({ messages: messages.slice(start, start + BATCH).map((message) => ({ ...message, since: message.since ?? now })), attempts: 0 });
    }
    // A job id already in the queue (waiting, active, or a dead letter) is not added again.
    await queue.addBulk(batches.map((batch) => ({ name: 'send', data: batch, opts: { jobId: batchId(batch) } })));
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
    const queue = await this.queue(receiver);
    let count = 0;
    for (let start = 0; ; start += PAGE) {
      const jobs = (await queue.getJobs(['wait', 'active', 'prioritized', 'delayed'], start, start + PAGE - 1, true)) as Array<Job<Batch<T>>>;
      for (const job of jobs) if (job) count += job.data.messages.length - progressOf(job);
      if (jobs.length < PAGE) return count;
    }
  }

  async deadLetters(receiver: string): Promise<Array<OutboundDeadLetter<T>>> {
    return (await this.failedJobs(receiver)).map(({ letter }) => letter);
  }

  async replay(receiver: string, ids?: readonly string[]): Promise<number> {
    let replaying = 0;
    for (const { job, letter } of await this.failedJobs(receiver)) {
      if (ids && !ids.includes(letter.id)) continue;
      if (!(await job.isFailed())) continue;
      const message = job.data.messages[progressOf(job)]!;
      await job.updateData({ messages: [{ ...message, since: Date.now() }], attempts: letter.attempts, replay: true });
      await job.updateProgress(0);
      // Back to the tail of the receiver's queue, atomically (a replay is never lost half-way).
      await job.retry('failed');
      replaying++;
    }
    return replaying;
  }

  async discard(receiver: string, id: string): Promise<boolean> {
    const found = (await this.failedJobs(receiver)).find(({ letter }) => letter.id === id);
    if (!found || !(await found.job.isFailed())) return false;
    await found.job.remove();
    return true;
  }

  /**
   * BullMQ makes a job failed only from its active state (under a worker's lock), so each letter
   * is queued at the head of the receiver's queue marked as imported and the worker that takes
   * it fails it at once, unsent: it then is a dead letter like the engine's own. Its id is
   * `legacy-<message id>`: a second import of it is not queued.
   */
  async importDeadLetters(receiver: string, letters: Array<OutboundDeadLetter<T>>): Promise<void> {
    if (letters.length === 0) return;
    const queue = await this.queue(receiver);
    await queue.addBulk(
      letters.map(({ id, data, attempts, lastError, failedAt }) => ({
        name: 'send',
        data: { messages: [{ id, data, since: Date.parse(failedAt) }], attempts, imported: { lastError, failedAt } } satisfies Batch<T>,
        opts: { jobId: `legacy-${id}`, lifo: true },
      })),
    );
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
      // Without a listener BullMQ prints every connection error to stderr, past the logger.
      queue.on('error', (err) => this.queueError(err));
      // One message at a time for this receiver across every replica: its order holds.
      await queue.setGlobalConcurrency(1);
    }
    return queue;
  }

  /**
   * A queue's connection error (Redis away): its commands wait for Redis to be back (the offline
   * queue), so there is nothing to do but say so, once a minute for every queue at once.
   */
  private queueError(err: Error): void {
    if (Date.now() - this.queueErrorLoggedAt < 60_000) return;
    this.queueErrorLoggedAt = Date.now();
    this.options.log.error({ err, outbound: { queues: this.queues.size } }, 'outbound: queue error (Redis unavailable?); its commands wait for Redis');
  }

  private startWorker(receiver: string): { worker: Worker; abort: AbortController } {
    const abort = new AbortController();
    const { metrics, log, lockMs } = this.options;
    const worker = new Worker<Batch<T>>(
      receiver,
      async (job, token) => {
        const { messages, attempts, replay, imported } = job.data;
        if (imported) throw new UnrecoverableError(imported.lastError);
        let recorded = progressOf(job);
        let recordedAt = Date.now();
        const record = async (index: number) => {
          if (index === recorded) return;
          await job.updateProgress(index);
          recorded = index;
          recordedAt = Date.now();
        };
        for (let index = recorded; index < messages.length; index++) {
          const message = messages[index]!;
          metrics?.queueLag(receiver, Math.max(0, (Date.now() - message.since) / 1000));
          let outcome: Awaited<ReturnType<typeof attemptAll<T>>>;
          try {
            outcome = await attemptAll(receiver, { ...message, attempts, replay }, this.options, abort.signal);
          } catch (err) {
            if (!(err instanceof OutboundClosing)) throw err;
            // Shut down between attempts: back to the head of the queue for whoever works it next, from this message on.
            await record(index);
            await job.moveToWait(token);
            throw new WaitingError();
          }
          if (outcome !== true) {
            await this.deadLetter(receiver, job, token ?? '', index);
            log.warn({ outbound: { receiver, message: message.id, ...outcome } }, 'outbound: delivery failed; dead-lettered');
            metrics?.deadLettered(receiver);
            // The move to the failed set, which BullMQ refuses to a worker that lost its lock.
            throw new UnrecoverableError(outcome.lastError);
          }
          if (Date.now() - recordedAt >= PROGRESS_EVERY_MS) await record(index + 1);
        }
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

  /**
   * Makes the failed job the dead letter of message `index`: its progress points at it, and the
   * messages behind it go back to the head of the queue first (taken next: the order holds).
   * Nothing is written by a worker that no longer holds the job's lock.
   */
  private async deadLetter(receiver: string, job: Job<Batch<T>>, token: string, index: number): Promise<void> {
    if (!(await job.extendLock(token, this.options.lockMs))) throw new Error('outbound: the lock of the job was taken over');
    await job.updateProgress(index);
    const rest: Batch<T> = { messages: job.data.messages.slice(index + 1), attempts: 0 };
    if (rest.messages.length > 0) await (await this.queue(receiver)).add('send', rest, { jobId: batchId(rest), lifo: true });
  }

  /** Failed jobs, each the dead letter of the message its progress points at, oldest first. */
  private async failedJobs(receiver: string): Promise<Array<{ job: Job<Batch<T>>; letter: OutboundDeadLetter<T> }>> {
    const queue = await this.queue(receiver);
    const found: Array<{ job: Job<Batch<T>>; letter: OutboundDeadLetter<T> }> = [];
    for (let start = 0; ; start += PAGE) {
      const jobs = (await queue.getFailed(start, start + PAGE - 1)) as Array<Job<Batch<T>>>;
      for (const job of jobs) {
        const message = job?.data.messages[progressOf(job)];
        if (!message) continue;
        found.push({
          job,
          letter: {
            id: message.id,
            data: message.data,
            // Those made before it was last queued and those of its last run (an imported letter's are all before).
            attempts: job.data.attempts + (job.data.imported ? 0 : job.data.replay ? 1 : this.options.schedule.attempts),
            lastError: job.failedReason ?? '',
            failedAt: job.data.imported?.failedAt ?? new Date(job.finishedOn ?? job.timestamp).toISOString(),
          },
        });
      }
      if (jobs.length < PAGE) break;
    }
    return found.sort((a, b) => a.letter.failedAt.localeCompare(b.letter.failedAt));
  }

  private async stopWorker({ worker, abort }: { worker: Worker; abort: AbortController }): Promise<void> {
    abort.abort();
    await worker.close();
  }
}

/** A batch's job id: its message's id for one message, else its first and last ids. */
function batchId<T>(batch: Batch<T>): string {
  const first = batch.messages[0]!.id;
  return batch.messages.length === 1 ? first : `${first}..${batch.messages.at(-1)!.id}`;
}

/** The index of the message a job is on. */
function progressOf<T>(job: Job<Batch<T>>): number {
  return typeof job.progress === 'number' ? job.progress : 0;
}
