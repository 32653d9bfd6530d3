import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullmqConnection, NAMESPACE } from './bullmq-connection.js';
import { retryDelay } from '../background.js';
import { POOL_DEAD_LETTERS } from './queues.js';
import type { JobPoolOptions, OutboundJobPool, PoolDeadLetter, PoolHandler, PoolJob } from './queues.js';

/**
 * The job pool in Redis, on BullMQ: one queue worked by every replica, `concurrency` jobs at
 * once per process and no global limit (no order to keep). Retries are BullMQ's own delayed
 * retries (`attempts`, and a backoff strategy that is the engine's one schema), so a job in
 * backoff holds up nobody. A worker holds a job under a lock it renews while it works
 * (`lockMs`, renewed every half of it whatever the handler does); one that stops renewing
 * (killed, cut from Redis) loses the job to the stalled-job check of any replica, which puts it
 * back to be worked again (at least once), and can no longer complete or fail it (BullMQ checks
 * the lock token). A job's id, when given, makes a second submission of it a no-op while it is
 * in the pool. A job whose last attempt threw stays in BullMQ's failed set: the pool's dead
 * letters. With Redis's append-only file, jobs survive a Redis restart; they always survive
 * a gateway restart.
 */
export class BullJobPool<T> implements OutboundJobPool<T> {
  readonly durable = true;
  private readonly connection: Redis;
  private readonly prefix: string;
  private readonly queue: Queue;
  private worker: Worker | undefined;

  /**
   * `base`: the state store's connection, whose server, credentials and key prefix the pool
   * shares (BullMQ needs a connection of its own); its counts are read on `base`, which fails
   * fast while Redis is away (BullMQ's waits for it): the async routes refuse at once (503).
   */
  constructor(
    private readonly base: Redis,
    private readonly name: string,
    private readonly options: JobPoolOptions,
  ) {
    ({ connection: this.connection, prefix: this.prefix } = bullmqConnection(base));
    this.queue = new Queue(name, {
      connection: this.connection,
      prefix: this.prefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: POOL_DEAD_LETTERS }, backoff: { type: 'schedule' } },
    });
    // Its connection's errors (Redis away) are the worker's to report.
    this.queue.on('error', () => undefined);
  }

  async submit(job: PoolJob<T>): Promise<void> {
    await this.queue.add('run', job.data, { attempts: job.attempts, ...(job.id ? { jobId: job.id } : {}) });
  }

  work(handler: PoolHandler<T>): void {
    if (this.worker) return;
    const { concurrency, lockMs, log, retryBaseMs, retryMaxMs } = this.options;
    this.worker = new Worker<T>(
      this.name,
      async (job) => {
        const attempt = job.attemptsMade + 1;
        await handler(job.data, { attempt, final: attempt >= (job.opts.attempts ?? 1) });
      },
      {
        connection: this.connection,
        prefix: this.prefix,
        concurrency,
        lockDuration: lockMs,
        stalledInterval: lockMs,
        // A job is put back after every stall (a restart, a kill): it is never failed for stalling.
        maxStalledCount: Number.MAX_SAFE_INTEGER,
        settings: { backoffStrategy: (attemptsMade: number) => retryDelay(attemptsMade, retryBaseMs, retryMaxMs) },
      },
    );
    this.worker.on('failed', (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1))
        log.error({ err, outbound: { pool: this.name, job: job.id, attempts: job.attemptsMade } }, 'outbound: a job failed its last attempt; given up');
    });
    // While Redis is away the worker fails every second or so: one line a minute is enough.
    let loggedAt = 0;
    this.worker.on('error', (err) => {
      if (Date.now() - loggedAt < 60_000) return;
      loggedAt = Date.now();
      log.error({ err, outbound: { pool: this.name } }, 'outbound: pool worker error (Redis unavailable?); it retries on its own');
    });
  }

  async pending(): Promise<number> {
    const key = (set: string) => `${NAMESPACE}:${this.name}:${set}`;
    const counts = await this.base.multi().llen(key('wait')).llen(key('paused')).llen(key('active')).zcard(key('delayed')).zcard(key('prioritized')).exec();
    return (counts ?? []).reduce((sum, [err, n]) => {
      if (err) throw err;
      return sum + Number(n);
    }, 0);
  }

  async deadLetters(): Promise<Array<PoolDeadLetter<T>>> {
    const jobs = (await this.queue.getFailed(0, POOL_DEAD_LETTERS - 1)) as Array<Job<T> | undefined>;
    return jobs
      .filter((job): job is Job<T> => job !== undefined && job.id !== undefined)
      .map((job) => ({
        id: job.id!,
        data: job.data,
        attempts: job.attemptsMade,
        lastError: job.failedReason ?? '',
        failedAt: new Date(job.finishedOn ?? job.timestamp).toISOString(),
      }))
      .sort((a, b) => a.failedAt.localeCompare(b.failedAt));
  }

  /**
   * BullMQ's retry of a failed job, atomic: back to the waiting list with its attempts made
   * kept, so the worker's next attempt is past its last (final) and one failing again is failed again.
   */
  async replay(id: string): Promise<boolean> {
    const job = await this.failedJob(id);
    if (!job) return false;
    try {
      await job.retry('failed');
      return true;
    } catch (err) {
      // Replayed or discarded by another request meanwhile: no longer a dead letter.
      if (!(await job.isFailed())) return false;
      throw err;
    }
  }

  async discard(id: string): Promise<boolean> {
    const job = await this.failedJob(id);
    if (!job) return false;
    await job.remove();
    return true;
  }

  private async failedJob(id: string): Promise<Job<T> | undefined> {
    const job = (await this.queue.getJob(id)) as Job<T> | undefined;
    return job && (await job.isFailed()) ? job : undefined;
  }

  /**
   * Waits for the running jobs, unless Redis is away: they could not be completed then, and
   * their locks run out for another worker to take them over.
   */
  async close(): Promise<void> {
    const away = this.connection.status !== 'ready';
    await this.worker?.close(away);
    this.worker = undefined;
    await this.queue.close();
    if (away) this.connection.disconnect();
    else await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
