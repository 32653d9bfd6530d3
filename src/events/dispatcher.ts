import type { Deliverer } from '../dci/delivery.js';
import { PollLoop, retryDelay } from '../background.js';
import type { EventType, EventsSettings } from './settings.js';
import type { ChangeEvent, DeadLetter, EventStore } from './store.js';
import { cloudEvent, signedHeaders } from './webhooks.js';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A webhook receiver, declared in YAML or created through the API. */
export interface WebhookSubscription {
  id: string;
  url: string;
  secret: string;
  types?: readonly EventType[];
  payload: 'full' | 'ids';
}

export interface DeliveryMetrics {
  delivered(subscription: string, lagSeconds: number): void;
  attemptFailed(subscription: string): void;
  deadLettered(subscription: string): void;
  /** Age of the oldest event the subscription has not received yet (0 when caught up). */
  queueLag(subscription: string, seconds: number): void;
}

export interface DispatcherOptions {
  settings: EventsSettings;
  store: EventStore;
  deliver: Deliverer;
  /** CloudEvents `source` of every event. */
  source: string;
  /** Only the detector's leader runs the queues. */
  leading: () => boolean;
  subscriptions: () => Promise<WebhookSubscription[]>;
  metrics?: DeliveryMetrics;
  log: Logger;
  now?: () => number;
}

/**
 * Delivers the event log to every webhook, each from its own queue: a position in the log kept
 * in the event store, worked by its own loop. One event at a time per receiver, in log order,
 * so a record's events arrive in the order they happened; a failing receiver retries with
 * backoff and then dead-letters the event, while every other receiver carries on. At least
 * once: the position moves only after the receiver answered 2xx (or the event was
 * dead-lettered), so a crash sends the event again with the same `webhook-id`.
 */
export class WebhookDispatcher {
  private readonly queues = new Map<string, SubscriptionQueue>();
  private readonly loop: PollLoop;

  constructor(private readonly options: DispatcherOptions) {
    this.loop = new PollLoop(
      () => this.refresh(),
      () => options.settings.pollIntervalMs,
      (err) => options.log.error({ err }, 'webhooks: could not list subscriptions'),
    );
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.all([...this.queues.values()].map((queue) => queue.stop()));
    this.queues.clear();
  }

  /** New events (or a replay request): queues look now rather than at their next poll. */
  wake(): void {
    for (const queue of this.queues.values()) queue.wake();
  }

  /** Starts a queue per subscription while this gateway leads; stops them all (and removed ones) otherwise. */
  private async refresh(): Promise<void> {
    const wanted = this.options.leading() ? await this.options.subscriptions() : [];
    const ids = new Set(wanted.map((s) => s.id));
    for (const [id, queue] of this.queues) {
      if (!ids.has(id)) {
        this.queues.delete(id);
        await queue.stop();
      }
    }
    for (const subscription of wanted) {
      const queue = this.queues.get(subscription.id);
      if (queue) queue.subscription = subscription;
      else {
        const started = new SubscriptionQueue(subscription, this.options);
        this.queues.set(subscription.id, started);
        started.start();
      }
    }
  }
}

class SubscriptionQueue {
  private stopped = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly now: () => number;

  constructor(
    public subscription: WebhookSubscription,
    private readonly options: DispatcherOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wakeUp?.();
    await this.running;
  }

  wake(): void {
    this.wakeUp?.();
  }

  private get id(): string {
    return this.subscription.id;
  }

  private async loop(): Promise<void> {
    const { store, settings, log } = this.options;
    while (!this.stopped && this.options.leading()) {
      try {
        await this.replayDeadLetters();
        let offset = await store.getOffset(this.id);
        if (offset === undefined) {
          // A subscription new to the log starts with the events after now.
          offset = (await store.head()) ?? '0';
          await store.setOffset(this.id, offset);
        }
        const entries = await store.read(offset === '0' ? undefined : offset, settings.delivery.batchSize);
        this.options.metrics?.queueLag(this.id, entries[0] ? Math.max(0, (this.now() - entries[0].event.detectedAt) / 1000) : 0);
        if (entries.length === 0) {
          await this.idle(settings.pollIntervalMs);
          continue;
        }
        for (const entry of entries) {
          if (this.stopped || !this.options.leading()) return;
          if (this.wants(entry.event)) await this.deliverOrDeadLetter(entry.event);
          await store.setOffset(this.id, entry.seq);
        }
      } catch (err) {
        if (this.stopped) return;
        log.error({ err, webhook: { id: this.id } }, 'webhooks: queue failed; retrying');
        await this.idle(settings.pollIntervalMs);
      }
    }
  }

  private wants(event: ChangeEvent): boolean {
    return !this.subscription.types || this.subscription.types.includes(event.type);
  }

  /** Attempts with backoff; after the last one the event goes to the dead-letter list and the queue moves on. */
  private async deliverOrDeadLetter(event: ChangeEvent): Promise<void> {
    const { attempts } = this.options.settings.delivery;
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.stopped) throw new Error('stopped');
      const outcome = await this.attempt(event);
      if (outcome === true) return;
      lastError = outcome;
      this.options.metrics?.attemptFailed(this.id);
      if (attempt < attempts) await this.idle(this.backoff(attempt), false);
    }
    if (this.stopped) throw new Error('stopped');
    this.options.log.warn({ webhook: { id: this.id, event: event.id, attempts, error: lastError } }, 'webhooks: delivery failed; event dead-lettered');
    const letter: DeadLetter = { id: event.id, event, attempts, lastError, failedAt: new Date(this.now()).toISOString(), replay: false };
    await this.options.store.putDeadLetter(this.id, letter, this.options.settings.delivery.maxDeadLetters);
    this.options.metrics?.deadLettered(this.id);
  }

  /** Dead letters an admin asked to replay: one attempt each, before new events; a failure stays listed. */
  private async replayDeadLetters(): Promise<void> {
    const letters = (await this.options.store.listDeadLetters(this.id)).filter((letter) => letter.replay);
    for (const letter of letters) {
      if (this.stopped) return;
      const outcome = await this.attempt(letter.event);
      if (outcome === true) await this.options.store.deleteDeadLetter(this.id, letter.id);
      else {
        this.options.metrics?.attemptFailed(this.id);
        await this.options.store.putDeadLetter(this.id, { ...letter, attempts: letter.attempts + 1, lastError: outcome, failedAt: new Date(this.now()).toISOString(), replay: false }, this.options.settings.delivery.maxDeadLetters);
      }
    }
  }

  /** One signed POST (signed at each attempt: the timestamp is the attempt's). True, or why not. */
  private async attempt(event: ChangeEvent): Promise<true | string> {
    const body = JSON.stringify(cloudEvent(event, this.options.source, this.subscription.payload));
    const outcome = await this.options.deliver(this.subscription.url, body, signedHeaders(this.subscription.secret, event.id, body, this.now()));
    if (!outcome.ok) return outcome.error;
    this.options.metrics?.delivered(this.id, Math.max(0, (this.now() - Date.parse(event.time)) / 1000));
    return true;
  }

  private backoff(attempt: number): number {
    const { retryBaseMs, retryMaxMs } = this.options.settings.delivery;
    return retryDelay(attempt, retryBaseMs, retryMaxMs);
  }

  /** Waits `ms`, or less when stopped or (if `wakeable`: a backoff is not shortened by new events) woken. */
  private idle(ms: number, wakeable = true): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      if (wakeable) this.wakeUp = done;
      this.abort.signal.addEventListener('abort', done);
    });
  }
}
