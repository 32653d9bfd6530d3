import { randomUUID } from 'node:crypto';
import { Job, Queue, Worker, type JobJson, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullmqConnection, NAMESPACE } from './bullmq-connection.js';
import { retryDelay } from '../background.js';
import { ConcurrencyLimit } from '../odoo/resilience.js';
import { POOL_DEAD_LETTERS } from './queues.js';
import type { JobPoolOptions, OutboundJobPool, PoolDeadLetter, PoolHandler, PoolJob } from './queues.js';

/** Jobs one BullMQ job carries at most (submitted together, see `submit`). */
const BATCH = 50;
/**
 * While the pool is busy (written to within BUSY_MS), how long a job without an id waits for
 * others to be written with it (see `submit`). With several replicas each one's share of the
 * messages is small: without the wait a BullMQ job carried about three callbacks, with it about
 * five, for at most this much more on an ACK. An idle pool writes at once.
 */
const GATHER_MS = 2;
const BUSY_MS = 50;
/** A BullMQ job carrying one pool job: its data is the job's. */
const SINGLE = 'run';
/**
 * A BullMQ job carrying several pool jobs: its data is `{ jobs, attempts }`, its id says how
 * many (see `carriedBy`). It is never failed for good (its BullMQ attempts are unbounded): its
 * jobs that fail leave it as SPLIT jobs, see `split`.
 */
const SEVERAL = 'batch';
const SEVERAL_ID = /^batch-(\d+)-[0-9a-f-]{36}$/;
/**
 * A pool job that failed in a SEVERAL job, now a BullMQ job of its own (id `<batch id>.<index>`):
 * its data is `{ job, made }`, `made` its attempts before it left the batch; `givenUp`, the
 * error of its last one when that was already its final attempt (the worker then fails it at
 * once, unworked, to put it in the failed set: BullMQ fails a job only from a worker).
 */
const SPLIT = 'split';

/** How many pool jobs the BullMQ job of this id carries. */
function carriedBy(id: string): number {
  const several = SEVERAL_ID.exec(id);
  return several ? Number(several[1]) : 1;
}

interface Carried<T> {
  jobs: T[];
  /** Each carried job's attempts in all. */
  attempts: number;
}

interface Split<T> {
  job: T;
  made: number;
  givenUp?: string;
}

type Stored<T> = T | Carried<T> | Split<T>;

/** A BullMQ job that is one pool job (SINGLE or SPLIT): that job, and the attempts it made before this BullMQ job's. */
function carriedOne<T>(job: { name: string; data: Stored<T> }): { data: T; before: number } {
  if (job.name !== SPLIT) return { data: job.data as T, before: 0 };
  const { job: data, made, givenUp } = job.data as Split<T>;
  // A job given up when it left its batch spends one BullMQ attempt being failed, unworked.
  return { data, before: givenUp === undefined ? made : made - 1 };
}

function message(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
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
 * in the pool. A job whose last attempt threw stays in BullMQ's failed set: the pool's dead
 * letters. With Redis's append-only file, jobs survive a Redis restart; they always survive
 * a gateway restart.
 *
 * BullMQ's bookkeeping (add, take, finish: a Lua script each) costs more than a light DCI job
 * itself, so jobs without an id submitted in the same turn of the event loop (within GATHER_MS
 * while the pool is busy), or while the previous write is on its way, are written together, in one round trip, as one BullMQ job (up
 * to BATCH, same attempts); a submission resolves once its job is in Redis. Each is worked by
 * the handler on its own. Those that fail leave the batch, each as a BullMQ job of its own
 * carrying its attempts made (`split`), and the batch is done: from then on a failed job is
 * retried, given up, listed, replayed and discarded exactly as one submitted alone, so the
 * failed set (the dead letters) holds one pool job per BullMQ job and BullMQ's atomic retry
 * and removal act on that job only. Failures are rare, so paying BullMQ's full cost for
 * them keeps the batch's saving where it matters. (Keeping a batch's failures together until
 * their last attempt, listed as `<batch>:<index>`, would need a replay to take one out of a
 * failed BullMQ job and add it as another in one atomic step, which BullMQ has no script for.)
 */
export class BullJobPool<T> implements OutboundJobPool<T> {
  readonly durable = true;
  private readonly connection: Redis;
  private readonly prefix: string;
  private readonly queue: Queue;
  private worker: Worker<Stored<T>> | undefined;
  private handler: PoolHandler<T> | undefined;
  private slots: ConcurrencyLimit | undefined;
  /** The BullMQ jobs this process holds, by id, and the lock token of each. */
  private readonly held = new Map<string, string>();
  /** Each held job's work and ending. */
  private readonly running = new Set<Promise<void>>();
  private fetching: Promise<void> | undefined;
  /** Asked to fetch while a fetch was on its way: it looks again before it stops. */
  private fetchAgain = false;
  /** Jobs this process wrote (or replayed) and has not taken yet, as far as it knows. */
  private owed = 0;
  private poll: NodeJS.Timeout | undefined;
  private renewals: NodeJS.Timeout | undefined;
  private tokens = 0;
  private closing = false;
  private errorLoggedAt = 0;
  /** Jobs submitted while a write is on its way; `writing` is that write (and those after it). */
  private gathered: Array<Gathered<T>> = [];
  private writing: Promise<void> | undefined;
  /** When the last write ended (`performance.now()`): the pool is busy shortly after. */
  private writtenAt = -Infinity;

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

