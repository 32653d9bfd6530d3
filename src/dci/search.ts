import { randomUUID, type KeyObject } from 'node:crypto';
import type { z } from 'zod';
import type { OdooClient } from '../odoo/types.js';
import { AttributeCatalog } from './attributes.js';
import { compileSearchDomain } from './domain.js';
import {
  requestEnvelopeSchema,
  searchItemSchema,
  type ErrorCode,
  type HeaderReasonCode,
  type RequestEnvelope,
  type RequestHeader,
  type ResponseEnvelope,
  type ResponseHeader,
  type SearchResponseItem,
} from './envelope.js';
import { odooLookups } from './lookups.js';
import { isPlainObject, parseSearch } from './query.js';
import { fetchPage } from './page.js';
import { RecordMapper } from './records.js';
import { SearchRejection } from './rejection.js';
import { MemoryReplayGuard, type MessageReplayGuard } from './replay-guard.js';
import type { DciSettings } from './settings.js';
import { createMessageSigner, loadPublicKeys, verifyMessageSignature, type Signer } from './signature.js';

/** A message refused as a whole before any work (envelope, sender, signature): answered with an ERR acknowledgement. */
export class DciMessageError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DciMessageError';
  }
}

export interface DciSearchOptions {
  settings: DciSettings;
  /** Signs answers; by default made from `settings.signingKey` (unsigned without one). */
  signer?: Signer;
  now?: () => Date;
  /** Shared between replicas (the state store's); by default this process's own memory. */
  replayGuard?: MessageReplayGuard;
}

/**
 * The DCI Social Registry sync search: envelope checks (signature, action, duplicates, counts),
 * then each search request compiled and run against the registry on its own, so one rejected
 * request does not take the others down.
 */
export class DciSearchService {
  private readonly settings: DciSettings;
  private readonly now: () => Date;
  private readonly catalog: AttributeCatalog;
  private readonly mapper: RecordMapper;
  private readonly senderKeys = new Map<string, Map<string, KeyObject>>();
  private readonly replayGuard: MessageReplayGuard;
  readonly signer: Signer | undefined;

  constructor(options: DciSearchOptions) {
    this.settings = options.settings;
    this.now = options.now ?? (() => new Date());
    this.catalog = new AttributeCatalog(this.settings);
    this.mapper = new RecordMapper(this.settings);
    for (const [senderId, sender] of Object.entries(this.settings.senders)) {
      this.senderKeys.set(senderId, loadPublicKeys(sender.publicKeys, `dci.senders.${senderId}.publicKeys`));
    }
    this.replayGuard = options.replayGuard ?? new MemoryReplayGuard(this.settings.duplicateWindowSeconds * 1000);
    this.signer = options.signer ?? dciSigner(this.settings);
  }

  /** Answers one request body; throws DciMessageError for messages refused as a whole. */
  async search(body: unknown, odoo: () => OdooClient, options: { signal?: AbortSignal; expectedSender?: string } = {}): Promise<ResponseEnvelope> {
    const envelope = this.accept(body, requestEnvelopeSchema, options.expectedSender);
    const rejection = await this.headerRejection(envelope, 'search');
    if (rejection) return this.respond(envelope, { status: 'rjct', status_reason_code: rejection.code, status_reason_message: rejection.message, completed_count: 0 }, []);
    return this.answer(envelope, odoo, { ...options, forgetOnFailure: true });
  }

  /**
   * The checks every DCI message passes before anything else: the envelope's shape, the
   * sender (`expectedSender`: the one a client-credentials token is bound to), the signature,
   * and no encryption. Throws DciMessageError.
   */
  accept<S extends z.ZodType<{ signature?: string | undefined; header: RequestHeader }>>(body: unknown, schema: S, expectedSender?: string): z.output<S> {
    const envelope = this.readEnvelope(body, schema);
    if (expectedSender !== undefined && envelope.header.sender_id !== expectedSender) {
      throw new DciMessageError('err.sender_id.invalid', 'header.sender_id is not the sender this client is registered as.');
    }
    this.checkSignature(envelope, body as { header: unknown; message: unknown });
    if (envelope.header.is_msg_encrypted) throw new DciMessageError('err.encryption.invalid', 'Encrypted messages are not supported by this registry.');
    return envelope;
  }

