import type { StoredView } from '../registry/field-scope.js';
import { MemoryRecordHash, type RecordHash } from '../state/record-hash.js';
import type { EventType } from '../config/events.js';

/**
 * One registry change as subscribers receive it. `id` is derived from the record and the
 * version read (feed, record id, write_date, kind), so the same change detected twice (a
 * restart between reading Odoo and saving the cursor, a lease taken over) carries the same id
 * and receivers de-duplicate on it.
 */
export interface ChangeEvent {
  id: string;
  type: EventType;
  /** `individuals/12`, `groups/7`, `memberships/31`. */
  subject: string;
  recordId: number;
  /** When Odoo recorded the change (ISO 8601, second precision). */
  time: string;
  /** When the detector saw it (ms since epoch): lag metrics. */
  detectedAt: number;
  data: Record<string, unknown>;
}

/** A webhook created through the API (YAML ones live in the configuration). */
export interface StoredWebhook {
  id: string;
  url: string;
  secret: string;
  types?: EventType[];
  payload: 'full' | 'ids';
  createdAt: string;
  /** Its creator's field scopes when it was created: `full` payloads carry only what they show (absent: every field). */
  fieldView?: StoredView;
  /** Who created it through the API (ownerOf): only they, and administrators, see and manage it. Absent on webhooks made before owners were kept: administrators only. */
  owner?: string;
}

export interface LogEntry {
  /** Position in the event log; compare with `compareSeq`. */
  seq: string;
  event: ChangeEvent;
}

/**
 * What the change detector and the dispatcher keep: the detector's lease and cursors, the
 * event log with each receiver's position in it, and webhooks created through the API (queued
 * deliveries and dead letters are the outbound engine's). In memory for one process; in Redis (durable, shared by replicas) when
 * `redis.url` is set.
 */
export interface EventStore {
  readonly durable: boolean;
  /**
   * Takes or renews the detector lease for `holder`. Returns a fencing token while `holder`
   * holds it (a new one each time it is taken afresh), or undefined when another holds it.
   */
  holdLease(holder: string, ttlMs: number): Promise<string | undefined>;
  releaseLease(token: string): Promise<void>;
  getCursor(feed: string): Promise<string | undefined>;
  /**
   * Appends events to the log and moves the feed's cursor, in one step and only while `token`
   * is the current lease: a detector that lost its lease writes nothing.
   */
  append(token: string, feed: string, events: ChangeEvent[], cursor: string): Promise<boolean>;
  /** Log entries after `after` (from the oldest kept when undefined), oldest first. */
  read(after: string | undefined, limit: number): Promise<LogEntry[]>;
  /** The newest entry's position (where a new subscription starts), or undefined when the log is empty. */
  head(): Promise<string | undefined>;
  /** The oldest entry kept: a subscription behind it has lost events to the log's cap. */
  tail(): Promise<string | undefined>;
  getOffset(subscription: string): Promise<string | undefined>;
  setOffset(subscription: string, seq: string): Promise<void>;
  deleteOffset(subscription: string): Promise<void>;
  /** Webhooks created through the API, by id. */
  readonly webhooks: RecordHash<StoredWebhook>;
}

/** Orders log positions: numbers in memory, `ms-n` stream ids in Redis. */
export function compareSeq(a: string, b: string): number {
  const [am, an] = a.split('-').map(Number) as [number, number | undefined];
  const [bm, bn] = b.split('-').map(Number) as [number, number | undefined];
  return am !== bm ? am - bm : (an ?? 0) - (bn ?? 0);
}

/** This process's memory: nothing survives a restart (the gateway warns at start-up). */
export class MemoryEventStore implements EventStore {
  readonly durable = false;
  private lease: { token: string; holder: string; until: number } | undefined;
  private fence = 0;
  private readonly cursors = new Map<string, string>();
  private log: LogEntry[] = [];
  private nextSeq = 1;
  private readonly offsets = new Map<string, string>();
  readonly webhooks = new MemoryRecordHash<StoredWebhook>();

  constructor(
    private readonly maxLogEvents: number,
    private readonly now: () => number = Date.now,
  ) {}

  async holdLease(holder: string, ttlMs: number): Promise<string | undefined> {
    const now = this.now();
    if (this.lease && this.lease.until > now && this.lease.holder !== holder) return undefined;
    if (!this.lease || this.lease.holder !== holder || this.lease.until <= now) this.lease = { token: `${++this.fence}:${holder}`, holder, until: 0 };
    this.lease.until = now + ttlMs;
    return this.lease.token;
  }

  async releaseLease(token: string): Promise<void> {
    if (this.lease?.token === token) this.lease = undefined;
  }

  async getCursor(feed: string): Promise<string | undefined> {
    return this.cursors.get(feed);
  }

  async append(token: string, feed: string, events: ChangeEvent[], cursor: string): Promise<boolean> {
    if (this.lease?.token !== token || this.lease.until <= this.now()) return false;
    for (const event of events) this.log.push({ seq: String(this.nextSeq++), event: structuredClone(event) });
    if (this.log.length > this.maxLogEvents) this.log = this.log.slice(this.log.length - this.maxLogEvents);
    this.cursors.set(feed, cursor);
    return true;
  }

  async read(after: string | undefined, limit: number): Promise<LogEntry[]> {
    const start = after === undefined ? 0 : this.log.findIndex((entry) => compareSeq(entry.seq, after) > 0);
    if (start < 0) return [];
    return structuredClone(this.log.slice(start, start + limit));
  }

  async head(): Promise<string | undefined> {
    return this.log.at(-1)?.seq ?? (this.nextSeq > 1 ? String(this.nextSeq - 1) : undefined);
  }

  async tail(): Promise<string | undefined> {
    return this.log[0]?.seq;
  }

  async getOffset(subscription: string): Promise<string | undefined> {
    return this.offsets.get(subscription);
  }

  async setOffset(subscription: string, seq: string): Promise<void> {
    this.offsets.set(subscription, seq);
  }

  async deleteOffset(subscription: string): Promise<void> {
    this.offsets.delete(subscription);
  }
}
