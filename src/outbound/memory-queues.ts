import { attemptAll, OutboundClosing, pause } from './queues.js';
import type { OutboundDeadLetter, OutboundMessage, OutboundQueueOptions, OutboundQueues, QueuedMessage } from './queues.js';

interface ReceiverQueue<T> {
  waiting: Array<QueuedMessage<T>>;
  /** The message being worked (still counted as queued: its id is not queued twice). */
  active: QueuedMessage<T> | undefined;
  dead: Map<string, OutboundDeadLetter<T>>;
  worker: Promise<void> | undefined;
  wake: (() => void) | undefined;
  abort: AbortController | undefined;
}

/** The outbound queues of one process: nothing survives a restart (the gateway warns at start-up). */
export class MemoryOutboundQueues<T> implements OutboundQueues<T> {
  readonly durable = false;
  private readonly queues = new Map<string, ReceiverQueue<T>>();

  constructor(private readonly options: OutboundQueueOptions<T>) {}

  async enqueue(receiver: string, messages: Array<OutboundMessage<T>>): Promise<void> {
    const queue = this.queue(receiver);
    for (const message of messages) {
      if (queue.active?.id === message.id || queue.waiting.some((queued) => queued.id === message.id)) continue;
      queue.waiting.push({ ...structuredClone(message), attempts: 0, since: message.since ?? Date.now() });
    }
    queue.wake?.();
  }

  async work(receivers: readonly string[]): Promise<void> {
    const wanted = new Set(receivers);
    for (const [id, queue] of this.queues) if (!wanted.has(id)) await this.stopWorker(queue);
    for (const id of wanted) {
      const queue = this.queue(id);
      if (queue.worker) continue;
      queue.abort = new AbortController();
      queue.worker = this.run(id, queue, queue.abort.signal);
    }
  }

  async pending(receiver: string): Promise<number> {
    const queue = this.queues.get(receiver);
    return queue ? queue.waiting.length + (queue.active ? 1 : 0) : 0;
  }

  async deadLetters(receiver: string): Promise<Array<OutboundDeadLetter<T>>> {
    return structuredClone([...(this.queues.get(receiver)?.dead.values() ?? [])]);
  }

  async replay(receiver: string, ids?: readonly string[]): Promise<number> {
    const queue = this.queues.get(receiver);
    if (!queue) return 0;
    const letters = [...queue.dead.values()].filter((letter) => !ids || ids.includes(letter.id));
    for (const letter of letters) {
      // Queued again, after what is queued (as BullMQ's retry of a failed job does); listed again if it fails again.
      queue.dead.delete(letter.id);
      queue.waiting.push({ id: letter.id, data: structuredClone(letter.data), attempts: letter.attempts, replay: true, since: Date.now() });
    }
    queue.wake?.();
    return letters.length;
  }

  async discard(receiver: string, id: string): Promise<boolean> {
    return this.queues.get(receiver)?.dead.delete(id) ?? false;
  }

  async importDeadLetters(receiver: string, letters: Array<OutboundDeadLetter<T>>): Promise<void> {
    const queue = this.queue(receiver);
    for (const letter of letters) if (!queue.dead.has(letter.id)) queue.dead.set(letter.id, structuredClone(letter));
  }

  async forget(receiver: string): Promise<void> {
    const queue = this.queues.get(receiver);
    if (!queue) return;
    await this.stopWorker(queue);
    this.queues.delete(receiver);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => this.stopWorker(queue)));
  }

  private queue(receiver: string): ReceiverQueue<T> {
    let queue = this.queues.get(receiver);
    if (!queue) {
      queue = { waiting: [], active: undefined, dead: new Map(), worker: undefined, wake: undefined, abort: undefined };
      this.queues.set(receiver, queue);
    }
    return queue;
  }

  private async stopWorker(queue: ReceiverQueue<T>): Promise<void> {
    queue.abort?.abort();
    queue.wake?.();
    await queue.worker;
    queue.worker = undefined;
    queue.abort = undefined;
  }

  private async run(receiver: string, queue: ReceiverQueue<T>, signal: AbortSignal): Promise<void> {
    const { metrics, log } = this.options;
    while (!signal.aborted) {
      const message = queue.waiting.shift();
      if (!message) {
        metrics?.queueLag(receiver, 0);
        await new Promise<void>((resolve) => (queue.wake = resolve));
        queue.wake = undefined;
        continue;
      }
      queue.active = message;
      metrics?.queueLag(receiver, Math.max(0, (Date.now() - message.since) / 1000));
      try {
        const outcome = await attemptAll(receiver, message, this.options, signal);
        if (outcome !== true) this.deadLetter(receiver, queue, message, outcome);
      } catch (err) {
        // Closing, or a send that threw: the message goes back to the head of its queue.
        queue.waiting.unshift(message);
        queue.active = undefined;
        if (err instanceof OutboundClosing) return;
        log.error({ err, outbound: { receiver, message: message.id } }, 'outbound: a delivery failed unexpectedly; retrying');
        await pause(this.options.schedule.retryBaseMs, signal);
      } finally {
        queue.active = undefined;
      }
    }
  }

  private deadLetter(receiver: string, queue: ReceiverQueue<T>, message: QueuedMessage<T>, outcome: { attempts: number; lastError: string }): void {
    this.options.log.warn(
      { outbound: { receiver, message: message.id, attempts: outcome.attempts, error: outcome.lastError } },
      'outbound: delivery failed; dead-lettered',
    );
    queue.dead.delete(message.id);
    queue.dead.set(message.id, { id: message.id, data: message.data, ...outcome, failedAt: new Date().toISOString() });
    for (const id of queue.dead.keys()) {
      if (queue.dead.size <= this.options.maxDeadLetters) break;
      queue.dead.delete(id);
    }
    this.options.metrics?.deadLettered(receiver);
  }
}