  /** Header-level reasons to refuse a whole message (the standard's MsgHeaderStatusReasonCode), checked before any work. */
  async headerRejection(envelope: { header: RequestHeader; message: unknown }, action: 'search' | 'txn-status' | 'subscribe' | 'unsubscribe'): Promise<{ code: HeaderReasonCode; message: string } | undefined> {
    const { header } = envelope;
    if (header.version !== undefined && header.version !== '' && !header.version.startsWith('1.0')) return { code: 'rjct.version.invalid', message: `Version ${header.version} is not supported (1.0.0).` };
    if (header.action !== action) return { code: 'rjct.action.invalid', message: `action must be "${action}" on this endpoint, not "${header.action}".` };
    const items = action === 'search' ? (envelope as RequestEnvelope).message.search_request : action === 'subscribe' ? (envelope.message as { subscribe_request: unknown[] }).subscribe_request : undefined;
    if (items) {
      if (header.total_count !== items.length) return { code: 'rjct.total_count.invalid', message: `header.total_count is ${header.total_count} but the message carries ${items.length} ${action} request(s).` };
      if (items.length > this.settings.maxSearchRequests) return { code: 'rjct.total_count.limit_exceeded', message: `At most ${this.settings.maxSearchRequests} search requests per message.` };
    }
    if (!(await this.replayGuard.firstSighting(header.sender_id, header.message_id, this.now().getTime()))) {
      return { code: 'rjct.message_id.duplicate', message: `message_id ${header.message_id} was already received.` };
    }
    return undefined;
  }

  /**
   * Runs each search request of an accepted message. `forgetOnFailure`: when Odoo cannot be
   * reached the message is forgotten by the duplicate check, so the sender's retry is not
   * called a duplicate (the async routes retry it themselves instead).
   */
  async answer(
    envelope: RequestEnvelope,
    odoo: () => OdooClient,
    options: { signal?: AbortSignal; correlationId?: string; forgetOnFailure?: boolean } = {},
  ): Promise<ResponseEnvelope> {
    const { header, message } = envelope;
    const items = message.search_request;
    const signal = options.signal;
    const references = new Map<string, number>();
    items.forEach((item, index) => {
      const ref = isPlainObject(item) && typeof item.reference_id === 'string' ? item.reference_id : '';
      if (ref !== '' && !references.has(ref)) references.set(ref, index);
    });
    let answers: SearchResponseItem[];
    try {
      const client = odoo();
      answers = await Promise.all(items.map((item, index) => this.answerItem(item, index, references, client, signal)));
    } catch (err) {
      // If the store cannot forget it either, the sender's retry is refused as a duplicate until the window ends: never answered twice.
      if (options.forgetOnFailure) await this.replayGuard.forget(header.sender_id, header.message_id).catch(() => undefined);
      throw err;
    }
    const succeeded = answers.some((answer) => answer.status === 'succ');
    return this.respond(envelope, { status: succeeded ? 'succ' : 'rjct', completed_count: answers.length }, answers, options.correlationId);
  }

  private readEnvelope<S extends z.ZodType>(body: unknown, schema: S): z.output<S> {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw new DciMessageError('err.request.bad', `${where}: ${issue?.message ?? 'invalid'}`);
  }

  /**
   * A sender that must sign is refused without a valid signature. A signature sent by a sender
   * whose keys are known is always checked, even where not required: a bad one is never ignored.
   */
  private checkSignature(envelope: { signature?: string | undefined; header: RequestHeader }, raw: { header: unknown; message: unknown }): void {
    const senderId = envelope.header.sender_id;
    const keys = this.senderKeys.get(senderId) ?? new Map<string, KeyObject>();
    const required = this.settings.senders[senderId]?.requireSignature ?? this.settings.requireSignatureByDefault;
    const present = (envelope.signature ?? '').trim() !== '';
    if (!required && (!present || keys.size === 0)) return;
    const check = verifyMessageSignature({
      signature: envelope.signature,
      senderId,
      // The digest covers the JSON as sent: the parsed envelope drops unknown members and converts counts.
      header: raw.header,
      message: raw.message,
      keys,
      nowSeconds: Math.floor(this.now().getTime() / 1000),
      maxLifetimeSeconds: this.settings.signatureExpirySeconds,
      clockSkewSeconds: this.settings.signatureClockSkewSeconds,
    });
    if (!check.ok) throw new DciMessageError(check.code, check.reason);
  }

