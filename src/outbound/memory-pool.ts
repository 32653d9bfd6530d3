import { randomUUID } from 'node:crypto';
import { retryDelay } from '../background.js';
import { POOL_DEAD_LETTERS } from './queues.js';
import type { JobPoolOptions, OutboundJobPool, PoolDeadLetter, PoolHandler, PoolJob } from './queues.js';

interface Entry<T> {
  id: string;
  data: T;
  attempts: number;
  /** Attempts made so far. */
  made: number;
}

/** The job pool of one process: nothing survives a restart (the gateway warns at start-up). */
export class MemoryJobPool<T> implements OutboundJobPool<T> {
  readonly durable = false;
  private readonly waiting: Array<Entry<T>> = [];
  /** Every job in the pool, waiting, waiting for its next attempt or running: ids are not submitted twice. */
  private readonly ids = new Set<string>();
  /** Jobs whose last attempt threw, oldest first (BullMQ's failed set). */
  private readonly dead = new Map<string, Entry<T> & { lastError: string; failedAt: string }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private handler: PoolHandler<T> | undefined;
  private closed = false;

  constructor(private readonly options: JobPoolOptions) {}

  async submit(job: PoolJob<T>): Promise<void> {
    const id = job.id ?? randomUUID();
    if (this.ids.has(id) || this.dead.has(id)) return;
    this.ids.add(id);
    this.waiting.push({ id, data: structuredClone(job.data), attempts: job.attempts, made: 0 });
    this.pump();
  }

  work(handler: PoolHandler<T>): void {
    this.handler = handler;
    this.closed = false;
    this.pump();
  }

  async pending(): Promise<number> {
    return this.ids.size;
  }

  async deadLetters(): Promise<Array<PoolDeadLetter<T>>> {
    return [...this.dead.values()].map(({ id, data, made, lastError, failedAt }) => ({ id, data: structuredClone(data), attempts: made, lastError, failedAt }));
  }

  async replay(id: string): Promise<boolean> {
    const entry = this.dead.get(id);
    if (!entry) return false;
    this.dead.delete(id);
    this.ids.add(id);
    // Its attempts made stay: the next is past its last, so the handler is told it is final.
    this.waiting.push({ id, data: entry.data, attempts: entry.attempts, made: entry.made });
    this.pump();
    return true;
  }

  async discard(id: string): Promise<boolean> {
    return this.dead.delete(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handler = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.running);
  }

  private pump(): void {
    while (this.handler && !this.closed && this.running.size < this.options.concurrency) {
      const entry = this.waiting.shift();
      if (!entry) return;
      const run: Promise<void> = this.run(this.handler, entry).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async run(handler: PoolHandler<T>, entry: Entry<T>): Promise<void> {
    const made = entry.made + 1;
    try {
      await handler(structuredClone(entry.data), { attempt: made, final: made >= entry.attempts });
      this.ids.delete(entry.id);
    } catch (err) {
      if (made >= entry.attempts) {
        this.ids.delete(entry.id);
        this.dead.set(entry.id, { ...entry, made, lastError: err instanceof Error ? err.message : String(err), failedAt: new Date().toISOString() });
        for (const id of this.dead.keys()) {
          if (this.dead.size <= POOL_DEAD_LETTERS) break;
          this.dead.delete(id);
        }
        this.options.log.error({ err, outbound: { job: entry.id, attempts: made } }, 'outbound: a job failed its last attempt; given up');
        return;
      }
      if (this.closed) return;
      // Its next attempt after the backoff; the others go on meanwhile.
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          this.waiting.push({ ...entry, made });
          this.pump();
        },
        retryDelay(made, this.options.retryBaseMs, this.options.retryMaxMs),
      );
      timer.unref();
      this.timers.add(timer);
    }
  }
}
