import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EventReceiver, Prepared } from '../events/dispatcher.js';
import type { ChangeEvent } from '../events/store.js';
import type { OdooClient, OdooDomain, OdooRecord } from '../odoo/types.js';
import type { DciAsyncService } from './async.js';
import type { Entity } from './attributes.js';
import type { FieldView } from '../registry/field-scope.js';
import { storedView, viewOfStored } from '../registry/field-scope.js';
import type { Deliverer } from '../outbound/delivery.js';
import { envelopeOf, requestItemSchema, type Ack } from './envelope.js';
import { isItemTimestamp, itemRejection, type DciMessages } from './messages.js';
import { isPlainObject } from './query.js';
import type { DciQueryRunner } from './query-runner.js';
import { SearchRejection } from './rejection.js';
import { dciAuditLine, dciDisclosure, type DciRequester } from './disclosure.js';
import type { DciSettings } from '../config/dci.js';
import { DCI_EVENT_TYPES, subscriptionInfo, type DciEventType, type DciSubscription, type DciSubscriptionStore } from './subscription-store.js';
import type { DciTransaction, DciTransactionStore } from './transactions.js';

/** SubscribeRequest; items stay `unknown` so one bad item is rejected on its own. */
export const subscribeEnvelopeSchema = envelopeOf(
  z.object({
    transaction_id: z.string().max(99),
    subscribe_request: z.array(z.unknown()).min(1),
  }),
);

/** UnSubscribeRequest (the standard's `timestamp`; its schema's misspelt member names are not required). */
export const unsubscribeEnvelopeSchema = envelopeOf(
  z.object({
    transaction_id: z.string().max(99),
    timestamp: z.string().optional(),
    subscription_codes: z.array(z.string().min(1).max(99)).min(1).max(1000),
  }),
);

const subscribeItemSchema = requestItemSchema.extend({
  subscribe_criteria: z.object({
    version: z.string().optional(),
    reg_type: z.string().optional(),
    reg_event_type: z.string(),
    frequency: z.unknown().optional(),
    filter_type: z.string(),
    filter: z.unknown(),
    notify_record_type: z.string(),
    authorize: z.unknown().optional(),
  }),
});

/**
 * Which change events each DCI event type covers, for the record type notified:
 * `registered`, `updated`, `archived` are the registrant's own (individual.* for Member,
 * group.* for Group); `membership_changed` is a membership added, changed or ended, notified
 * as the group (Group) or the individual (Member) it belongs to.
 */
const CHANGE_TYPES: Record<DciEventType, readonly ChangeEvent['type'][]> = {
  registered: ['individual.registered', 'group.registered'],
  updated: ['individual.updated', 'group.updated'],
  archived: ['individual.archived', 'group.archived'],
  membership_changed: ['membership.added', 'membership.updated', 'membership.ended'],
};

/** The registrant a change event is about, as the subscription's record type sees it (none: not for this type). */
function registrantOf(event: ChangeEvent, entity: Entity): number | undefined {
  if (event.type.startsWith('individual.')) return entity === 'Member' ? event.recordId : undefined;
  if (event.type.startsWith('group.')) return entity === 'Group' ? event.recordId : undefined;
  const side = event.data[entity === 'Group' ? 'group' : 'individual'];
  return isPlainObject(side) && typeof side.id === 'number' ? side.id : undefined;
}

type SubscribeReason =
  | 'rjct.reference_id.invalid'
  | 'rjct.reference_id.duplicate'
  | 'rjct.timestamp.invalid'
  | 'rjct.notify_types.invalid'
  | 'rjct.notify_details.invalid'
  | 'rjct.event.already_subscribed';
type UnsubscribeReason = 'rjct.subscription_code.invalid' | 'rjct.requester.invalid';

class SubscribeRejection extends Error {
  constructor(
    readonly code: SubscribeReason,
    message: string,
  ) {
    super(message);
  }
}

