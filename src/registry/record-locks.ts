import { RegistryError } from './errors.js';

/** How long a change waits for the one before it on the same record before answering 409 (retry). */
const DEFAULT_MAX_WAIT_MS = 10_000;

/**
 * Runs read-check-write sequences on one record one at a time, in arrival order, inside this
 * gateway process.
 *
 * Why: Odoo's `write` cannot be made conditional (no compare-and-set on write_date over RPC),
 * so If-Match is checked on a read before the write. Without serialisation two PATCHes holding
 * the same ETag would both pass the check and the second would silently overwrite the first;
 * the same goes for checks the gateway enforces itself (one Head per group). Another gateway
 * process or an Odoo user can still write in between: see docs/reliability.md.
 */
export class RecordLocks {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly maxWaitMs = DEFAULT_MAX_WAIT_MS) {}

  /** Records with a change running or waiting (for tests and metrics). */
  get busy(): number {
    return this.tails.size;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // The next caller waits for this one even if this one gives up waiting.
    const tail = (previous ?? Promise.resolve()).then(() => mine);
    this.tails.set(key, tail);
    try {
      if (previous) await waitAtMost(previous, this.maxWaitMs);
      return await task();
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
  if (outcome === 'expired') throw new RegistryError('in_flight', 'Another change to this record is still in progress; retry shortly.');
}
