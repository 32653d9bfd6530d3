import type { DeliveryOutcome } from '../outbound/delivery.js';
import { PollLoop, retryDelay } from '../background.js';
import type { EventsSettings } from '../config/events.js';
import type { ChangeEvent, DeadLetter, EventStore } from './store.js';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Sends one event to its receiver (built afresh at each attempt: signatures carry the attempt's time). */
export type EventSend = () => Promise<DeliveryOutcome>;

/**
 * Anything the event log is delivered to, each from its own queue: a webhook, a DCI
 * subscription. `prepare` is given a batch read from the log and answers, event by event, how
 * to send it or undefined when this receiver does not take it: a receiver that must ask Odoo
 * which records it wants asks once per batch. A failure of `prepare` retries the batch later.
 */
export interface EventReceiver {
  /** Stable id: the queue's position and dead letters are kept under it, metrics labelled with it. */
  id: string;
  prepare(events: ChangeEvent[]): Promise<Array<EventSend | undefined>>;
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
  /** Only the detector's leader runs the queues. */
  leading: () => boolean;
  /** Every receiver now (webhooks, DCI subscriptions), listed at each poll: queues start and stop with them. */
  receivers: () => Promise<EventReceiver[]>;
  metrics?: DeliveryMetrics;
  log: Logger;
  now?: () => number;
}

/**
 * Delivers the event log to every receiver, each from its own queue: a position in the log kept
 * in the event store, worked by its own loop. One event at a time per receiver, in log order,
 * so a record's events arrive in the order they happened; a failing receiver retries with
 * backoff and then dead-letters the event, while every other receiver carries on. At least
 * once: the position moves only after the receiver answered 2xx (or the event was
 * dead-lettered), so a crash sends the event again with the same `webhook-id`.
 */
export class EventDispatcher {
  private readonly queues = new Map<string, ReceiverQueue>();
  private readonly loop: PollLoop;

  constructor(private readonly options: DispatcherOptions) {
    this.loop = new PollLoop(
      () => this.refresh(),
      () => options.settings.pollIntervalMs,
      (err) => options.log.error({ err }, 'events: could not list receivers'),
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

  /** Starts a queue per receiver while this gateway leads; stops them all (and removed ones) otherwise. */
  private async refresh(): Promise<void> {
    const wanted = this.options.leading() ? await this.options.receivers() : [];
    const ids = new Set(wanted.map((s) => s.id));
    for (const [id, queue] of this.queues) {
      if (!ids.has(id)) {
        this.queues.delete(id);
        await queue.stop();
      }
    }
    for (const receiver of wanted) {
      const queue = this.queues.get(receiver.id);
      if (queue) queue.receiver = receiver;
      else {
        const started = new ReceiverQueue(receiver, this.options);
        this.queues.set(receiver.id, started);
        started.start();
      }
    }
  }
}

class ReceiverQueue {
  private stopped = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly now: () => number;

  constructor(
    public receiver: EventReceiver,
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
    return this.receiver.id;
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
        const sends = await this.receiver.prepare(entries.map((entry) => entry.event));
        for (const [index, entry] of entries.entries()) {
          if (this.stopped || !this.options.leading()) return;
          const send = sends[index];
          if (send) await this.deliverOrDeadLetter(entry.event, send);
          await store.setOffset(this.id, entry.seq);
        }
      } catch (err) {
        if (this.stopped) return;
        log.error({ err, receiver: { id: this.id } }, 'events: queue failed; retrying');
        await this.idle(settings.pollIntervalMs);
      }
    }
  }

  /** Attempts with backoff; after the last one the event goes to the dead-letter list and the queue moves on. */
  private async deliverOrDeadLetter(event: ChangeEvent, send: EventSend): Promise<void> {
    const { attempts } = this.options.settings.delivery;
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.stopped) throw new Error('stopped');
      const outcome = await this.attempt(event, send);
      if (outcome === true) return;
      lastError = outcome;
      this.options.metrics?.attemptFailed(this.id);
      if (attempt < attempts) await this.idle(this.backoff(attempt), false);
    }
    if (this.stopped) throw new Error('stopped');
    this.options.log.warn({ receiver: { id: this.id, event: event.id, attempts, error: lastError } }, 'events: delivery failed; event dead-lettered');
    const letter: DeadLetter = { id: event.id, event, attempts, lastError, failedAt: new Date(this.now()).toISOString(), replay: false };
    await this.options.store.putDeadLetter(this.id, letter, this.options.settings.delivery.maxDeadLetters);
    this.options.metrics?.deadLettered(this.id);
  }

  /**
   * Dead letters an admin asked to replay: one attempt each, before new events; a failure stays
   * listed. One the receiver no longer takes (a DCI record that left the filter) is dropped.
   */
  private async replayDeadLetters(): Promise<void> {
    const letters = (await this.options.store.listDeadLetters(this.id)).filter((letter) => letter.replay);
    if (letters.length === 0) return;
    const sends = await this.receiver.prepare(letters.map((letter) => letter.event));
    for (const [index, letter] of letters.entries()) {
      if (this.stopped) return;
      const send = sends[index];
      const outcome = send ? await this.attempt(letter.event, send) : true;
      if (outcome === true) await this.options.store.deleteDeadLetter(this.id, letter.id);
      else {
        this.options.metrics?.attemptFailed(this.id);
        await this.options.store.putDeadLetter(
          this.id,
          { ...letter, attempts: letter.attempts + 1, lastError: outcome, failedAt: new Date(this.now()).toISOString(), replay: false },
          this.options.settings.delivery.maxDeadLetters,
        );
      }
    }
  }

  /** One attempt. True, or why not. */
  private async attempt(event: ChangeEvent, send: EventSend): Promise<true | string> {
    const outcome = await send();
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
