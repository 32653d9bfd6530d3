import { randomUUID } from 'node:crypto';
import { PollLoop, retryDelay } from '../background.js';
import type { OdooClient } from '../odoo/types.js';
import { isStateUnavailable } from '../state/errors.js';
import type { z } from 'zod';
import { requestEnvelopeSchema, txnStatusEnvelopeSchema, type Ack, type RequestHeader, type ResponseEnvelope, type TxnStatusItem } from './envelope.js';
import type { DciMessages, MessageAction } from './messages.js';
import type { Deliverer } from '../outbound/delivery.js';
import type { DciSearchService } from './search.js';
import type { DciSettings } from '../config/dci.js';
import type { DciSubscriptionStore } from './subscription-store.js';
import type { ClaimedJob, DciTransactionStore, DeliveryJob, SearchJob } from './transactions.js';
import { transactionStatus } from './txn-status.js';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Too much async work is waiting: the message is refused (503) rather than queued without bound. */
export class DciBusyError extends Error {}

export interface DciAsyncOptions {
  settings: DciSettings;
  messages: DciMessages;
  service: DciSearchService;
  store: DciTransactionStore;
  /** The Odoo account searches run as (the caller is gone by then). */
  odoo: () => OdooClient;
  deliver: Deliverer;
  log: Logger;
  /** Subscriptions, when offered: a status request by subscription_code_list reads them. */
  subscriptions?: DciSubscriptionStore;
  now?: () => number;
}

/**
 * The async DCI routes: a message is checked as the sync route checks it and acknowledged at
 * once; its search runs afterwards and the answer is posted, signed, to the sender's callback.
 * All work goes through the store as jobs (run a search, deliver a message), each retried
 * with exponential backoff a bounded number of times, so a durable store lets pending work
 * survive a restart. One worker loop per gateway claims due jobs.
 */
export class DciAsyncService {
  private readonly settings: DciSettings;
  private readonly messages: DciMessages;
  private readonly service: DciSearchService;
  private readonly store: DciTransactionStore;
  private readonly now: () => number;
  private readonly loop = new PollLoop(
    () => this.drain(),
    // Retries are due at their own times; polling at a fraction of the shortest backoff finds them in time.
    () => Math.min(1000, Math.max(10, Math.floor(this.settings.async.retryBaseMs / 4))),
  );
  private storeDown = false;
  private readonly leaseMs: number;
  /**
   * How jobs that were worked end (reschedule or complete, with their transaction's update),
   * when the store failed as they ended: tried again first in every round, so work done while
   * Redis went away is settled as soon as it is back, not left leased until the lease runs out.
   */
  private readonly unsettled: Array<() => Promise<unknown>> = [];

  constructor(private readonly options: DciAsyncOptions) {
    this.settings = options.settings;
    this.messages = options.messages;
    this.service = options.service;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.leaseMs = Math.max(60_000, this.settings.async.deliveryTimeoutMs * 3);
  }

  /** `POST /registry/search`: the checks of the sync route, then an ACK whose correlation_id the callback will carry. */
  async acceptSearch(body: unknown, expectedSender?: string): Promise<Ack> {
    const { envelope, callbackUrl } = await this.admit(body, requestEnvelopeSchema, 'search', expectedSender);
    const correlationId = randomUUID();
    const receivedAt = new Date(this.now()).toISOString();
    const items: TxnStatusItem[] = envelope.message.search_request.map((item) => ({
      reference_id: typeof (item as { reference_id?: unknown })?.reference_id === 'string' ? (item as { reference_id: string }).reference_id : '',
      timestamp: receivedAt,
      status: 'rcvd',
    }));
    await this.store.putTransaction({
      correlationId,
      senderId: envelope.header.sender_id,
      transactionId: envelope.message.transaction_id,
      messageId: envelope.header.message_id,
      receivedAt,
      updatedAt: receivedAt,
      status: 'rcvd',
      items,
      callbackUrl,
    });
    const raw = this.messages.plainBody(body);
    await this.store.enqueue({
      id: randomUUID(),
      kind: 'search',
      correlationId,
      request: { header: raw.header, message: raw.message },
      attempts: 0,
      dueAt: this.now(),
    });
    this.kick();
    return this.messages.ack('ACK', correlationId);
  }

  /** `POST /registry/txn/status`: answered on the sender's txn/on-status callback. */
  async acceptStatus(body: unknown, expectedSender?: string): Promise<Ack> {
    const { envelope, callbackUrl } = await this.admit(body, txnStatusEnvelopeSchema, 'txn-status', expectedSender);
    const correlationId = randomUUID();
    const answer = await transactionStatus(envelope, this.store, this.messages, correlationId, this.options.subscriptions);
    const { header, message } = answer;
    await this.deliverLater(callbackUrl, { header, message });
    return this.messages.ack('ACK', correlationId);
  }

