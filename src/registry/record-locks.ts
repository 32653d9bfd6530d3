import type { CallOptions } from '../odoo/types.js';
import { RegistryError } from './errors.js';

/** How long a change waits for the one before it on the same record before answering 409 (retry). */
export const DEFAULT_MAX_WAIT_MS = 10_000;

/** What a read-check-write sequence holds while it runs. */
export interface RecordLease {
  /**
   * Called right before each Odoo write the sequence makes: confirms this holder still owns
   * the record and returns the options the write must be sent with (a deadline by which the
   * gateway abandons it). Throws when the lease was lost (expired, or the store is down): the
   * write must not be sent.
   */
  fence(): Promise<CallOptions>;
}

/**
 * One read-check-write sequence per record at a time. Odoo's `write` cannot be made
 * conditional (no compare-and-set on write_date over RPC), so If-Match is checked on a read
 * before the write; without this two PATCHes holding the same ETag would both pass the check.
 */
export interface RecordLocks {
  run<T>(key: string, task: (lease: RecordLease) => Promise<T>): Promise<T>;
}

export const lockWaitExpired = (): RegistryError => new RegistryError('in_flight', 'Another change to this record is still in progress; retry shortly.');

/** In one process the arrival-order queue alone is exclusive: nothing to confirm before a write. */
const PROCESS_LEASE: RecordLease = { fence: async () => ({}) };

/**
 * Runs read-check-write sequences on one record one at a time, in arrival order, inside this
 * gateway process (the in-memory store). Another gateway process or an Odoo user can still
 * write in between: several replicas share leases in Redis instead (src/state/redis-locks.ts);
 * see docs/reliability.md.
 */
export class MemoryRecordLocks implements RecordLocks {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly maxWaitMs = DEFAULT_MAX_WAIT_MS) {}

  /** Records with a change running or waiting (for tests and metrics). */
  get busy(): number {
    return this.tails.size;
  }

  async run<T>(key: string, task: (lease: RecordLease) => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // The next caller waits for this one even if this one gives up waiting.
    const tail = (previous ?? Promise.resolve()).then(() => mine);
    this.tails.set(key, tail);
    try {
      if (previous) await waitAtMost(previous, this.maxWaitMs);
      return await task(PROCESS_LEASE);
    } finally {
      release();
      // Forget the record only once the whole chain up to this caller is done: a caller that
      // gave up waiting must not let the next one skip the change still running.
      void tail.then(() => {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
    }
  }
}

async function waitAtMost(turn: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), ms)));
  const outcome = await Promise.race([turn, expired]);
  clearTimeout(timer);
  if (outcome === 'expired') throw lockWaitExpired();
}
