import { createHmac, randomBytes } from 'node:crypto';
import type { Deliverer } from '../outbound/delivery.js';
import type { EventReceiver } from './dispatcher.js';
import type { EventType } from '../config/events.js';
import type { ChangeEvent } from './store.js';
import { project, type Resource, type StoredView } from '../registry/field-scope.js';

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

/** A webhook as the dispatcher's receiver: the events of its types, as signed CloudEvents (signed at each attempt). */
export function webhookReceiver(subscription: WebhookSubscription, deliver: Deliverer, source: string, now: () => number = Date.now): EventReceiver {
  return {
    id: subscription.id,
    prepare: async (events) => events.map((event) => (!subscription.types || subscription.types.includes(event.type) ? {} : undefined)),
    send: (event) => {
      const body = JSON.stringify(cloudEvent(event, source, subscription.payload, subscription.fieldView));
      return deliver(subscription.url, body, signedHeaders(subscription.secret, event.id, body, now()));
    },
  };
}

/** The CloudEvent of a change; a full payload is the record as the REST API shows it, cut to `view` (the webhook creator's scopes). */
export function cloudEvent(event: ChangeEvent, source: string, payload: 'full' | 'ids', view?: StoredView): CloudEvent {
  return {
    specversion: '1.0',
    id: event.id,
    source,
    type: `${CLOUDEVENT_TYPE_PREFIX}${event.type}`,
    subject: event.subject,
    time: event.time,
    datacontenttype: 'application/json',
    data: payload === 'full' ? cutData(event, view) : { id: event.recordId },
  };
}

/** The event's record as the view shows it: `individual.updated` data is an individual, cut by the view's individual fields. */
function cutData(event: ChangeEvent, view: StoredView | undefined): Record<string, unknown> {
  const selection = view?.[event.type.split('.')[0] as Resource];
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