export interface DciSubscriptionOptions {
  settings: DciSettings;
  messages: DciMessages;
  runner: DciQueryRunner;
  /** Callbacks (on-subscribe, on-unsubscribe) go through its delivery queue, like async search answers. */
  callbacks: DciAsyncService;
  store: DciSubscriptionStore;
  /** Where each subscribe / unsubscribe message's answer is kept for TxnStatusRequests (the async searches' store). */
  transactions: DciTransactionStore;
  /** The Odoo account filters are checked and records read as. */
  odoo: () => OdooClient;
  /** Posts notify messages (the events dispatcher retries them). */
  deliver: Deliverer;
  /** The dispatcher's queue for a new subscription starts after the newest event; a removed one's queue goes. */
  queues: { startAtHead(id: string): Promise<void>; forget(id: string): Promise<void>; wake(): void };
  /** Where the audit line of each delivered notify goes (the gateway's log). */
  log: { info(obj: object, msg: string): void };
  now?: () => number;
}

/**
 * DCI subscriptions: `/registry/subscribe` and `/registry/unsubscribe` acknowledged at once,
 * answered on the sender's `on-subscribe` / `on-unsubscribe` callbacks; each subscription a
 * receiver of the events dispatcher, so its notifications ride its own ordered queue (retries,
 * backoff, at-least-once). A subscription's filter is the DCI search's query language, parsed
 * and compiled by the search's own code; which changed records pass it is asked of Odoo, one
 * call per batch of events: the records' current versions, filtered by the compiled domain.
 */
export class DciSubscriptionService {
  private readonly now: () => number;

  constructor(private readonly options: DciSubscriptionOptions) {
    this.now = options.now ?? Date.now;
  }

  /** `POST /registry/subscribe`; `view`: the subscriber's field scopes, kept with each subscription it makes. */
  async subscribe(body: unknown, expectedSender?: string, view?: FieldView, requester?: DciRequester): Promise<Ack> {
    const { messages, callbacks } = this.options;
    const { header, message, callbackUrl, correlationId } = await this.admit(body, subscribeEnvelopeSchema, 'subscribe', expectedSender);
    const notifyUrl = messages.senderCallbackUrl(header.sender_id, undefined, 'notify');
    const held = (await this.options.store.list()).filter((s) => s.senderId === header.sender_id);
    const seen = new Set<string>();
    const answers = [];
    for (const raw of message.subscribe_request) {
      const referenceId = isPlainObject(raw) && typeof raw.reference_id === 'string' ? raw.reference_id : '';
      const timestamp = new Date(this.now()).toISOString();
      try {
        if (referenceId !== '' && seen.has(referenceId))
          throw new SubscribeRejection('rjct.reference_id.duplicate', `reference_id ${referenceId} appears more than once in this message.`);
        seen.add(referenceId);
        const given = { senderId: header.sender_id, transactionId: message.transaction_id, notifyUrl, ...(requester ? { requester } : {}) };
        const subscription = await this.accepted(raw, given, held, view);
        // The queue starts before the subscription is listed: no event between the two is missed.
        await this.options.queues.startAtHead(receiverId(subscription.code));
        await this.options.store.put(subscription.code, subscription);
        held.push(subscription);
        answers.push({ reference_id: referenceId, timestamp, status: 'succ' as const, subscriptions: [subscriptionInfo(subscription)] });
      } catch (err) {
        if (!(err instanceof SubscribeRejection)) throw err;
        answers.push({
          reference_id: referenceId,
          timestamp,
          status: 'rjct' as const,
          status_reason_code: err.code,
          status_reason_message: err.message.slice(0, 999),
        });
      }
    }
    this.options.queues.wake();
    const succeeded = answers.filter((answer) => answer.status === 'succ').length;
    const status = succeeded > 0 ? 'succ' : 'rjct';
    const answer = { transaction_id: message.transaction_id, correlation_id: correlationId, subscribe_response: answers };
    // Kept for lookups by reference_id (the answer itself holds the reasons).
    const items = answers.map(({ reference_id, timestamp, status }) => ({ reference_id, timestamp, status }));
    await this.record('subscribe', header, message.transaction_id, correlationId, { status, items, answer, callbackUrl });
    await callbacks.deliverLater(
      callbackUrl,
      { header: messages.responseHeader(header, 'on-subscribe', { status, total_count: answers.length, completed_count: answers.length }), message: answer },
      correlationId,
    );
    return messages.ack('ACK', correlationId);
  }