  /**
   * How often an idle worker looks for jobs it was not told of: a fraction of the shortest
   * backoff, so a retry is taken in time (BullMQ moves delayed jobs that came due on a fetch).
   */
  private get pollMs(): number {
    return Math.min(1_000, Math.max(10, Math.floor(this.options.retryBaseMs / 4)));
  }

  async submit(job: PoolJob<T>): Promise<void> {
    // A job by id stays a BullMQ job of its own: its id is what makes a second submission a no-op.
    if (job.id) {
      await this.queue.add(SINGLE, job.data, { attempts: job.attempts, jobId: job.id });
      return this.fetch(1);
    }
    return new Promise<void>((written, failed) => {
      this.gathered.push({ data: job.data, attempts: job.attempts, written, failed });
      this.writing ??= this.writeGathered().finally(() => (this.writing = undefined));
    });
  }

  /** Writes what was gathered, then what was gathered meanwhile, until nothing is left: one round trip each. */
  private async writeGathered(): Promise<void> {
    // The submissions of messages handled meanwhile (this turn of the event loop, or GATHER_MS when busy) join the first write.
    const busy = performance.now() - this.writtenAt < BUSY_MS;
    await new Promise((resolve) => (busy ? setTimeout(resolve, GATHER_MS) : setImmediate(resolve)));
    while (this.gathered.length > 0) {
      const taken = this.gathered;
      this.gathered = [];
      const bulk: Array<{ name: string; data: Stored<T>; opts: JobsOptions }> = [];
      for (const attempts of new Set(taken.map((job) => job.attempts))) {
        const alike = taken.filter((job) => job.attempts === attempts).map((job) => job.data);
        for (let start = 0; start < alike.length; start += BATCH) {
          const jobs = alike.slice(start, start + BATCH);
          bulk.push(
            jobs.length === 1
              ? { name: SINGLE, data: jobs[0]!, opts: { attempts } }
              : {
                  name: SEVERAL,
                  data: { jobs, attempts },
                  // Tried again (all of it) only when its failures could not be split off (Redis away): until they are.
                  opts: { attempts: Number.MAX_SAFE_INTEGER, jobId: `batch-${jobs.length}-${randomUUID()}` },
                },
          );
        }
      }
      try {
        // One round trip: one BullMQ job (the usual case) added alone (addBulk's pipeline costs more
        // than the add), several in a pipeline, each added whole. A failure is every submitter's,
        // even if some were added: those are worked all the same (at least once).
        if (bulk.length === 1) await this.queue.add(bulk[0]!.name, bulk[0]!.data, bulk[0]!.opts);
        else await this.queue.addBulk(bulk);
        for (const job of taken) job.written();
        // This process works what it wrote when it has room: no other replica is woken for it.
        this.fetch(bulk.length);
      } catch (err) {
        for (const job of taken) job.failed(err);
      }
      this.writtenAt = performance.now();
    }
  }

