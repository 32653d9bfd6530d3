/**
 * Idempotency-Key bookkeeping for POST: what happened to the first request with a key, so a
 * retry gets the same answer instead of a second registrant.
 *
 * States: `in_flight` (the first request is running; a retry waits for it), `done` (the stored
 * response is replayed), `unknown` (Odoo may or may not have created the record: the
 * connection failed after the request was sent; the retry resolves it by searching for the
 * marker the create carried, see `idempotencyMarker`).
 */

export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export type IdempotencyEntry =
  | { state: 'in_flight'; fingerprint: string; settled: Promise<void> }
  | { state: 'done'; fingerprint: string; response: StoredResponse }
  | { state: 'unknown'; fingerprint: string; createNotBefore?: number };

export type BeginResult =
  | { outcome: 'started' }
  | { outcome: 'replay'; response: StoredResponse }
  /** `createNotBefore`: the first attempt timed out and may still be running in Odoo; do not create again before this time (epoch ms). */
  | { outcome: 'unknown'; createNotBefore?: number }
  | { outcome: 'mismatch' }
  | { outcome: 'in_flight'; settled: Promise<void> };

/** The store behind Idempotency-Key: in memory (MemoryIdempotencyStore) or shared by replicas in Redis (src/state/redis.ts). */
export interface IdempotencyStore {
  /** Claims `key` for a request with `fingerprint`, or says what an earlier request with it left. */
  begin(key: string, fingerprint: string): Promise<BeginResult>;
  /** The request finished with this response: retries replay it. */
  complete(key: string, response: StoredResponse): Promise<void>;
  /**
   * The outcome is unknown (transport failure after sending): the retry must look before
   * creating, and must not create before `createNotBefore` (epoch ms) if given.
   */
  markUnknown(key: string, createNotBefore?: number): Promise<void>;
  /** The request failed without creating anything: forget the key, a retry runs afresh. */
  release(key: string): Promise<void>;
  /**
   * Called right before the create is sent to Odoo: confirms this request still holds the key
   * (a shared store's hold is a lease another replica takes over once it runs out) and renews
   * it. Throws when the key was lost: the create must not be sent.
   */
  fence(key: string): Promise<void>;
}

interface Slot {
  entry: IdempotencyEntry;
  expiresAt: number;
  resolve?: () => void;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly slots = new Map<string, Slot>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(ttlMs, 60_000));
    this.sweeper.unref();
  }

  async begin(key: string, fingerprint: string): Promise<BeginResult> {
    const slot = this.live(key);
    if (!slot) {
      let resolve!: () => void;
      const settled = new Promise<void>((r) => (resolve = r));
      this.slots.set(key, { entry: { state: 'in_flight', fingerprint, settled }, expiresAt: this.now() + this.ttlMs, resolve });
      return { outcome: 'started' };
    }
    if (slot.entry.fingerprint !== fingerprint) return { outcome: 'mismatch' };
    switch (slot.entry.state) {
      case 'done':
        return { outcome: 'replay', response: slot.entry.response };
      case 'in_flight':
        return { outcome: 'in_flight', settled: slot.entry.settled };
      case 'unknown': {
        // This retry now owns the key while it resolves the unknown outcome.
        const { createNotBefore } = slot.entry;
        let resolve!: () => void;
        const settled = new Promise<void>((r) => (resolve = r));
        this.slots.set(key, { entry: { state: 'in_flight', fingerprint, settled }, expiresAt: slot.expiresAt, resolve });
        return createNotBefore === undefined ? { outcome: 'unknown' } : { outcome: 'unknown', createNotBefore };
      }
    }
  }

  async complete(key: string, response: StoredResponse): Promise<void> {
    this.settle(key, (fingerprint) => ({ state: 'done', fingerprint, response }));
  }

  async markUnknown(key: string, createNotBefore?: number): Promise<void> {
    this.settle(key, (fingerprint) => (createNotBefore === undefined ? { state: 'unknown', fingerprint } : { state: 'unknown', fingerprint, createNotBefore }));
  }

  async release(key: string): Promise<void> {
    const slot = this.slots.get(key);
    this.slots.delete(key);
    slot?.resolve?.();
  }

  /** One process holds its keys until it settles them: nothing can take one over. */
  async fence(_key: string): Promise<void> {}

  close(): void {
    clearInterval(this.sweeper);
  }

  private settle(key: string, next: (fingerprint: string) => IdempotencyEntry): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    this.slots.set(key, { entry: next(slot.entry.fingerprint), expiresAt: slot.expiresAt });
    slot.resolve?.();
  }

  private live(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot && slot.expiresAt <= this.now() && slot.entry.state !== 'in_flight') {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, slot] of this.slots) if (slot.expiresAt <= now && slot.entry.state !== 'in_flight') this.slots.delete(key);
  }
}
