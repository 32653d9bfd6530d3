import type { DeliveryOutcome } from '../outbound/delivery.js';
import type { OutboundMessage, OutboundQueues, OutboundSend } from '../outbound/queues.js';
import { PollLoop } from '../background.js';
import type { EventsSettings } from '../config/events.js';
import type { ChangeEvent, EventStore } from './store.js';

interface Logger {
  error(obj: object, msg: string): void;
}

/**
 * What a receiver keeps with an event it takes, to build its message from at each attempt (JSON:
 * it is queued with the event). A webhook keeps nothing; a DCI subscription the record it read.
 */
export type Prepared = Record<string, unknown>;

/**
 * Anything the event log is delivered to, each from its own outbound queue: a webhook, a DCI
 * subscription. `prepare` is given a batch read from the log and answers, event by event, what
 * to keep for it or undefined when this receiver does not take it: a receiver that must ask Odoo
 * which records it wants asks once per batch. A failure of `prepare` reads the batch again later.
 */
export interface EventReceiver {
  /** Stable id: the queue's position in the log, its outbound queue and dead letters are kept under it, metrics labelled with it. */
  id: string;
  prepare(events: ChangeEvent[]): Promise<Array<Prepared | undefined>>;
  /** Sends one event (built afresh at each attempt: signatures carry the attempt's time). */
  send(event: ChangeEvent, prepared: Prepared): Promise<DeliveryOutcome>;
}

/** An event as queued for one receiver. */
export interface EventMessage {
  event: ChangeEvent;
  prepared: Prepared;
}

export interface DispatcherOptions {
  settings: EventsSettings;
  store: EventStore;
  /** The outbound queues, sending through `send` below. */
  queues: OutboundQueues<EventMessage>;
  /** Only the detector's leader moves events from the log to the queues. */
  leading: () => boolean;
  /** Every receiver now (webhooks, DCI subscriptions), listed at each poll: queues start and stop with them. */
  receivers: () => Promise<EventReceiver[]>;
  log: Logger;
}

/**
 * Feeds the event log to every receiver's outbound queue: the leader reads the log from each
 * receiver's position (kept in the event store), keeps the events the receiver takes, queues
 * them in log order and then moves the position, so a record's events arrive in the order they
 * happened. At least once: a crash between queueing and moving the position queues the events
 * again under the same ids (not queued twice while still waiting; sent again with the same
 * `webhook-id` if already delivered). The queues themselves (retries, dead letters, one message
 * at a time per receiver across replicas) are the outbound engine's, worked by the leader.
 */
export class EventDispatcher {
  private readonly loop: PollLoop;
  private current = new Map<string, EventReceiver>();

  constructor(private readonly options: DispatcherOptions) {
    this.loop = new PollLoop(
      () => this.round(),
      () => options.settings.pollIntervalMs,
      (err) => options.log.error({ err }, 'events: could not list receivers'),
    );
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.options.queues.close();
  }

  /** New events: move them to the queues now rather than at the next poll. */
  wake(): void {
    this.loop.kick();
  }

  /** The engine's sender: the receiver as listed last; one removed meanwhile takes nothing more. */
  readonly send: OutboundSend<EventMessage> = async (receiver, message) => {
    const found = this.current.get(receiver);
    if (!found) return 'skip';
    return found.send(message.data.event, message.data.prepared);
  };

  private async round(): Promise<void> {
    const receivers = await this.options.receivers();
    this.current = new Map(receivers.map((receiver) => [receiver.id, receiver]));
    // The leader works the queues it feeds: replicas competing for one message at a time per
    // receiver would only add round trips. A leader that dies leaves its messages to the next
    // one, which takes them over once their locks run out.
    const leading = this.options.leading();
    await this.options.queues.work(leading ? receivers.map((receiver) => receiver.id) : []);
    if (!leading) return;
    await Promise.all(receivers.map((receiver) => this.feed(receiver)));
  }

  /** Moves a receiver's events from the log to its queue, a batch at a time, until it has caught up. */
  private async feed(receiver: EventReceiver): Promise<void> {
    const { store, settings, queues, log } = this.options;
    try {
      let offset = await store.getOffset(receiver.id);
      if (offset === undefined) {
        // A receiver new to the log starts with the events after now.
        offset = (await store.head()) ?? '0';
        await store.setOffset(receiver.id, offset);
      }
      for (;;) {
        if (this.loop.stopped || !this.options.leading()) return;
        const entries = await store.read(offset === '0' ? undefined : offset, settings.delivery.batchSize);
        if (entries.length === 0) return;
        const prepared = await receiver.prepare(entries.map((entry) => entry.event));
        const messages: Array<OutboundMessage<EventMessage>> = [];
        entries.forEach(({ event }, index) => {
          const kept = prepared[index];
          if (kept) messages.push({ id: event.id, data: { event, prepared: kept }, since: Date.parse(event.time) });
        });
        await queues.enqueue(receiver.id, messages);
        offset = entries.at(-1)!.seq;
        await store.setOffset(receiver.id, offset);
        if (entries.length < settings.delivery.batchSize) return;
      }
    } catch (err) {
      log.error({ err, receiver: { id: receiver.id } }, 'events: could not queue events; retrying');
    }
  }
}
