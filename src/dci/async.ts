import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { retryDelay } from '../background.js';
import { isStateUnavailable } from '../state/errors.js';
import type { OdooClient } from '../odoo/types.js';
import { guarded } from '../state/redis-client.js';
import type { z } from 'zod';
import { requestEnvelopeSchema, txnStatusEnvelopeSchema, type Ack, type RequestHeader, type ResponseEnvelope, type TxnStatusItem } from './envelope.js';
import type { DciMessages, MessageAction } from './messages.js';
import type { RequestSecurity } from './message-security.js';
import type { Deliverer } from '../outbound/delivery.js';
import type { DciSearchService } from './search.js';
import type { DciSettings } from '../config/dci.js';
import type { DciSubscriptionStore } from './subscription-store.js';
import type { DciTransactionStore } from './transactions.js';
import type { OutboundJobPool, PoolAttempt, PoolDeadLetter } from '../outbound/queues.js';
import { transactionStatus } from './txn-status.js';
import { dciAuditLine, dciDisclosure, searchAnswerRecords, type DciDisclosure, type DciRequester } from './disclosure.js';
import { storedView, viewOfStored, type FieldView, type StoredView } from '../registry/field-scope.js';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Run the search of a transaction (its request is kept in the job until then, and only until then). */
export interface SearchJob {
  kind: 'search';
  correlationId: string;
  /** `{header, message}` of the request as received (the signature was checked on receipt). */
  request: { header: unknown; message: unknown };
  /** The sender's field scopes when it asked: the search runs under them, whenever it runs. */
  fieldView?: StoredView;
  /** How the request came (its signature's form and algorithm, encrypted or not): the answer is sealed to match, whenever and wherever it runs. */
  security?: RequestSecurity;
  /** Who asked: named by the audit line of the answer's delivery. */
  requester?: DciRequester;
}

/** Post a signed answer to a callback; `correlationId` names the transaction whose delivery it is, if any. */
export interface DeliveryJob {
  kind: 'deliver';
  correlationId?: string | undefined;
  url: string;
  body: unknown;
  /** How the request it answers came: the callback is encrypted and signed to match at every attempt. */
  security?: RequestSecurity | undefined;
  /** An answer carrying registrant records (on-search): what it discloses, written to the audit log once it is delivered. */
  audit?: { requester?: DciRequester; sender: string; scopes: string[] | null; disclosure: DciDisclosure };
}

/** The DCI work of the outbound engine's job pool. */
export type DciJob = SearchJob | DeliveryJob;

/**
 * A DCI job given up after its last attempt, as administrators see it: who and what it was for,
 * never the message's content (an on-search carries registrant records; a search, its query).
 */
export interface DciDeadLetter {
  /** The job's id in the pool. */
  id: string;
  /** `search`: an accepted async search that never ran to its end; `deliver`: a callback not delivered. */
  kind: DciJob['kind'];
  /** What the message is: `search` for a search, the callback's header action (`on-search`, `txn-on-status`, ...). */
  action: string;
  senderId: string;
  transactionId?: string | undefined;
  correlationId?: string;
  /** The request's message_id, which its callback carries at every attempt. */
  messageId?: string | undefined;
  /** Where the callback goes (under the sender's registered callback URL). */
  callbackUrl?: string | undefined;
  attempts: number;
  /** The last failure: a status code, timeout or network error, never the receiver's answer. */
  lastError: string;
  failedAt: string;
}

/** How long a count of the pool's pending work is used for admitting messages (see ensureRoom). */
const ROOM_FRESH_MS = 100;

/** Too much async work is waiting: the message is refused (503) rather than queued without bound. */
export class DciBusyError extends Error {}

export interface DciAsyncOptions {
  settings: DciSettings;
  messages: DciMessages;
  service: DciSearchService;
  store: DciTransactionStore;
  /** The outbound engine's job pool the searches and callbacks are worked in. */
  pool: OutboundJobPool<DciJob>;
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
 * All work is a job of the outbound engine's pool (run a search, deliver a message), retried
 * with the engine's backoff a bounded number of times; with Redis, pending work survives a
 * restart and is shared by replicas.
 */
export class DciAsyncService {
  private readonly settings: DciSettings;
  private readonly messages: DciMessages;
  private readonly service: DciSearchService;
  private readonly store: DciTransactionStore;
  private readonly pool: OutboundJobPool<DciJob>;
  private readonly now: () => number;
  /** The pool's last count and when it was asked for (see ensureRoom). */
  private room: { pending: Promise<number>; readAt: number } | undefined;

  constructor(private readonly options: DciAsyncOptions) {
    this.settings = options.settings;
    this.messages = options.messages;
    this.service = options.service;
    this.store = options.store;
    this.pool = options.pool;
    this.now = options.now ?? Date.now;
  }

