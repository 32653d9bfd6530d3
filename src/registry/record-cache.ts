import { LRUCache } from 'lru-cache';

/**
 * The opt-in record cache (`cache.*`): single-record reads of individuals, groups and
 * memberships, kept per Odoo account (its record rules decide what it sees), in the gateway's
 * representation; role and field rules are applied after it, as on any answer.
 *
 * Freshness is not guessed from a TTL alone. Every entry names the records its representation
 * is made of (invalidation keys: `partner:<id>`, `membership:<id>`), and carries the
 * invalidation sequence number taken BEFORE its Odoo read started, and the epoch of the change
 * follower (the change detector) that vouched for that moment. An entry answers only if none of
 * its keys was invalidated after that number (a write committed after the read started, or one
 * the read could have missed), the follower's epoch is unchanged (it never lost its position)
 * and its heartbeat is current. The ledger holding these numbers is shared by every replica
 * (Redis) or this process's memory: see docs/cache.md for the bound this gives.
 */

/** Invalidation key of a registrant (individual or group: both are Odoo partners). */
export const partnerKey = (id: number): string => `partner:${id}`;
/** Invalidation key of a membership. */
export const membershipKey = (id: number): string => `membership:${id}`;

/**
 * What a write to one record of `model` invalidates at once. A child record (an ID, a phone)
 * does not name its registrant here: the change detector maps it within its bound.
 */
export function touchedBy(model: string, id: number): string[] {
  if (model === 'res.partner') return [partnerKey(id)];
  if (model === 'g2p.group.membership') return [membershipKey(id)];
  return [];
}

export interface CacheLedger {
  /** Whether it is shared by every replica (Redis). */
  readonly shared: boolean;
  /**
   * Taken before a read from Odoo: the current invalidation sequence and the change follower's
   * epoch, undefined while it vouches for nothing (no heartbeat: nothing may be stored).
   */
  snapshot(): Promise<{ seq: number; epoch: string | undefined }>;
  /** For a hit: no key invalidated after `seq`, and the follower's current, live epoch is `epoch`. */
  isCurrent(keys: readonly string[], seq: number, epoch: string): Promise<boolean>;
  /** Marks the keys changed, for every replica. */
  invalidate(keys: readonly string[]): Promise<void>;
  /**
   * The follower's heartbeat: every change committed before it started its pass is invalidated;
   * valid `validForMs`. `fresh` starts the epoch; continuing one the ledger no longer holds (it
   * lost its data) answers false: the follower must start a new epoch.
   */
  watching(epoch: string, validForMs: number, fresh: boolean): Promise<boolean>;
}

/** A record and its version (registry.ts's Versioned, restated here so the two modules do not import each other). */
interface Versioned<T> {
  value: T;
  version: string;
}

export type CacheStatus =
  /** Answered from the cache. */
  | { kind: 'hit'; ageMs: number; ttlMs: number }
  /** Read from Odoo: `fwd` as RFC 9211 names why; `stored` when the answer was kept. */
  | { kind: 'forward'; fwd: 'uri-miss' | 'stale' | 'request' | 'bypass'; stored: boolean };

export interface CachedRead<T> extends Versioned<T> {
  /** Undefined when the cache is off. */
  cache?: CacheStatus;
}

export interface CacheSettings {
  enabled: boolean;
  /** Memory the entries may take (their JSON size), least recently used evicted first. */
  maxBytes: number;
  /** No entry answers after this long, whatever else holds. */
  maxAgeMs: number;
}

export interface CacheMetrics {
  /** One cached read: a hit, or why it went to Odoo. */
  lookup(result: 'hit' | 'uri-miss' | 'stale' | 'request' | 'bypass'): void;
  evicted(): void;
  invalidated(source: 'write' | 'detector', keys: number): void;
  /** Age of an answer served from the cache (s). */
  servedAge(seconds: number): void;
}

interface Entry {
  versioned: Versioned<unknown>;
  keys: readonly string[];
  seq: number;
  epoch: string;
  storedAt: number;
}

/** Where an entry is kept: per account, kind and record (a membership's group is part of its address). */
const entryKey = (account: string, kind: string, id: string): string => `${kind}:${id}\u0000${account}`;

export class RecordCache {
  private readonly entries: LRUCache<string, Entry> | undefined;
  /** Entry addresses per invalidation key, so a local invalidation frees their memory at once. */
  private readonly byKey = new Map<string, Set<string>>();

  constructor(
    private readonly settings: CacheSettings,
    private readonly ledger: CacheLedger | undefined,
    private readonly metrics?: CacheMetrics,
    private readonly now: () => number = Date.now,
    private readonly onLedgerError?: (err: unknown) => void,
  ) {
    if (!settings.enabled || !ledger) return;
    this.entries = new LRUCache<string, Entry>({
      maxSize: settings.maxBytes,
      sizeCalculation: (entry) => Math.max(1, Buffer.byteLength(JSON.stringify(entry.versioned.value)) + 64 * entry.keys.length),
      ttl: settings.maxAgeMs,
      dispose: (entry, address, reason) => {
        for (const key of entry.keys) {
          const addresses = this.byKey.get(key);
          addresses?.delete(address);
          if (addresses?.size === 0) this.byKey.delete(key);
        }
        if (reason === 'evict') this.metrics?.evicted();
      },
    });
  }