  work(handler: PoolHandler<T>): void {
    if (this.worker) return;
    const { concurrency, lockMs, retryBaseMs, retryMaxMs } = this.options;
    // `concurrency` handlers at once in this process, however many jobs the BullMQ jobs carry.
    this.slots = new ConcurrencyLimit(concurrency);
    this.handler = handler;
    // No processor: jobs are taken by `fetch` (BullMQ's manual processing), never by a blocking
    // wait, and ended by `run`; BullMQ still locks, retries and recovers them.
    this.worker = new Worker<Stored<T>>(this.name, null, {
      connection: this.connection,
      prefix: this.prefix,
      autorun: false,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      // A job is put back after every stall (a restart, a kill): it is never failed for stalling.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, _err?: Error, job?: { name: string; data: Stored<T> }) =>
          retryDelay((job && job.name !== SEVERAL ? carriedOne(job).before : 0) + attemptsMade, retryBaseMs, retryMaxMs),
      },
    });
    // The stalled-job check's errors (Redis away), reported as the fetches' are.
    this.worker.on('error', (err) => this.workerError(err));
    void this.worker.startStalledCheckTimer();
    // Every half of the lock, whatever the handlers do: a lock lapses only when this process stops renewing it.
    this.renewals = setInterval(() => void this.renewLocks(), lockMs / 2);
    this.renewals.unref();
    this.poll = setInterval(() => {
      if (!this.fetching) this.fetch(0, true);
    }, this.pollMs);
    this.poll.unref();
    this.fetch(0, true);
  }

  /**
   * Takes jobs while this process has room for them (`concurrency` BullMQ jobs held), one round
   * trip each: as many as it was told of (`owed`: those it wrote, or replayed), or, on a poll
   * (every `pollMs`, `look`), until none is waiting: jobs of other replicas that had no room for
   * them, retries come due, jobs put back after a stall. A job that ends takes the next waiting
   * one in the same round trip. Taking jobs only then, rather than blocking on BullMQ's marker
   * in every replica, spares a wake-up of an idle replica and its empty fetch for every job
   * added or taken anywhere: those cost more than a light DCI job itself.
   */
  private fetch(owed = 0, look = false): void {
    this.owed += owed;
    const worker = this.worker;
    if (!worker || this.closing) return;
    if (this.fetching) {
      this.fetchAgain = true;
      return;
    }
    if (!look && this.owed === 0) return;
    // Cleared in a later turn (a `then`), never before it is set.
    this.fetching = this.takeJobs(worker, look).then(() => {
      this.fetching = undefined;
      if (!this.fetchAgain) return;
      this.fetchAgain = false;
      this.fetch();
    });
  }

  private async takeJobs(worker: Worker<Stored<T>>, look: boolean): Promise<void> {
    try {
      while (this.held.size < this.options.concurrency && !this.closing && (look || this.owed > 0)) {
        const token = `${worker.id}:${++this.tokens}`;
        const owedBefore = this.owed;
        const job = await worker.getNextJob(token, { block: false });
        if (!job) {
          // Those told of before this look were taken by other replicas; any written meanwhile are looked for next.
          this.owed = Math.max(0, this.owed - owedBefore);
          if (this.owed === 0) return;
          look = false;
          continue;
        }
        this.owed = Math.max(0, this.owed - 1);
        this.hold(job, token);
      }
    } catch (err) {
      this.workerError(err);
    }
  }

  /** Works a job this process took under `token`; the job that ending it fetched next, if any, too. */
  private hold(job: Job<Stored<T>>, token: string): void {
    this.held.set(job.id!, token);
    const running = this.run(job, token)
      .catch((err: unknown) => this.workerError(err))
      .then((next) => {
        this.held.delete(job.id!);
        this.running.delete(running);
        if (!next) return this.fetch();
        this.owed = Math.max(0, this.owed - 1);
        this.hold(next, token);
      });
    this.running.add(running);
  }

  /**
   * Works a BullMQ job, then ends it under its lock: completed (taking the next waiting job at
   * once, in the same round trip, unless closing), or failed (BullMQ's backoff, or the failed
   * set after its last attempt). BullMQ refuses to end a job whose lock is no longer `token`:
   * a worker whose lock was taken over changes nothing.
   */
  private async run(job: Job<Stored<T>>, token: string): Promise<Job<Stored<T>> | undefined> {
    let failure: Error | undefined;
    try {
      await this.process(job, token);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    if (failure) {
      await job.moveToFailed(failure, token, false);
      if (job.name !== SEVERAL && job.attemptsMade >= (job.opts.attempts ?? 1))
        this.options.log.error(
          { err: failure, outbound: { pool: this.name, job: job.id, attempts: carriedOne(job).before + job.attemptsMade } },
          'outbound: a job failed its last attempt; given up',
        );
      return undefined;
    }
    const next = await job.moveToCompleted(undefined, token, !this.closing);
    if (!Array.isArray(next) || !next[0]) return undefined;
    return Job.fromJSON(this.worker!, next[0] as JobJson, next[1] as string) as Job<Stored<T>>;
  }

  /** The handler's work on one BullMQ job: each job it carries, at most `concurrency` at once in this process. */
  private async process(job: Job<Stored<T>>, token: string): Promise<void> {
    const handler = this.handler!;
    const slots = this.slots!;
    if (job.name === SEVERAL) {
      const { jobs, attempts } = job.data as Carried<T>;
      const attempt = job.attemptsMade + 1;
      const turn = { attempt, final: attempt >= attempts };
      const outcomes = await Promise.allSettled(jobs.map((data) => slots.run(() => handler(data, turn))));
      await this.split(job as Job<Carried<T>>, token, outcomes, turn);
      return;
    }
    const { data, before } = carriedOne(job);
    const { givenUp } = job.data as Partial<Split<T>>;
    if (givenUp !== undefined && job.attemptsMade === 0) throw new Error(givenUp);
    const attempt = before + job.attemptsMade + 1;
    await slots.run(() => handler(data, { attempt, final: attempt >= before + (job.opts.attempts ?? 1) }));
  }

  /** Renews the locks of the jobs this process holds (one round trip); one taken over meanwhile is not renewed. */
  private async renewLocks(): Promise<void> {
    if (!this.worker || this.held.size === 0) return;
    try {
      await this.worker.extendJobLocks([...this.held.keys()], [...this.held.values()], this.options.lockMs);
    } catch (err) {
      this.workerError(err);
    }
  }

  /** While Redis is away fetches fail every second or so: one line a minute is enough. */
  private workerError(err: unknown): void {
    if (Date.now() - this.errorLoggedAt < 60_000) return;
    this.errorLoggedAt = Date.now();
    this.options.log.error({ err, outbound: { pool: this.name } }, 'outbound: pool worker error (Redis unavailable?); it retries on its own');
  }

  /**
   * Makes each job of a batch that failed this attempt a BullMQ job of its own, carrying its
   * attempts made: waiting for its next attempt after the backoff, or (that was its last)
   * given up. Only while the lock is still ours: extended first, so no other worker can take
   * the batch over before the write lands (the stalled-job check takes only jobs whose lock ran
   * out); a worker whose lock was taken over changes nothing, and BullMQ refuses its ending
   * too. The ids are the batch's and the job's place in it: a batch worked again after a crash
   * between the write and its end does not add a job that is still there twice.
   */
  private async split(
    batch: Job<Carried<T>>,
    token: string,
    outcomes: Array<PromiseSettledResult<void>>,
    turn: { attempt: number; final: boolean },
  ): Promise<void> {
    const bulk: Array<{ name: string; data: Split<T>; opts: JobsOptions }> = [];
    const { jobs, attempts } = batch.data;
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') return;
      const jobId = `${batch.id}.${index}`;
      const { attempt } = turn;
      bulk.push(
        turn.final
          ? { name: SPLIT, data: { job: jobs[index]!, made: attempt, givenUp: message(outcome.reason) }, opts: { jobId, attempts: 1 } }
          : {
              name: SPLIT,
              data: { job: jobs[index]!, made: attempt },
              opts: { jobId, attempts: attempts - attempt, delay: retryDelay(attempt, this.options.retryBaseMs, this.options.retryMaxMs) },
            },
      );
    });
    if (bulk.length === 0) return;
    if ((await batch.extendLock(token, this.options.lockMs)) !== 1) throw new Error(`outbound: the lock of job ${batch.id} was taken over`);
    await this.queue.addBulk(bulk);
  }

  /**
   * Jobs in the waiting, active and delayed sets, read at once (MULTI); a BullMQ job carrying
   * several counts as many as its id says (a batch is never in backoff: its failures leave it).
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

  async deadLetters(): Promise<Array<PoolDeadLetter<T>>> {
    const jobs = (await this.queue.getFailed(0, POOL_DEAD_LETTERS - 1)) as Array<Job<Stored<T>> | undefined>;
    return jobs
      .filter((job): job is Job<Stored<T>> => job !== undefined && job.id !== undefined && job.name !== SEVERAL)
      .map((job) => {
        const { data, before } = carriedOne(job);
        return {
          id: job.id!,
          data,
          attempts: before + job.attemptsMade,
          lastError: job.failedReason ?? '',
          failedAt: new Date(job.finishedOn ?? job.timestamp).toISOString(),
        };
      })
      .sort((a, b) => a.failedAt.localeCompare(b.failedAt));
  }

  /**
   * BullMQ's retry of a failed job, atomic: back to the waiting list with its attempts made
   * kept, so the worker's next attempt is past its last (final) and one failing again is failed
   * again. One split off a batch counts its attempts in the batch too (`carriedOne`).
   */
  async replay(id: string): Promise<boolean> {
    const job = await this.failedJob(id);
    if (!job) return false;
    try {
      await job.retry('failed');
      this.fetch(1);
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

  /** A dead letter: a failed BullMQ job that is one pool job (a batch is never failed for good). */
  private async failedJob(id: string): Promise<Job<Stored<T>> | undefined> {
    const job = (await this.queue.getJob(id)) as Job<Stored<T>> | undefined;
    return job && job.name !== SEVERAL && (await job.isFailed()) ? job : undefined;
  }

  /**
   * Waits for the running jobs, unless Redis is away: they could not be completed then, and
   * their locks run out for another worker to take them over.
   */
  async close(): Promise<void> {
    await this.writing;
    this.closing = true;
    clearInterval(this.poll);
    const away = this.connection.status !== 'ready';
    if (!away) {
      // A fetch on its way may still take a job: it is worked and ended like the others.
      await this.fetching;
      while (this.running.size > 0) await Promise.all(this.running);
    }
    clearInterval(this.renewals);
    await this.worker?.close(away);
    this.worker = undefined;
    await this.queue.close();
    if (away) this.connection.disconnect();
    else await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
