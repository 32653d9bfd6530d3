import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullmqConnection, NAMESPACE } from './bullmq-connection.js';
import { retryDelay } from '../background.js';
import { ConcurrencyLimit } from '../odoo/resilience.js';
import type { JobPoolOptions, OutboundJobPool, PoolHandler, PoolJob } from './queues.js';

/** Given-up jobs kept in the failed set for inspection (the oldest dropped beyond). */
const KEEP_FAILED = 1_000;
/** Jobs one BullMQ job carries at most (submitted together, see `submit`). */
const BATCH = 50;
/** A BullMQ job carrying one pool job: its data is the job's. */
const SINGLE = 'run';
/** A BullMQ job carrying several pool jobs: its data is `{ jobs }`, its id says how many (see `carriedBy`). */
const SEVERAL = 'batch';
const SEVERAL_ID = /^batch-(\d+)-[0-9a-f-]{36}$/;

/** How many pool jobs the BullMQ job of this id carries. */
function carriedBy(id: string): number {
  const several = SEVERAL_ID.exec(id);
  return several ? Number(several[1]) : 1;
}

interface Carried<T> {
  jobs: T[];
}

/** A job waiting to be written, and its submitter's promise. */
interface Gathered<T> {
  data: T;
  attempts: number;
  written: () => void;
  failed: (err: unknown) => void;
}

/**
 * The job pool in Redis, on BullMQ: one queue worked by every replica, `concurrency` jobs at
 * once per process and no global limit (no order to keep). Retries are BullMQ's own delayed
 * retries (`attempts`, and a backoff strategy that is the engine's one schema), so a job in
 * backoff holds up nobody. A worker holds a job under a lock it renews while it works
 * (`lockMs`, renewed every half of it whatever the handler does); one that stops renewing
 * (killed, cut from Redis) loses the job to the stalled-job check of any replica, which puts it
 * back to be worked again (at least once), and can no longer complete or fail it (BullMQ checks
 * the lock token). A job's id, when given, makes a second submission of it a no-op while it is
 * in the pool. With Redis's append-only file, jobs survive a Redis restart; they always survive
 * a gateway restart.
 *
 * BullMQ's bookkeeping (add, take, finish: a Lua script each) costs more than a light DCI job
 * itself, so jobs without an id submitted in the same turn of the event loop, or while the
 * previous write is on its way, are written together, in one round trip, as one BullMQ job (up
 * to BATCH, same attempts); a submission resolves once its job is in Redis. Their attempts
 * are the BullMQ job's, each job worked by the handler on its own. When some of them fail, the
 * BullMQ job keeps only those (written while the lock is ours, see `work`) for BullMQ's retry,
 * and after the last attempt the failed set holds only those.
 */