  /** `POST /registry/unsubscribe`: a sender removes its own subscriptions; unknown codes and others' are refused. */
  async unsubscribe(body: unknown, expectedSender?: string): Promise<Ack> {
    const { messages, callbacks, store } = this.options;
    const { header, message, callbackUrl, correlationId } = await this.admit(body, unsubscribeEnvelopeSchema, 'unsubscribe', expectedSender);
    const removed: string[] = [];
    const refused: Array<{ code: string; reason: UnsubscribeReason }> = [];
    for (const code of new Set(message.subscription_codes)) {
      const subscription = await store.get(code);
      if (!subscription) refused.push({ code, reason: 'rjct.subscription_code.invalid' });
      else if (subscription.senderId !== header.sender_id) refused.push({ code, reason: 'rjct.requester.invalid' });
      else if (await this.cancel(code)) removed.push(code);
      else refused.push({ code, reason: 'rjct.subscription_code.invalid' });
    }
    const first = refused[0];
    const status = first ? 'rjct' : 'succ';
    const answer = {
      transaction_id: message.transaction_id,
      correlation_id: correlationId,
      timestamp: new Date(this.now()).toISOString(),
      status,
      ...(first
        ? {
            status_reason_code: first.reason,
            status_reason_message: refused
              .map((r) => `${r.code}: ${r.reason === 'rjct.requester.invalid' ? 'held by another sender' : 'no such subscription'}`)
              .join('; ')
              .slice(0, 999),
          }
        : {}),
      subscription_status: removed.map((code) => ({ code, status: 'unsubscribe' as const })),
    };
    await this.record('unsubscribe', header, message.transaction_id, correlationId, { status, items: [], answer, callbackUrl });
    await callbacks.deliverLater(
      callbackUrl,
      {
        header: messages.responseHeader(header, 'on-unsubscribe', {
          status,
          total_count: removed.length + refused.length,
          completed_count: removed.length + refused.length,
        }),
        message: answer,
      },
      correlationId,
    );
    return messages.ack('ACK', correlationId);
  }