  /** `POST /registry/search`: the checks of the sync route, then an ACK whose correlation_id the callback will carry. */
  async acceptSearch(body: unknown, expectedSender?: string, view?: FieldView, requester?: DciRequester): Promise<Ack> {
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
    const security = this.messages.securityOf(envelope.header);
    await this.pool.submit({
      data: {
        kind: 'search',
        correlationId,
        request: { header: raw.header, message: raw.message },
        ...(security ? { security } : {}),
        ...(view ? { fieldView: storedView(view) } : {}),
        ...(requester ? { requester } : {}),
      },
      attempts: this.settings.async.searchAttempts,
    });
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
   * like the answers of async searches (and kept with them in the pool). With `correlationId`,
   * the delivery's progress is recorded on that transaction.
   */
  async deliverLater(url: string, body: { header: unknown; message: unknown }, correlationId?: string): Promise<void> {
    await this.submitDelivery({ kind: 'deliver', ...(correlationId ? { correlationId } : {}), url, body, security: this.messages.securityOf(body.header) });
  }

  private async submitDelivery(job: DeliveryJob, id?: string): Promise<void> {
    await this.pool.submit({ ...(id ? { id } : {}), data: job, attempts: this.settings.async.deliveryAttempts });
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

  /**
   * Refuses new async messages (503) while too much work waits. The count is read at most every
   * ROOM_FRESH_MS and shared by the messages admitted meanwhile: a read per message cost a Redis
   * round trip on every request, for a bound that a few messages more or less do not change. A
   * read that failed (Redis away) is not kept: the next message asks again.
   */
  async ensureRoom(): Promise<void> {
    if (!this.room || Date.now() - this.room.readAt >= ROOM_FRESH_MS) {
      const pending = guarded('the async DCI work', () => this.pool.pending());
      const room = { pending, readAt: Date.now() };
      this.room = room;
      pending.catch(() => {
        if (this.room === room) this.room = undefined;
      });
    }
    if ((await this.room.pending) >= this.settings.async.maxPending) throw new DciBusyError('Too many async messages are waiting; retry later.');
  }

  // ---- dead letters ----------------------------------------------------------------------

  /** Jobs given up after their last attempt (all senders', or one's), oldest first. */
  async deadLetters(senderId?: string): Promise<DciDeadLetter[]> {
    const letters = (await this.pool.deadLetters()).map(deadLetterView);
    return senderId === undefined ? letters : letters.filter((letter) => letter.senderId === senderId);
  }

  /**
   * One more attempt for each dead letter listed, told it is the last: a search runs again, a
   * callback is signed afresh and sent with the message_id it always had, its attempt recorded
   * on its transaction. Returns the ids replayed (one replayed or discarded meanwhile is not).
   */
  async replayDeadLetters(ids: readonly string[]): Promise<string[]> {
    const replayed: string[] = [];
    for (const id of ids) if (await this.pool.replay(id)) replayed.push(id);
    return replayed;
  }

  /** Drops a dead letter (a callback's transaction already records its failure); undefined when there is none by that id. */
  async discardDeadLetter(id: string): Promise<DciDeadLetter | undefined> {
    const letter = (await this.pool.deadLetters()).find((found) => found.id === id);
    if (!letter || !(await this.pool.discard(id))) return undefined;
    return deadLetterView(letter);
  }

  // ---- the worker ------------------------------------------------------------------------

  /** Works the pool's DCI jobs in this process. */
  start(): void {
    this.pool.work((job, attempt) => (job.kind === 'search' ? this.runSearch(job, attempt) : this.runDelivery(job, attempt)));
  }

  /** Stops working and waits for what is running (jobs not finished stay in the pool). */
  stop(): Promise<void> {
    return this.pool.close();
  }

  /**
   * Writes a job's progress to its transaction, waiting while the store (Redis) is away rather
   * than failing the attempt: a last attempt that threw would give the job up with its
   * transaction pending for good. Written once Redis is back (other errors are thrown).
   */
  private async record(correlationId: string, changes: Parameters<DciTransactionStore['updateTransaction']>[1]) {
    const { retryBaseMs, retryMaxMs } = this.settings.async;
    for (let tries = 1; ; tries++) {
      try {
        return await this.store.updateTransaction(correlationId, changes);
      } catch (err) {
        if (!isStateUnavailable(err)) throw err;
        if (tries === 1) this.options.log.warn({ dci: { correlation_id: correlationId } }, 'dci: the transaction store is unavailable; the job waits for it');
        await sleep(retryDelay(tries, retryBaseMs, retryMaxMs), undefined, { ref: false });
      }
    }
  }

  private async runSearch(job: SearchJob, { attempt, final }: PoolAttempt): Promise<void> {
    const touched = () => new Date(this.now()).toISOString();
    const txn = await this.record(job.correlationId, { status: 'pdng', updatedAt: touched() });
    if (!txn) return;
    if (attempt === 1) await this.record(job.correlationId, { items: txn.items.map((item) => ({ ...item, status: 'pdng' })) });
    const envelope = requestEnvelopeSchema.parse(job.request);
    this.messages.restoreSecurity(envelope.header, job.security);
    let answer: ResponseEnvelope;
    const view = viewOfStored(job.fieldView);
    try {
      answer = await this.service.answer(envelope, this.options.odoo, { correlationId: job.correlationId, ...(view ? { view } : {}) });
    } catch (err) {
      if (!final) {
        this.options.log.warn({ err, dci: { correlation_id: job.correlationId, attempts: attempt } }, 'dci async search failed; retrying');
        throw err;
      }
      this.options.log.error({ err, dci: { correlation_id: job.correlationId, attempts: attempt } }, 'dci async search failed; giving up');
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
    await this.record(job.correlationId, {
      status: answer.header.status,
      ...(answer.header.status_reason_code ? { statusReasonCode: answer.header.status_reason_code } : {}),
      ...(answer.header.status_reason_message ? { statusReasonMessage: answer.header.status_reason_message } : {}),
      items,
      updatedAt: touched(),
      delivery: { state: 'pending' as const, attempts: 0 },
    });
    const disclosure = dciDisclosure(searchAnswerRecords(answer.message), view);
    const audit = Object.keys(disclosure.fields).length
      ? { ...(job.requester ? { requester: job.requester } : {}), sender: txn.senderId, scopes: view ? [...view.scopes] : null, disclosure }
      : undefined;
    // A fixed id: a search worked again (its worker died before finishing) queues its delivery once.
    await this.submitDelivery(
      {
        kind: 'deliver',
        correlationId: job.correlationId,
        url: txn.callbackUrl,
        body: { header: answer.header, message: answer.message },
        security: job.security,
        ...(audit ? { audit } : {}),
      },
      `${job.correlationId}.on-search`,
    );
  }

  private async runDelivery(job: DeliveryJob, { attempt, final }: PoolAttempt): Promise<void> {
    // Signed at each attempt: a retry an hour later must not carry an expired signature.
    const outcome = await this.options.deliver(job.url, await this.messages.signed(job.body as { header: unknown; message: unknown }, job.security));
    const at = new Date(this.now()).toISOString();
    const log = { correlation_id: job.correlationId, url: job.url, attempts: attempt };
    const { correlationId } = job;
    if (outcome.ok) {
      this.options.log.info({ dci: { ...log, status: outcome.status } }, 'dci callback delivered');
      // The answer's records left the gateway and were taken: that is when they count as disclosed.
      if (job.audit)
        this.options.log.info(
          {
            audit: dciAuditLine({
              requester: job.audit.requester,
              sender: job.audit.sender,
              route: 'dci:on-search',
              status: outcome.status,
              reference: correlationId ?? '',
              scopes: job.audit.scopes,
              disclosure: job.audit.disclosure,
            }),
          },
          'audit',
        );
      if (correlationId) await this.record(correlationId, { delivery: { state: 'delivered', attempts: attempt, deliveredAt: at }, updatedAt: at });
      return;
    }
    this.options.log.warn({ dci: { ...log, error: outcome.error, final } }, final ? 'dci callback failed; giving up' : 'dci callback failed; retrying');
    if (correlationId)
      await this.record(correlationId, {
        delivery: { state: final ? 'failed' : 'pending', attempts: attempt, lastError: outcome.error },
        updatedAt: at,
      });
    // The pool tries it again after the backoff; after the last attempt it is a dead letter (an administrator may replay it).
    throw new DciDeliveryFailed(outcome.error);
  }
}

/** A callback attempt the sender's server refused or never answered (tried again after the backoff). */
class DciDeliveryFailed extends Error {}

/** What a dead letter shows: read from the job's headers, never its message's content. */
function deadLetterView({ id, data, attempts, lastError, failedAt }: PoolDeadLetter<DciJob>): DciDeadLetter {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const common = { id, kind: data.kind, attempts, lastError, failedAt };
  if (data.kind === 'search') {
    const header = (data.request.header ?? {}) as Record<string, unknown>;
    const message = (data.request.message ?? {}) as Record<string, unknown>;
    return {
      ...common,
      action: 'search',
      senderId: text(header.sender_id) ?? '',
      transactionId: text(message.transaction_id),
      correlationId: data.correlationId,
      messageId: text(header.message_id),
    };
  }
  const { header = {}, message = {} } = data.body as { header?: Record<string, unknown>; message?: Record<string, unknown> };
  return {
    ...common,
    action: text(header.action) ?? '',
    // The answer goes back to whoever asked: its receiver.
    senderId: text(header.receiver_id) ?? '',
    transactionId: text(message.transaction_id),
    correlationId: data.correlationId ?? text(message.correlation_id),
    messageId: text(header.message_id),
    callbackUrl: data.url,
  };
}

/** The empty txnstatus_response of a refused status request, in the shape of the type asked about. */
function rejectedStatus(txnType: 'search' | 'subscribe' | 'unsubscribe', timestamp: string) {
  if (txnType === 'search') return { txn_type: 'search' as const, txn_status: { transaction_id: '', correlation_id: '', search_response: [] } };
  if (txnType === 'subscribe') return { txn_type: 'on-subscribe' as const, txn_status: { transaction_id: '', correlation_id: '', subscribe_response: [] } };
  return { txn_type: 'on-unsubscribe' as const, txn_status: { transaction_id: '', correlation_id: '', timestamp, status: 'rjct', subscription_status: [] } };
}
