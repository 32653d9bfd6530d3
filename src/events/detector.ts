import { createHash, randomUUID } from 'node:crypto';
import { PollLoop } from '../background.js';
import type { OdooClient } from '../odoo/types.js';
import {
  CHANGE_FEEDS,
  initialCursor,
  readChanges,
  readTouched,
  shiftSeconds,
  type ChangeFeed,
  type RecordChange,
  type TouchedRecords,
} from '../registry/changes.js';
import { decodeCursor, encodeCursor, type Cursor } from '../registry/cursor.js';
import type { EventType, EventsSettings } from '../config/events.js';
import type { ChangeEvent, EventStore } from './store.js';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const SUBJECT: Record<ChangeFeed, string> = { individual: 'individuals', group: 'groups', membership: 'memberships' };

/** The event for a change: its id is the same whenever the same version is read again. */
export function eventOf(change: RecordChange, detectedAt: number): ChangeEvent {
  const type = `${change.feed}.${change.kind}` as EventType;
  const id = createHash('sha256').update(`${type}|${change.id}|${change.writeDate}`).digest('base64url').slice(0, 32);
  return {
    id,
    type,
    subject: `${SUBJECT[change.feed]}/${change.id}`,
    recordId: change.id,
    time: `${change.writeDate.replace(' ', 'T')}Z`,
    detectedAt,
    data: change.data,
  };
}

/** Recent creations remembered per feed at most (the grace window holds far fewer in practice). */
const MAX_RECENT = 10_000;

/**
 * What the detector keeps per feed, saved with the events in one step: its cursor, and the
 * records created within the grace window it has read (id, create_date), so a creation that
 * shows up behind the cursor is still announced as registered, once.
 */
interface FeedPosition {
  cursor: Cursor;
  recent: Array<[number, string]>;
}

const encodePosition = (position: FeedPosition): string => JSON.stringify({ cursor: encodeCursor(position.cursor), recent: position.recent });

function decodePosition(saved: string, feed: ChangeFeed): FeedPosition {
  const expected = { order: 'updated_at' as const, filter: initialCursor(feed, 'now', 0).filter };
  // Positions saved before recent creations were kept are a bare cursor (base64url, never JSON).
  if (!saved.startsWith('{')) return { cursor: decodeCursor(saved, expected), recent: [] };
  const parsed = JSON.parse(saved) as { cursor: string; recent: Array<[number, string]> };
  return { cursor: decodeCursor(parsed.cursor, expected), recent: parsed.recent };
}

/**
 * Who is told, at every poll of the leading detector, which records changed since the previous
 * poll (registrants, memberships, and the IDs, phones and bank accounts that make up a
 * registrant without touching its write_date): the record cache.
 */
export interface ChangeFollower {
  touched(touched: TouchedRecords): Promise<void>;
  /**
   * Every change committed before this poll started has been passed to `touched`, good for
   * `validForMs`. `fresh` when a new epoch starts (nothing from before may be trusted); false
   * back when the follower cannot continue `epoch` (a new one is started at once).
   */
  watching(epoch: string, validForMs: number, fresh: boolean): Promise<boolean>;
}

/** Slack on top of settle + poll interval for the follower's heartbeat (the bound). */
const FOLLOW_SLACK_MS = 500;
/** Changes read per model and poll for the follower before it gives up and starts over (a new epoch empties every cache). */
const FOLLOW_LIMIT = 2_000;

export interface DetectorOptions {
  settings: EventsSettings;
  store: EventStore;
  /** The Odoo account changes are read as. */
  odoo: () => OdooClient;
  settleMs: number;
  log: Logger;
  onEvents?: (events: ChangeEvent[]) => void;
  onPoll?: (outcome: { ok: boolean; lagSeconds?: number }) => void;
  /** Also follow every record a representation is made of, for the record cache. */
  follow?: ChangeFollower;
  now?: () => number;
}

/**
 * Follows the registry's change feed and appends what changed to the event log. One gateway
 * at a time does this: the holder of the lease in the event store, renewed at every poll, so
 * when it dies another takes over within `leaseMs`. Events and the cursor after them are
 * written in one fenced step, so a detector that lost its lease writes nothing, and a restart
 * resumes from the last saved cursor: a page read but not saved is read again (same event
 * ids), nothing is skipped.
 */
export class ChangeDetector {
  private readonly holder = randomUUID();
  private token: string | undefined;
  private readonly loop = new PollLoop(
    () => this.poll(),
    () => this.options.settings.pollIntervalMs,
  );
  private readonly now: () => number;
  /** The follower's epoch and where its next read starts (ms), while this gateway leads. */
  private followed: { epoch: string; fromMs: number } | undefined;

