import type { RecordHash } from '../state/record-hash.js';
import type { StoredView } from '../registry/field-scope.js';
import type { Entity } from './attributes.js';
import type { DciRequester } from './disclosure.js';

/** The DCI event types a subscription names in `reg_event_type` (see subscriptions.ts for what each covers). */
export const DCI_EVENT_TYPES = ['registered', 'updated', 'archived', 'membership_changed'] as const;
export type DciEventType = (typeof DCI_EVENT_TYPES)[number];

/** One accepted subscription item: who asked, what for, and where its notifications go. */
export interface DciSubscription {
  /** The SubscriptionCode returned in on-subscribe and named by unsubscribe. */
  code: string;
  senderId: string;
  transactionId: string;
  referenceId: string;
  eventType: DciEventType;
  entity: Entity;
  /** The criteria as the sender sent them (echoed in SubscriptionInfo; the filter is compiled again per batch). */
  criteria: { reg_type?: string; reg_event_type: string; filter_type: string; filter: unknown; notify_record_type: string };
  /** The sender's registered callback URL plus `/registry/notify`, resolved when the subscription was accepted. */
  notifyUrl: string;
  createdAt: string;
  /**
   * The subscriber's field scopes as they were when it subscribed (names and the selections
   * they made): its notifications carry what that view shows, whatever the roles file says
   * later. Absent for a subscriber holding no scope (every attribute).
   */
  fieldView?: StoredView;
  /** Who subscribed (its token's subject and client id): named by the audit lines of its notifies. */
  requester?: DciRequester;
}

/** Subscriptions by code: in Redis (durable, shared by replicas) when `redis.url` is set, else in memory. */
export type DciSubscriptionStore = RecordHash<DciSubscription>;

/** Where subscriptions are kept in Redis (under `redis.keyPrefix`). */
export const SUBSCRIPTIONS_KEY = 'dci:subscriptions';

/**
 * SubscriptionInfo. The standard's schema lists `code` and the criteria as properties but
 * requires `subscription_code` and `subscribe_criteria`: both spellings are sent.
 */
export function subscriptionInfo(subscription: DciSubscription) {
  const { code, createdAt, criteria } = subscription;
  return { version: '1.0.0', code, subscription_code: code, status: 'subscribe' as const, timestamp: createdAt, ...criteria, subscribe_criteria: criteria };
}