  /** `POST /registry/sync/txn/status`: the same answer, in the HTTP response. */
  async status(body: unknown, expectedSender?: string) {
    const envelope = await this.messages.accept(body, txnStatusEnvelopeSchema, expectedSender);
    const rejection = await this.messages.headerRejection(envelope, 'txn-status');
    if (rejection) {
      const header = this.messages.responseHeader(envelope.header, 'txn-on-status', {
        status: 'rjct',
        status_reason_code: rejection.code,
        status_reason_message: rejection.message,
        total_count: 1,
        completed_count: 0,
      });
      return this.messages.signed({
        header,
        message: {
          transaction_id: envelope.message.transaction_id,
          correlation_id: randomUUID(),
          txnstatus_response: rejectedStatus(envelope.message.txnstatus_request.txn_type, header.message_ts),
        },
      });
    }
    return transactionStatus(envelope, this.store, this.messages, randomUUID(), this.options.subscriptions);
  }

  /**
   * Queues a message for a sender's callback: signed at each attempt, retried with backoff
   * like the answers of async searches (and kept with them in the store). With `correlationId`,
   * the delivery's progress is recorded on that transaction.
   */
  async deliverLater(url: string, body: { header: unknown; message: unknown }, correlationId?: string): Promise<void> {
    await this.store.enqueue({ id: randomUUID(), kind: 'deliver', ...(correlationId ? { correlationId } : {}), url, body, attempts: 0, dueAt: this.now() });
    this.kick();
  }

  /**
   * The checks of every async message, in order: envelope, sender, signature; the callback under
   * the sender's registered URL; room in the queue; version, action, counts and a fresh
   * message_id. Refusals throw DciMessageError (an ERR acknowledgement) or DciBusyError (503).
   */
  async admit<S extends z.ZodType<{ signature?: string | undefined; header: RequestHeader }>>(
    body: unknown,
    schema: S,
    action: MessageAction,
    expectedSender?: string,
  ): Promise<{ envelope: z.output<S>; callbackUrl: string }> {
    const envelope = await this.messages.accept(body, schema, expectedSender);
    const callbackUrl = this.messages.senderCallbackUrl(envelope.header.sender_id, envelope.header.sender_uri, action);
    await this.ensureRoom();
    await this.messages.refuseHeader(envelope as { header: RequestHeader; message: unknown }, action);
    return { envelope, callbackUrl };
  }

  /** Refuses new async messages (503) while too much work waits. */
  async ensureRoom(): Promise<void> {
    if ((await this.store.pendingJobs()) >= this.settings.async.maxPending) throw new DciBusyError('Too many async messages are waiting; retry later.');
  }

  // ---- the worker ------------------------------------------------------------------------

  start(): void {
    this.loop.start();
  }

  /** Stops claiming work and waits for what is running (a claimed job not finished stays in the store). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** New work: look for it now rather than at the next poll. */
  private kick(): void {
    this.loop.kick();
  }

  private async drain(): Promise<void> {
    while (!this.loop.stopped) {
      let jobs: ClaimedJob[];
      try {
        while (this.unsettled.length > 0) {
          await this.unsettled[0]!();
          this.unsettled.shift();
        }
        jobs = await this.store.claimDue(this.now(), this.leaseMs, this.settings.async.concurrency);
      } catch (err) {
        // Polled again shortly; jobs stay in the store. One line per outage, not one per poll.
        if (!this.storeDown) this.options.log.error({ err }, 'dci async: the transaction store is unavailable; pending work waits until it is back');
        this.storeDown = true;
        return;
      }
      if (this.storeDown) this.options.log.warn({}, 'dci async: the transaction store is back; pending work resumes');
      this.storeDown = false;
      if (jobs.length === 0) return;
      await Promise.all(jobs.map((job) => this.run(job)));
    }
  }

  private async run(job: ClaimedJob): Promise<void> {
    try {
      if (job.kind === 'search') await this.runSearch(job);
      else await this.runDelivery(job);
    } catch (err) {
      // The store went away before the job could end: it goes back as it was once the store is
      // back (a no-op when its end was already written, or kept to be written, under this lease).
      if (isStateUnavailable(err)) this.unsettled.push(() => this.store.reschedule(job));
      this.options.log.error({ err, dci: { job: job.kind, correlation_id: job.correlationId } }, 'dci async job failed');
    }
  }

  /** Ends a job (`end` writes its outcome); if the store fails meanwhile, `end` is kept and tried again in the next rounds. */
  private async settle(end: () => Promise<unknown>): Promise<void> {
    try {
      await end();
    } catch (err) {
      if (isStateUnavailable(err)) this.unsettled.push(end);
      throw err;
    }
  }

  private backoff(attempts: number): number {
    return retryDelay(attempts, this.settings.async.retryBaseMs, this.settings.async.retryMaxMs);
  }