  /** Every sender's subscriptions, oldest first (what administrators see). */
  async list(): Promise<DciSubscription[]> {
    return (await this.options.store.list()).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.code.localeCompare(b.code));
  }

  /**
   * Ends one subscription, whoever holds it: it is removed with its notification queue, so no
   * notify follows. A sender's unsubscribe comes here after its ownership check; an
   * administrator's cancellation directly. The subscription removed, or undefined when none has that code.
   */
  async cancel(code: string): Promise<DciSubscription | undefined> {
    const subscription = await this.options.store.get(code);
    if (!subscription || !(await this.options.store.delete(code))) return undefined;
    await this.options.queues.forget(receiverId(code));
    return subscription;
  }

  /**
   * Keeps the message's answer in the DCI transaction store (retention, sender scoping and
   * delivery tracking of async searches), where a TxnStatusRequest finds it.
   */
  private async record(
    kind: 'subscribe' | 'unsubscribe',
    header: { sender_id: string; message_id: string },
    transactionId: string,
    correlationId: string,
    outcome: Pick<DciTransaction, 'status' | 'items' | 'answer' | 'callbackUrl'>,
  ): Promise<void> {
    const at = new Date(this.now()).toISOString();
    await this.options.transactions.putTransaction({
      correlationId,
      kind,
      senderId: header.sender_id,
      transactionId,
      messageId: header.message_id,
      receivedAt: at,
      updatedAt: at,
      ...outcome,
      delivery: { state: 'pending', attempts: 0 },
    });
  }

  /** The checks of every async message (DciAsyncService.admit); a correlation id for the answer. */
  private async admit<S extends typeof subscribeEnvelopeSchema | typeof unsubscribeEnvelopeSchema>(
    body: unknown,
    schema: S,
    action: 'subscribe' | 'unsubscribe',
    expectedSender?: string,
  ) {
    const admitted = await this.options.callbacks.admit(body, schema, action, expectedSender);
    const envelope = admitted.envelope as z.output<S>;
    return { header: envelope.header, message: envelope.message as z.output<S>['message'], callbackUrl: admitted.callbackUrl, correlationId: randomUUID() };
  }

  /** Every subscription as a receiver of the events dispatcher. */
  async receivers(): Promise<EventReceiver[]> {
    return (await this.options.store.list()).map((subscription) => ({
      id: receiverId(subscription.code),
      prepare: (events) => this.prepare(subscription, events),
      send: (event, record) => this.notify(subscription, event, record as OdooRecord),
    }));
  }

  /** Checks one subscribe item; the subscription it makes, or a SubscribeRejection. */
  private async accepted(
    raw: unknown,
    given: Pick<DciSubscription, 'senderId' | 'transactionId' | 'notifyUrl' | 'requester'>,
    held: DciSubscription[],
    view?: FieldView,
  ): Promise<DciSubscription> {
    const parsed = subscribeItemSchema.safeParse(raw);
    if (!parsed.success) {
      const { code, message } = itemRejection(parsed.error, 'subscribe_request', (issue) =>
        issue?.path[1] === 'reg_event_type' ? 'rjct.notify_types.invalid' : 'rjct.notify_details.invalid',
      );
      throw new SubscribeRejection(code, message);
    }
    const item = parsed.data;
    if (!isItemTimestamp(item.timestamp)) throw new SubscribeRejection('rjct.timestamp.invalid', 'timestamp must be an ISO 8601 date-time.');
    const criteria = item.subscribe_criteria;
    const eventType = DCI_EVENT_TYPES.find((type) => type === criteria.reg_event_type);
    if (!eventType)
      throw new SubscribeRejection(
        'rjct.notify_types.invalid',
        `reg_event_type "${criteria.reg_event_type}" is not known to this registry (${DCI_EVENT_TYPES.join(', ')}).`,
      );
    if (criteria.frequency !== undefined)
      throw new SubscribeRejection(
        'rjct.notify_details.invalid',
        'frequency: this registry notifies each change as it happens; scheduled notification is not offered.',
      );
    let entity: Entity;
    try {
      // Compiled once now (identifier values are looked up in Odoo), so a filter that cannot run is refused here, not at the first change.
      entity = (await this.options.runner.compile(filterCriteria(criteria), this.options.odoo(), undefined, view)).search.entity;
    } catch (err) {
      if (err instanceof SearchRejection) throw new SubscribeRejection('rjct.notify_details.invalid', `filter: ${err.message}`);
      throw err;
    }
    const stored = {
      reg_event_type: criteria.reg_event_type,
      filter_type: criteria.filter_type,
      filter: criteria.filter,
      notify_record_type: criteria.notify_record_type,
      ...(criteria.reg_type ? { reg_type: criteria.reg_type } : {}),
    };
    const same = held.find(
      (s) =>
        s.eventType === eventType &&
        s.entity === entity &&
        JSON.stringify([s.criteria.filter_type, s.criteria.filter]) === JSON.stringify([stored.filter_type, stored.filter]),
    );
    if (same) throw new SubscribeRejection('rjct.event.already_subscribed', `This sender already holds subscription ${same.code} with these criteria.`);
    if (held.length >= this.options.settings.subscriptions.maxPerSender) {
      throw new SubscribeRejection(
        'rjct.notify_details.invalid',
        `A sender may hold at most ${this.options.settings.subscriptions.maxPerSender} subscriptions; unsubscribe from one first.`,
      );
    }
    return {
      code: randomUUID(),
      ...given,
      referenceId: item.reference_id,
      eventType,
      entity,
      criteria: stored,
      createdAt: new Date(this.now()).toISOString(),
      ...(view ? { fieldView: storedView(view) } : {}),
    };
  }

  /**
   * The batch's events of this subscription's types whose registrant passes its filter now:
   * one Odoo call for the batch (plus one per identifier condition of the filter), which
   * also reads the records notified. Archived registrants are included (an `archived` event
   * is about one); a record changed since the event is notified as it is now.
   */
  private async prepare(subscription: DciSubscription, events: ChangeEvent[]): Promise<Array<Prepared | undefined>> {
    const types = CHANGE_TYPES[subscription.eventType];
    const targets = events.map((event) => (types.includes(event.type) ? registrantOf(event, subscription.entity) : undefined));
    const ids = [...new Set(targets.filter((id): id is number => id !== undefined))];
    if (ids.length === 0) return targets.map(() => undefined);
    const client = this.options.odoo();
    const view = viewOfStored(subscription.fieldView);
    let filter: OdooDomain;
    try {
      filter = (await this.options.runner.compile(filterCriteria(subscription.criteria), client, undefined, view)).domain;
    } catch (err) {
      // Accepted when made, refused now: the configuration changed (an attribute or ID type
      // removed). Nothing passes such a filter; retrying the batch would stall the queue forever.
      if (err instanceof SearchRejection) return targets.map(() => undefined);
      throw err;
    }
    const domain: OdooDomain = [['id', 'in', ids], ['active', 'in', [true, false]], ...filter];
    const { records } = await this.options.runner.fetch(client, subscription.entity, domain, { offset: 0, limit: ids.length, order: 'id' }, view);
    const byId = new Map(records.map((record) => [record.id as number, record]));
    // The record as read now is queued with its event: the notification is built from it at each attempt.
    return targets.map((target) => byId.get(target ?? 0));
  }

  /** One signed notify message (signed at each attempt) to the subscriber's callback. */
  private async notify(subscription: DciSubscription, event: ChangeEvent, record: OdooRecord) {
    const { messages, runner } = this.options;
    const view = viewOfStored(subscription.fieldView);
    // Stable across retries and restarts, distinct per subscription: the subscriber de-duplicates on it.
    const messageId = createHash('sha256').update(`${subscription.code}|${event.id}`).digest('base64url').slice(0, 32);
    const header = messages.responseHeader({ message_id: messageId, sender_id: subscription.senderId }, 'notify', {
      status: 'succ',
      total_count: 1,
      completed_count: 1,
    });
    const message = {
      transaction_id: subscription.transactionId,
      notify_event: [
        {
          reference_id: subscription.referenceId,
          timestamp: event.time,
          data: {
            version: '1.0.0',
            ...(subscription.criteria.reg_type ? { reg_type: subscription.criteria.reg_type } : {}),
            reg_event_type: subscription.criteria.reg_event_type,
            reg_record_type: subscription.criteria.notify_record_type,
            reg_records: runner.toRecord(subscription.entity, record, view),
          },
        },
      ],
    };
    const outcome = await this.options.deliver(subscription.notifyUrl, await messages.signed({ header, message }));
    // Written once the subscriber took the notify: its record left the gateway then.
    if (outcome.ok) {
      const disclosure = dciDisclosure([message.notify_event[0]!.data.reg_records], view);
      this.options.log.info(
        {
          audit: dciAuditLine({
            requester: subscription.requester,
            sender: subscription.senderId,
            route: 'dci:notify',
            status: outcome.status,
            reference: messageId,
            scopes: view ? [...view.scopes] : null,
            disclosure,
          }),
        },
        'audit',
      );
    }
    return outcome;
  }
}

/** A subscription's filter as the search criteria it is parsed and compiled as. */
const filterCriteria = (criteria: Pick<DciSubscription['criteria'], 'filter_type' | 'filter' | 'notify_record_type'>) => ({
  query_type: criteria.filter_type,
  query: criteria.filter,
  response_entity: criteria.notify_record_type,
});

/** The dispatcher's id of a subscription's queue (letters, digits, `-`: the webhook ids' alphabet). */
export const receiverId = (code: string): string => `dci-${code}`;