  private async answerItem(raw: unknown, index: number, references: Map<string, number>, client: OdooClient, signal?: AbortSignal): Promise<SearchResponseItem> {
    const referenceId = isPlainObject(raw) && typeof raw.reference_id === 'string' ? raw.reference_id : '';
    const base = { reference_id: referenceId, timestamp: this.now().toISOString() };
    const reject = (rejection: SearchRejection): SearchResponseItem => ({
      ...base,
      status: 'rjct',
      status_reason_code: rejection.code,
      status_reason_message: rejection.message.slice(0, 999),
    });
    const parsed = searchItemSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue?.path[0] ?? '');
      const code = field === 'reference_id' ? 'rjct.reference_id.invalid' : field === 'timestamp' ? 'rjct.timestamp.invalid' : 'rjct.search_criteria.invalid';
      return reject(new SearchRejection(code, `${issue?.path.join('.') || 'search_request'}: ${issue?.message ?? 'invalid'}`));
    }
    const item = parsed.data;
    const locale = dciLocale(item.locale);
    if (referenceId !== '' && references.get(referenceId) !== index) {
      return reject(new SearchRejection('rjct.reference_id.duplicate', `reference_id ${referenceId} appears more than once in this message.`));
    }
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(item.timestamp) || Number.isNaN(Date.parse(item.timestamp))) {
      return reject(new SearchRejection('rjct.timestamp.invalid', 'timestamp must be an ISO 8601 date-time.'));
    }
    try {
      const search = parseSearch(item.search_criteria, this.catalog, this.settings);
      const today = this.now().toISOString().slice(0, 10);
      const domain = await compileSearchDomain(search.entity, search.condition, { lookups: odooLookups(client, this.settings.maxLookupRows, signal), settings: this.settings, today });
      const offset = (search.pageNumber - 1) * search.pageSize;
      const { total, records } = await fetchPage(client, search.entity, domain, { offset, limit: search.pageSize, order: search.order, ...(signal ? { signal } : {}) });
      if (total > this.settings.maxTotalCount) {
        throw new SearchRejection('rjct.search.too_many_records_found', `${total} registrants match; this registry answers at most ${this.settings.maxTotalCount}: narrow the search.`);
      }
      return {
        ...base,
        status: 'succ',
        data: { version: '1.0.0', reg_records: records.map((record) => this.mapper.toRecord(search.entity, record)) },
        pagination: { page_size: search.pageSize, page_number: search.pageNumber, total_count: total },
        ...(locale ? { locale } : {}),
      };
    } catch (err) {
      if (err instanceof SearchRejection) return reject(err);
      throw err;
    }
  }

  private respond(
    envelope: RequestEnvelope,
    status: Pick<ResponseHeader, 'status' | 'status_reason_code' | 'status_reason_message' | 'completed_count'>,
    answers: SearchResponseItem[],
    correlationId: string = randomUUID(),
  ): ResponseEnvelope {
    const header = this.responseHeader(envelope.header, 'on-search', { ...status, total_count: envelope.message.search_request.length });
    const message = { transaction_id: envelope.message.transaction_id, correlation_id: correlationId, search_response: answers };
    return this.signed({ header, message });
  }

  /** The header of an answer to a request header: this registry as sender, the request's message_id. */
  responseHeader<A extends ResponseHeader['action']>(
    request: Pick<RequestHeader, 'message_id' | 'sender_id'>,
    action: A,
    status: Pick<ResponseHeader, 'status' | 'status_reason_code' | 'status_reason_message' | 'completed_count' | 'total_count' | 'meta'>,
  ): ResponseHeader & { action: A } {
    return {
      version: '1.0.0',
      message_id: request.message_id,
      message_ts: this.now().toISOString(),
      action,
      ...status,
      sender_id: this.settings.registryId,
      receiver_id: request.sender_id,
      is_msg_encrypted: false,
    };
  }

  /** The envelope with this registry's signature, when it has a signing key (signed anew on every call). */
  signed<E extends { header: unknown; message: unknown }>(envelope: E): E & { signature?: string } {
    const { header, message } = envelope;
    const signature = this.signer?.sign(header, message, Math.floor(this.now().getTime() / 1000));
    return { ...(signature ? { signature } : {}), header, message } as E & { signature?: string };
  }
}

/** The signer of this registry's DCI messages, when a signing key is configured. */
export function dciSigner(settings: DciSettings): Signer | undefined {
  return settings.signingKey ? createMessageSigner(settings.signingKey, settings.registryId, settings.keyId, settings.signatureExpirySeconds) : undefined;
}

const TWO_TO_THREE: Record<string, string> = { en: 'eng', fr: 'fra', es: 'spa', pt: 'por', ar: 'ara', sw: 'swa', am: 'amh', hi: 'hin', tl: 'tgl', id: 'ind' };

/** The response's locale is ISO 639-3 (`^[a-z]{3}$`): "eng" stays, "en", "EN/GB" and "en-GB" become "eng", anything else is left out. */
function dciLocale(locale: string | undefined): string | undefined {
  if (!locale) return undefined;
  const language = locale.trim().toLowerCase().split(/[-_/]/)[0] ?? '';
  if (/^[a-z]{3}$/.test(language)) return language;
  // Own keys only: `constructor` must not find what every object inherits.
  return Object.hasOwn(TWO_TO_THREE, language) ? TWO_TO_THREE[language] : undefined;
}
