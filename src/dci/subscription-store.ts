import type { Redis } from 'ioredis';
import { guarded } from '../state/redis-client.js';
import type { Entity } from './attributes.js';

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
  /** `{callback base}/registry/notify`, resolved and checked when the subscription was accepted. */
  notifyUrl: string;
  createdAt: string;
}

/** Where subscriptions are kept: in Redis (durable, shared by replicas) when `redis.url` is set, else in memory. */
export interface DciSubscriptionStore {
  readonly durable: boolean;
  put(subscription: DciSubscription): Promise<void>;
  get(code: string): Promise<DciSubscription | undefined>;
  list(): Promise<DciSubscription[]>;
  delete(code: string): Promise<boolean>;
}

export class MemorySubscriptionStore implements DciSubscriptionStore {
  readonly durable = false;
  private readonly subscriptions = new Map<string, DciSubscription>();

  async put(subscription: DciSubscription): Promise<void> {
    this.subscriptions.set(subscription.code, structuredClone(subscription));
  }

  async get(code: string): Promise<DciSubscription | undefined> {
    const found = this.subscriptions.get(code);
    return found && structuredClone(found);
  }

  async list(): Promise<DciSubscription[]> {
    return structuredClone([...this.subscriptions.values()]);
  }

  async delete(code: string): Promise<boolean> {
    return this.subscriptions.delete(code);
  }
}

const GUARANTEE = 'DCI subscriptions';
const KEY = 'dci:subscriptions';

/** One Redis hash, code -> subscription (JSON). */
export class RedisSubscriptionStore implements DciSubscriptionStore {
  readonly durable = true;

  constructor(private readonly redis: Redis) {}

  async put(subscription: DciSubscription): Promise<void> {
    await guarded(GUARANTEE, () => this.redis.hset(KEY, subscription.code, JSON.stringify(subscription)));
  }

  async get(code: string): Promise<DciSubscription | undefined> {
    const text = await guarded(GUARANTEE, () => this.redis.hget(KEY, code));
    return text ? (JSON.parse(text) as DciSubscription) : undefined;
  }

  async list(): Promise<DciSubscription[]> {
    const all = await guarded(GUARANTEE, () => this.redis.hvals(KEY));
    return all.map((text) => JSON.parse(text) as DciSubscription).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async delete(code: string): Promise<boolean> {
    return (await guarded(GUARANTEE, () => this.redis.hdel(KEY, code))) === 1;
  }
}