export class BullJobPool<T> implements OutboundJobPool<T> {
  readonly durable = true;
  private readonly connection: Redis;
  private readonly prefix: string;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  /** Jobs submitted while a write is on its way; `writing` is that write (and those after it). */
  private gathered: Array<Gathered<T>> = [];
  private writing: Promise<void> | undefined;

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
      defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: KEEP_FAILED }, backoff: { type: 'schedule' } },
    });
    // Its connection's errors (Redis away) are the worker's to report.
    this.queue.on('error', () => undefined);
  }

  async submit(job: PoolJob<T>): Promise<void> {
    // A job by id stays a BullMQ job of its own: its id is what makes a second submission a no-op.
    if (job.id) return void (await this.queue.add(SINGLE, job.data, { attempts: job.attempts, jobId: job.id }));
    return new Promise<void>((written, failed) => {
      this.gathered.push({ data: job.data, attempts: job.attempts, written, failed });
      this.writing ??= this.writeGathered().finally(() => (this.writing = undefined));
    });
  }

  /** Writes what was gathered, then what was gathered meanwhile, until nothing is left: one round trip each. */
  private async writeGathered(): Promise<void> {
    // After this turn of the event loop: the submissions of messages handled together join the first write.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.gathered.length > 0) {
      const taken = this.gathered;
      this.gathered = [];
      const bulk: Array<{ name: string; data: T | Carried<T>; opts: JobsOptions }> = [];
      for (const attempts of new Set(taken.map((job) => job.attempts))) {
        const alike = taken.filter((job) => job.attempts === attempts).map((job) => job.data);
        for (let start = 0; start < alike.length; start += BATCH) {
          const jobs = alike.slice(start, start + BATCH);
          bulk.push(
            jobs.length === 1
              ? { name: SINGLE, data: jobs[0]!, opts: { attempts } }
              : { name: SEVERAL, data: { jobs }, opts: { attempts, jobId: `batch-${jobs.length}-${randomUUID()}` } },
          );
        }
      }
      try {
        // One round trip (a pipeline: each BullMQ job is added whole). A failure is every submitter's,
        // even if some were added: those are worked all the same (at least once).
        await this.queue.addBulk(bulk);
        for (const job of taken) job.written();
      } catch (err) {
        for (const job of taken) job.failed(err);
      }
    }
  }

  work(handler: PoolHandler<T>): void {
    if (this.worker) return;
    const { concurrency, lockMs, log, retryBaseMs, retryMaxMs } = this.options;
    // `concurrency` handlers at once in this process, however many jobs the BullMQ jobs carry.
    const slots = new ConcurrencyLimit(concurrency);
    this.worker = new Worker<T | Carried<T>>(
      this.name,
      async (job, token) => {
        const attempt = job.attemptsMade + 1;
        const current = { attempt, final: attempt >= (job.opts.attempts ?? 1) };
        if (job.name !== SEVERAL) return void (await slots.run(() => handler(job.data as T, current)));
        const { jobs } = job.data as Carried<T>;
        const outcomes = await Promise.allSettled(jobs.map((data) => slots.run(() => handler(data, current))));
        const failed = jobs.filter((_, i) => outcomes[i]!.status === 'rejected');
        if (failed.length === 0) return;
        const reason = (outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult).reason as unknown;
        if (failed.length < jobs.length) await this.keepOnly(job as Job<Carried<T>>, token ?? '', failed);
        throw reason instanceof Error ? reason : new Error(String(reason));
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

  /**
   * Leaves in a BullMQ job only its jobs that failed, for its next attempt (or the failed set),
   * if the lock is still ours: extended first, so no other worker can take the job over before
   * the write lands (the stalled-job check takes only jobs whose lock ran out). A worker whose
   * lock was taken over changes nothing; its failure is refused by BullMQ as well.
   */
  private async keepOnly(job: Job<Carried<T>>, token: string, failed: T[]): Promise<void> {
    if ((await job.extendLock(token, this.options.lockMs)) !== 1) throw new Error(`outbound: the lock of job ${job.id} was taken over`);
    await job.updateData({ jobs: failed });
  }

  /**
   * Jobs in the waiting, active and delayed sets, read at once (MULTI); a BullMQ job carrying
   * several counts as many as its id says (one in backoff after some of its jobs were done still
   * counts them: an overcount, never an under).
   */
  async pending(): Promise<number> {
    const key = (set: string) => `${NAMESPACE}:${this.name}:${set}`;
    const replies = await this.base
      .multi()
      .lrange(key('wait'), 0, -1)
      .lrange(key('paused'), 0, -1)
      .lrange(key('active'), 0, -1)
      .zrange(key('delayed'), 0, -1)
      .zrange(key('prioritized'), 0, -1)
      .exec();
    let count = 0;
    for (const [err, ids] of replies ?? []) {
      if (err) throw err;
      for (const id of ids as string[]) count += carriedBy(id);
    }
    return count;
  }

  /**
   * Waits for the running jobs, unless Redis is away: they could not be completed then, and
   * their locks run out for another worker to take them over.
   */
  async close(): Promise<void> {
    await this.writing;
    const away = this.connection.status !== 'ready';
    await this.worker?.close(away);
    this.worker = undefined;
    await this.queue.close();
    if (away) this.connection.disconnect();
    else await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