  constructor(private readonly options: DetectorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether this gateway holds the lease (it then also runs the webhook queues). */
  get leading(): boolean {
    return this.token !== undefined;
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    if (this.token) await this.options.store.releaseLease(this.token);
    this.token = undefined;
  }

  /** One round: hold the lease, then read every feed until it has nothing more. */
  async poll(): Promise<void> {
    const { store, settings, log } = this.options;
    try {
      const token = await store.holdLease(this.holder, settings.leaseMs);
      if (token !== this.token)
        log.info({ events: { leading: token !== undefined } }, token ? 'change detector: this gateway now leads' : 'change detector: another gateway leads');
      if (token !== this.token) this.followed = undefined;
      this.token = token;
      if (!token) return;
      if (this.options.follow) await this.followChanges(this.options.follow);
      const deadline = this.now() + settings.leaseMs / 2;
      let oldest: number | undefined;
      for (const feed of CHANGE_FEEDS) {
        const lag = await this.drainFeed(feed, token, deadline);
        if (lag !== undefined) oldest = Math.max(oldest ?? 0, lag);
      }
      this.options.onPoll?.({ ok: true, ...(oldest !== undefined ? { lagSeconds: oldest } : {}) });
    } catch (err) {
      log.error({ err }, 'change detector: poll failed; retrying at the next one');
      this.options.onPoll?.({ ok: false });
    }
  }

  /**
   * The follower's pass: every record written since the previous pass started (less the settle
   * period and a second, so a transaction committing that late is still caught), then the
   * heartbeat. A failed pass leaves the window where it was and sends no heartbeat.
   */
  private async followChanges(follower: ChangeFollower): Promise<void> {
    const { settings, settleMs, log } = this.options;
    const startedAt = this.now();
    const started = performance.now();
    const windowStart = startedAt - settleMs - 1000;
    try {
      let fresh = this.followed === undefined;
      const fromMs = this.followed?.fromMs ?? windowStart;
      const touched = await readTouched(this.options.odoo(), new Date(fromMs).toISOString().slice(0, 19).replace('T', ' '), FOLLOW_LIMIT);
      if (touched.overflow) {
        log.warn({ events: { touched: touched.keys.length } }, 'change detector: too many changes to follow one by one; the record cache starts over');
        fresh = true;
      } else if (touched.keys.length > 0) await follower.touched(touched);
      let epoch = fresh ? randomUUID() : this.followed!.epoch;
      const validFor = () => settleMs + settings.pollIntervalMs + FOLLOW_SLACK_MS - (performance.now() - started);
      if (!(await follower.watching(epoch, validFor(), fresh))) {
        epoch = randomUUID();
        await follower.watching(epoch, validFor(), true);
      }
      this.followed = { epoch, fromMs: windowStart };
    } catch (err) {
      log.warn({ err }, 'change detector: following changes for the record cache failed; it answers from Odoo until the next pass');
    }
  }

  /** Reads one feed page by page; returns the lag (s) of the newest change seen, if any. */
  private async drainFeed(feed: ChangeFeed, token: string, deadline: number): Promise<number | undefined> {
    const { store, settings } = this.options;
    const saved = await store.getCursor(feed);
    const position = saved ? decodePosition(saved, feed) : { cursor: initialCursor(feed, settings.startFrom, this.now() - this.options.settleMs), recent: [] };
    const start = position.cursor;
    // A creation committed up to a settle period and a poll after its second is still caught as one.
    const graceSeconds = Math.ceil((this.options.settleMs + settings.pollIntervalMs) / 1000) + 1;
    const windowStart = start.order === 'updated_at' ? shiftSeconds(start.writeDate, -graceSeconds) : '';
    const recent = new Map(position.recent.filter(([, created]) => created >= windowStart));
    let cursor = start;
    let lag: number | undefined;
    for (;;) {
      const page = await readChanges(this.options.odoo(), feed, cursor, {
        limit: settings.pageSize,
        settleMs: this.options.settleMs,
        // A record created and changed again while pages are read (or the detector was down) is still new.
        newSince: start,
        recent: { graceSeconds, readIds: new Set(recent.keys()) },
        now: this.now,
      });
      const detectedAt = this.now();
      const events = page.changes.map((change) => eventOf(change, detectedAt));
      for (const change of page.changes) if (change.createDate >= windowStart) recent.set(change.id, change.createDate);
      const kept = [...recent].slice(-MAX_RECENT);
      if (events.length > 0 || !saved) {
        if (!(await store.append(token, feed, events, encodePosition({ cursor: page.cursor, recent: kept })))) {
          this.token = undefined;
          this.options.log.warn({ events: { feed } }, 'change detector: lease lost; this page is left to the new holder');
          return lag;
        }
      }
      if (events.length > 0) {
        this.options.onEvents?.(events);
        lag = (detectedAt - Date.parse(events.at(-1)!.time)) / 1000;
      }
      cursor = page.cursor;
      // A long backlog is read over several polls, renewing the lease in between.
      if (!page.more || this.now() > deadline) return lag;
    }
  }
}