  get enabled(): boolean {
    return this.entries !== undefined;
  }

  /** Entries and their bytes now (for the gauges). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries?.size ?? 0, bytes: this.entries?.calculatedSize ?? 0 };
  }

  /**
   * The record from the cache when it is current, else from `load` (kept for the next reader).
   * `refresh` (a caller's `Cache-Control: no-cache`) always reads Odoo. `keysOf` names the
   * records the representation is made of (itself first).
   */
  async read<T>(
    account: string,
    kind: string,
    id: string,
    refresh: boolean,
    /**
     * The Odoo read. `shareInFlight` is false on a miss: joining an identical read already in flight
     * could answer (and store as current) a version from before another replica's write.
     */
    load: (shareInFlight: boolean) => Promise<Versioned<T>>,
    keysOf: (value: T) => string[],
  ): Promise<CachedRead<T>> {
    const entries = this.entries;
    const ledger = this.ledger;
    if (!entries || !ledger) return load(true);
    const address = entryKey(account, kind, id);
    let fwd: 'uri-miss' | 'stale' | 'request' | 'bypass' = refresh ? 'request' : 'uri-miss';
    if (!refresh) {
      const entry = entries.get(address);
      if (entry) {
        if (await this.answers(ledger, entry)) {
          const ageMs = Math.max(0, this.now() - entry.storedAt);
          this.metrics?.lookup('hit');
          this.metrics?.servedAge(ageMs / 1000);
          return { ...(entry.versioned as Versioned<T>), cache: { kind: 'hit', ageMs, ttlMs: Math.max(0, this.settings.maxAgeMs - ageMs) } };
        }
        entries.delete(address);
        fwd = 'stale';
      }
    }
    const before = await ledger.snapshot().catch(() => ({ seq: 0, epoch: undefined }));
    if (before.epoch === undefined && fwd !== 'request') fwd = 'bypass';
    this.metrics?.lookup(fwd);
    const versioned = await load(false);
    let stored = false;
    if (before.epoch !== undefined) {
      const keys = keysOf(versioned.value);
      entries.set(address, { versioned, keys, seq: before.seq, epoch: before.epoch, storedAt: this.now() });
      stored = entries.has(address);
      if (stored) for (const key of keys) this.byKey.set(key, (this.byKey.get(key) ?? new Set()).add(address));
    }
    return { ...versioned, cache: { kind: 'forward', fwd, stored } };
  }

  /** The gateway's own write (or the change detector's finding): these records changed, on every replica. */
  async invalidate(keys: readonly string[], source: 'write' | 'detector'): Promise<void> {
    if (!this.entries || !this.ledger || keys.length === 0) return;
    this.forgetLocally(keys);
    this.metrics?.invalidated(source, keys.length);
    try {
      await this.ledger.invalidate(keys);
    } catch (err) {
      // The detector's pass must fail (it then reads the same window again and sends no heartbeat).
      if (source === 'detector') throw err;
      // A write is done in Odoo and is answered. Without the shared ledger no replica can answer
      // a hit either (each hit asks it), and the detector's next pass stamps the change again
      // before it renews its heartbeat.
      this.onLedgerError?.(err);
    }
  }

  /** Local entries of these keys go (their memory is freed; the ledger is what makes other replicas miss). */
  forgetLocally(keys: readonly string[]): void {
    for (const key of keys) for (const address of [...(this.byKey.get(key) ?? [])]) this.entries?.delete(address);
  }

  /** Everything goes (the change detector lost its position: nothing cached can be vouched for). */
  clear(): void {
    this.entries?.clear();
  }

  private async answers(ledger: CacheLedger, entry: Entry): Promise<boolean> {
    if (this.now() - entry.storedAt > this.settings.maxAgeMs) return false;
    try {
      return await ledger.isCurrent(entry.keys, entry.seq, entry.epoch);
    } catch {
      // The shared ledger cannot be asked: Odoo is.
      return false;
    }
  }
}

/**
 * The ledger in this process's memory (one replica, or tests): invalidation sequence numbers
 * per key, kept as long as an entry could still be older than them (twice the maximum age).
 */
export class MemoryCacheLedger implements CacheLedger {
  readonly shared = false;
  private seq = 0;
  private readonly invalidated: LRUCache<string, number>;
  private epoch: string | undefined;
  private watchedUntil = 0;

  constructor(
    maxAgeMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.invalidated = new LRUCache<string, number>({ ttl: maxAgeMs * 2, ttlAutopurge: true });
  }

  async snapshot(): Promise<{ seq: number; epoch: string | undefined }> {
    return { seq: this.seq, epoch: this.liveEpoch() };
  }

  async isCurrent(keys: readonly string[], seq: number, epoch: string): Promise<boolean> {
    if (this.liveEpoch() !== epoch) return false;
    return keys.every((key) => (this.invalidated.get(key) ?? 0) <= seq);
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    const seq = ++this.seq;
    for (const key of keys) this.invalidated.set(key, seq);
  }

  async watching(epoch: string, validForMs: number, fresh: boolean): Promise<boolean> {
    if (!fresh && this.epoch !== epoch) return false;
    this.epoch = epoch;
    this.watchedUntil = this.clock() + validForMs;
    return true;
  }

  private liveEpoch(): string | undefined {
    return this.clock() <= this.watchedUntil ? this.epoch : undefined;
  }
}
