import { createHmac, randomBytes } from 'node:crypto';
import type { Deliverer } from '../outbound/delivery.js';
import type { EventReceiver } from './dispatcher.js';
import type { EventType } from '../config/events.js';
import type { ChangeEvent } from './store.js';
import { project, viewOfStored, type Resource, type StoredView } from '../registry/field-scope.js';
import type { ChangeFeed } from '../registry/changes.js';

/**
 * Webhook payloads and signatures. Payloads are CloudEvents 1.0 in structured JSON mode
 * (`application/cloudevents+json`). Signatures follow the Standard Webhooks convention
 * (https://www.standardwebhooks.com): headers `webhook-id` (the event id), `webhook-timestamp`
 * (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
 * A receiver recomputes the HMAC over the raw body, compares in constant time, and rejects
 * timestamps too far from its clock (replays) and ids it has seen (duplicates).
 */

export const CLOUDEVENT_TYPE_PREFIX = 'org.openg2p.registry.';
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

/** A webhook receiver, declared in YAML or created through the API. */
export interface WebhookSubscription {
  id: string;
  url: string;
  secret: string;
  types?: readonly EventType[];
  payload: 'full' | 'ids';
  /** Its creator's field scopes: a `full` payload is cut to them. */
  fieldView?: StoredView;
}

/**
 * Changed records of one feed as a view shows them (undefined: every field), keyed by id: one
 * Odoo call asking for the view's fields only (the registry's readChangedRecords).
 */
export type PayloadReader = (feed: ChangeFeed, ids: readonly number[], view: StoredView | undefined) => Promise<Map<number, Record<string, unknown>>>;

/**
 * The reader shared by the receivers of one dispatcher round: receivers that have caught up
 * are handed the same batch, so those holding the same view (or none) read it once between
 * them. One Odoo read per distinct view and kind of record in a batch.
 */
export function sharedPayloadReads(read: PayloadReader): PayloadReader {
  const reads = new Map<string, Promise<Map<number, Record<string, unknown>>>>();
  return (feed, ids, view) => {
    const key = `${viewOfStored(view)?.fingerprint ?? '*'}|${feed}|${[...ids].sort((a, b) => a - b).join(',')}`;
    let found = reads.get(key);
    if (!found) {
      found = read(feed, ids, view);
      reads.set(key, found);
      // A failed read is not kept: the batch is prepared again at the next round.
      found.catch(() => reads.delete(key));
    }
    return found;
  };
}

/**
 * A webhook as the dispatcher's receiver: the events of its types, as signed CloudEvents
 * (signed at each attempt). A `full` payload's records are read when the batch is queued, under
 * the creator's view, and queued with their events: what the creator may not see is never
 * read for it. `ids` payloads read nothing.
 */
export function webhookReceiver(
  subscription: WebhookSubscription,
  deliver: Deliverer,
  source: string,
  read: PayloadReader,
  now: () => number = Date.now,
): EventReceiver {
  const takes = (event: ChangeEvent) => !subscription.types || subscription.types.includes(event.type);
  return {
    id: subscription.id,
    prepare: async (events) => {
      if (subscription.payload === 'ids') return events.map((event) => (takes(event) ? {} : undefined));
      const wanted = new Map<ChangeFeed, Set<number>>();
      for (const event of events) {
        if (!takes(event) || carriesRecord(event)) continue;
        const feed = feedOf(event);
        wanted.set(feed, (wanted.get(feed) ?? new Set()).add(event.recordId));
      }
      const records = new Map(await Promise.all([...wanted].map(async ([feed, ids]) => [feed, await read(feed, [...ids], subscription.fieldView)] as const)));
      // A record deleted since its change is sent as its event names it (ids only).
      return events.map((event) =>
        !takes(event) ? undefined : carriesRecord(event) ? {} : { record: records.get(feedOf(event))?.get(event.recordId) ?? event.data },
      );
    },
    send: (event, prepared) => {
      const body = JSON.stringify(cloudEvent(event, source, subscription.payload, subscription.fieldView, prepared));
      return deliver(subscription.url, body, signedHeaders(subscription.secret, event.id, body, now()));
    },
  };
}

const feedOf = (event: ChangeEvent): ChangeFeed => event.type.split('.')[0] as ChangeFeed;

/**
 * An event from before payloads were read per view (still in the log, or an earlier dead
 * letter taken in on upgrade) carries its record as it was: sent as it was (cut to the view),
 * not read again.
 */
const carriesRecord = (event: ChangeEvent): boolean =>
  Object.entries(event.data ?? {}).some(
    ([key, value]) => !NAMING_KEYS.has(key) || (typeof value === 'object' && value !== null && Object.keys(value).some((inner) => inner !== 'id')),
  );
/** What an event names its record by now (readChangedRecords): its id; a membership's group and individual (ids) and whether it ended. */
const NAMING_KEYS = new Set(['id', 'group', 'individual', 'is_ended']);

/**
 * The CloudEvent of a change. A full payload is the record as the REST API shows it to `view`
 * (the webhook creator's scopes), as read when the event was queued (`prepared.record`); an
 * event queued before payloads were read per view carries its record whole, cut here.
 */
export function cloudEvent(event: ChangeEvent, source: string, payload: 'full' | 'ids', view?: StoredView, prepared?: Record<string, unknown>): CloudEvent {
  const record = prepared?.record as Record<string, unknown> | undefined;
  return {
    specversion: '1.0',
    id: event.id,
    source,
    type: `${CLOUDEVENT_TYPE_PREFIX}${event.type}`,
    subject: event.subject,
    time: event.time,
    datacontenttype: 'application/json',
    data: payload === 'full' ? (record ?? cutData(event, view)) : { id: event.recordId },
  };
}

/** An event's own record as the view shows it: `individual.updated` data is an individual, cut by the view's individual fields. */
function cutData(event: ChangeEvent, view: StoredView | undefined): Record<string, unknown> {
  const selection = view?.[feedOf(event) as Resource];
  return selection ? project(event.data, selection) : event.data;
}

/** The HMAC key: Standard Webhooks' `whsec_<base64>` decoded, any other secret as UTF-8. */
function keyOf(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
}

export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function signedHeaders(secret: string, id: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'content-type': CLOUDEVENTS_CONTENT_TYPE,
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': webhookSignature(secret, id, timestamp, body),
  };
}

/** A new secret for a webhook created through the API (shown once, in the creation's answer). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