  private async runSearch(job: ClaimedJob<SearchJob>): Promise<void> {
    const touched = () => new Date(this.now()).toISOString();
    const txn = await this.store.updateTransaction(job.correlationId, { status: 'pdng', updatedAt: touched() });
    if (!txn) {
      await this.store.complete(job);
      return;
    }
    if (job.attempts === 0) await this.store.updateTransaction(job.correlationId, { items: txn.items.map((item) => ({ ...item, status: 'pdng' })) });
    const envelope = requestEnvelopeSchema.parse(job.request);
    let answer: ResponseEnvelope;
    try {
      answer = await this.service.answer(envelope, this.options.odoo, { correlationId: job.correlationId });
    } catch (err) {
      const attempts = job.attempts + 1;
      if (attempts < this.settings.async.searchAttempts) {
        this.options.log.warn({ err, dci: { correlation_id: job.correlationId, attempts } }, 'dci async search failed; retrying');
        const retry = { ...job, attempts, dueAt: this.now() + this.backoff(attempts) };
        await this.settle(() => this.store.reschedule(retry));
        return;
      }
      this.options.log.error({ err, dci: { correlation_id: job.correlationId, attempts } }, 'dci async search failed; giving up');
      const reason = 'The registry could not be reached to run this search; send it again later.';
      const items = txn.items.map((item) => ({ ...item, timestamp: touched(), status: 'rjct' as const, status_reason_message: reason }));
      answer = {
        header: this.messages.responseHeader(envelope.header, 'on-search', {
          status: 'rjct',
          status_reason_message: reason,
          total_count: items.length,
          completed_count: 0,
        }),
        message: { transaction_id: envelope.message.transaction_id, correlation_id: job.correlationId, search_response: items },
      };
    }
    const items: TxnStatusItem[] = (answer.message?.search_response ?? []).map(({ data: _data, pagination: _pagination, ...item }) => item);
    const answered = {
      status: answer.header.status,
      ...(answer.header.status_reason_code ? { statusReasonCode: answer.header.status_reason_code } : {}),
      ...(answer.header.status_reason_message ? { statusReasonMessage: answer.header.status_reason_message } : {}),
      items,
      updatedAt: touched(),
      delivery: { state: 'pending' as const, attempts: 0 },
    };
    // One id whenever this is tried again: the delivery is queued once.
    const delivery: DeliveryJob = {
      id: randomUUID(),
      kind: 'deliver',
      correlationId: job.correlationId,
      url: txn.callbackUrl,
      body: { header: answer.header, message: answer.message },
      attempts: 0,
      dueAt: this.now(),
    };
    await this.settle(async () => {
      await this.store.updateTransaction(job.correlationId, answered);
      // The delivery job is queued before the search job is done: a crash in between delivers twice, never not at all.
      await this.store.enqueue(delivery);
      await this.store.complete(job);
    });
  }

  private async runDelivery(job: ClaimedJob<DeliveryJob>): Promise<void> {
    // Signed at each attempt: a retry an hour later must not carry an expired signature.
    const outcome = await this.options.deliver(job.url, await this.messages.signed(job.body as { header: unknown; message: unknown }));
    const attempts = job.attempts + 1;
    const at = new Date(this.now()).toISOString();
    const log = { correlation_id: job.correlationId, url: job.url, attempts };
    const { correlationId } = job;
    if (outcome.ok) {
      this.options.log.info({ dci: { ...log, status: outcome.status } }, 'dci callback delivered');
      await this.settle(async () => {
        if (correlationId) await this.store.updateTransaction(correlationId, { delivery: { state: 'delivered', attempts, deliveredAt: at }, updatedAt: at });
        await this.store.complete(job);
      });
      return;
    }
    const final = attempts >= this.settings.async.deliveryAttempts;
    this.options.log.warn({ dci: { ...log, error: outcome.error, final } }, final ? 'dci callback failed; giving up' : 'dci callback failed; retrying');
    const retry = { ...job, attempts, dueAt: this.now() + this.backoff(attempts) };
    await this.settle(async () => {
      if (correlationId)
        await this.store.updateTransaction(correlationId, {
          delivery: { state: final ? 'failed' : 'pending', attempts, lastError: outcome.error },
          updatedAt: at,
        });
      if (final) await this.store.complete(job);
      else await this.store.reschedule(retry);
    });
  }
}

/** The empty txnstatus_response of a refused status request, in the shape of the type asked about. */
function rejectedStatus(txnType: 'search' | 'subscribe' | 'unsubscribe', timestamp: string) {
  if (txnType === 'search') return { txn_type: 'search' as const, txn_status: { transaction_id: '', correlation_id: '', search_response: [] } };
  if (txnType === 'subscribe') return { txn_type: 'on-subscribe' as const, txn_status: { transaction_id: '', correlation_id: '', subscribe_response: [] } };
  return { txn_type: 'on-unsubscribe' as const, txn_status: { transaction_id: '', correlation_id: '', timestamp, status: 'rjct', subscription_status: [] } };
}
