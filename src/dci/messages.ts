import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DciSettings } from '../config/dci.js';
import { MemoryReplayGuard, type MessageReplayGuard } from '../state/replay-guard.js';
import { resolveCallbackUrl } from './callback-url.js';
import { requestHeaderSchema, type Ack, type HeaderReasonCode, type RequestHeader, type ResponseHeader } from './envelope.js';
import type { MessageSecurity, RequestSecurity } from './message-security.js';
import { DciMessageError } from './rejection.js';

export { DciMessageError };

/** What is read of a message before its signature and encryption are checked: who sent it. */
const outerEnvelopeSchema = z.object({ signature: z.string().optional(), header: requestHeaderSchema, message: z.unknown() });

export type MessageAction = 'search' | 'txn-status' | 'subscribe' | 'unsubscribe';

/** The standard's callback of each async action, under the sender's registered callback URL when its request names none. */
export const CALLBACK_PATHS: Record<MessageAction | 'notify', string> = {
  search: '/registry/on-search',
  'txn-status': '/registry/txn/on-status',
  subscribe: '/registry/on-subscribe',
  unsubscribe: '/registry/on-unsubscribe',
  notify: '/registry/notify',
};

export interface DciMessagesOptions {
  settings: DciSettings;
  /** Signatures and encryption (answers unsigned without `signingKey`). */
  security: MessageSecurity;
  /** Shared between replicas (the state store's); by default this process's own memory. */
  replayGuard?: MessageReplayGuard;
  now?: () => number;
}

/**
 * What every DCI message goes through, whatever it asks: the envelope read against its schema,
 * the sender and its signature, the header's refusals (version, action, counts, a message_id
 * seen before: the replay guard), and on the way out the response header, this registry's
 * signature, acknowledgements, and where a sender's callbacks may go.
 */
export class DciMessages {
  private readonly settings: DciSettings;
  private readonly now: () => number;
  private readonly replayGuard: MessageReplayGuard;
  readonly security: MessageSecurity;
  /** How each accepted request came (by its parsed header), then each answer header made for it: what the answer is sealed as. */
  private readonly requestSecurity = new WeakMap<object, RequestSecurity>();
  /** The message in the clear of each accepted body that came encrypted (the async search queues it). */
  private readonly opened = new WeakMap<object, { header: unknown; message: unknown }>();

  constructor(options: DciMessagesOptions) {
    this.settings = options.settings;
    this.now = options.now ?? Date.now;
    this.replayGuard = options.replayGuard ?? new MemoryReplayGuard(this.settings.duplicateWindowSeconds * 1000);
    this.security = options.security;
  }

  /**
   * The checks every DCI message passes before anything else: the envelope's header, the
   * sender (`expectedSender`: the one a client-credentials token is bound to), the signature
   * (in any of its forms), the encryption, then the message (in the clear) against its schema.
   * Throws DciMessageError.
   */
  async accept<S extends z.ZodType<{ signature?: string | undefined; header: RequestHeader }>>(
    body: unknown,
    schema: S,
    expectedSender?: string,
  ): Promise<z.output<S>> {
    const outer = this.readEnvelope(body, outerEnvelopeSchema);
    if (expectedSender !== undefined && outer.header.sender_id !== expectedSender) {
      throw new DciMessageError('err.sender_id.invalid', 'header.sender_id is not the sender this client is registered as.');
    }
    // Signatures cover the JSON as sent: the parsed envelope drops unknown members and converts counts.
    const raw = body as { signature?: unknown; header: { sender_id: string; is_msg_encrypted?: unknown }; message: unknown };
    const { message, security } = await this.security.open(raw);
    const plain = security.encrypted ? { ...raw, message } : raw;
    const envelope = this.readEnvelope(plain, schema);
    if (security.encrypted) this.opened.set(body as object, { header: raw.header, message });
    this.requestSecurity.set(envelope.header, security);
    this.security.remember(outer.header.sender_id, security);
    return envelope;
  }

  /** The body as accepted, its message in the clear when it came encrypted. */
  plainBody(body: unknown): { header: unknown; message: unknown } {
    return this.opened.get(body as object) ?? (body as { header: unknown; message: unknown });
  }

  /** Header-level reasons to refuse a whole message (the standard's MsgHeaderStatusReasonCode), checked before any work. */
  async headerRejection(
    envelope: { header: RequestHeader; message: unknown },
    action: MessageAction,
  ): Promise<{ code: HeaderReasonCode; message: string } | undefined> {
    const { header } = envelope;
    if (header.version !== undefined && header.version !== '' && !header.version.startsWith('1.0'))
      return { code: 'rjct.version.invalid', message: `Version ${header.version} is not supported (1.0.0).` };
    if (header.action !== action) return { code: 'rjct.action.invalid', message: `action must be "${action}" on this endpoint, not "${header.action}".` };
    const message = envelope.message as { search_request?: unknown[]; subscribe_request?: unknown[] };
    const items = action === 'search' ? message.search_request : action === 'subscribe' ? message.subscribe_request : undefined;
    if (items) {
      if (header.total_count !== items.length)
        return {
          code: 'rjct.total_count.invalid',
          message: `header.total_count is ${header.total_count} but the message carries ${items.length} ${action} request(s).`,
        };
      if (items.length > this.settings.maxSearchRequests)
        return { code: 'rjct.total_count.limit_exceeded', message: `At most ${this.settings.maxSearchRequests} search requests per message.` };
    }
    if (!(await this.replayGuard.firstSighting(header.sender_id, header.message_id, this.now()))) {
      return { code: 'rjct.message_id.duplicate', message: `message_id ${header.message_id} was already received.` };
    }
    return undefined;
  }

  /**
   * Header-level refusals of an async message are answered in the acknowledgement: nothing is
   * queued, no callback follows, and a replayed message cannot mask the status of the
   * transaction it copies.
   */
  async refuseHeader(envelope: { header: RequestHeader; message: unknown }, action: MessageAction): Promise<void> {
    const rejection = await this.headerRejection(envelope, action);
    if (rejection) throw new DciMessageError('err.request.bad', `${rejection.code}: ${rejection.message}`);
  }

  /** Forgets a message that could not be answered (Odoo down), so the sender's retry is not called a duplicate. */
  forget(header: Pick<RequestHeader, 'sender_id' | 'message_id'>): Promise<void> {
    return this.replayGuard.forget(header.sender_id, header.message_id);
  }

  /**
   * Where the answer to this sender's `action` goes: its `sender_uri` itself when at or below its
   * registered callback URL (else err.sender_uri.invalid); without one, the registered URL plus
   * the standard's path of that callback. Notifications, which answer no request, always go to
   * the registered URL's `/registry/notify`.
   */
  senderCallbackUrl(senderId: string, senderUri: string | undefined, action: MessageAction | 'notify'): string {
    const resolution = resolveCallbackUrl(action === 'notify' ? undefined : senderUri, this.settings.senders[senderId]?.callbackUrl, CALLBACK_PATHS[action]);
    if (!resolution.ok) throw new DciMessageError('err.sender_uri.invalid', resolution.reason);
    return resolution.url;
  }

  /** The header of an answer to a request header: this registry as sender, the request's message_id. */
  responseHeader<A extends ResponseHeader['action']>(
    request: Pick<RequestHeader, 'message_id' | 'sender_id'>,
    action: A,
    status: Pick<ResponseHeader, 'status' | 'status_reason_code' | 'status_reason_message' | 'completed_count' | 'total_count' | 'meta'>,
  ): ResponseHeader & { action: A } {
    const header = {
      version: '1.0.0',
      message_id: request.message_id,
      message_ts: new Date(this.now()).toISOString(),
      action,
      ...status,
      sender_id: this.settings.registryId,
      receiver_id: request.sender_id,
      is_msg_encrypted: false,
    };
    const security = this.requestSecurity.get(request);
    if (security) this.requestSecurity.set(header, security);
    return header;
  }

  /**
   * The envelope as sent to its receiver (`header.receiver_id`): encrypted when it asked so,
   * signed in its form when the gateway has a signing key (anew on every call: a retry an hour
   * later must not carry an expired signature).
   */
  signed<E extends { header: unknown; message?: unknown }>(envelope: E, request?: RequestSecurity): Promise<E & { signature?: string }> {
    const receiverId = (envelope.header as { receiver_id?: unknown }).receiver_id;
    return this.security.seal(
      envelope,
      typeof receiverId === 'string' ? receiverId : undefined,
      request ?? this.requestSecurity.get(envelope.header as object),
    );
  }

  /**
   * How the request behind a header (a request's, or an answer's made from it) came: kept with
   * queued work, because the association lives in this process only and a job may be worked
   * after a restart or on another replica, where the sender's latest request may have come
   * otherwise (an encrypted search must be answered encrypted, whatever came since).
   */
  securityOf(header: unknown): RequestSecurity | undefined {
    return typeof header === 'object' && header !== null ? this.requestSecurity.get(header) : undefined;
  }

  /** Ties a request header read back from queued work to how its request came (see securityOf). */
  restoreSecurity(header: object, security: RequestSecurity | undefined): void {
    if (security) this.requestSecurity.set(header, security);
  }

  ack(
    status: Ack['message']['ack_status'],
    correlationId: string = randomUUID(),
    error?: { code: NonNullable<Ack['message']['error']>['code']; message: string },
  ): Ack {
    return {
      message: {
        ack_status: status,
        timestamp: new Date(this.now()).toISOString(),
        ...(error ? { error: { code: error.code, message: error.message.slice(0, 999) } } : {}),
        correlation_id: correlationId,
      },
    };
  }

  private readEnvelope<S extends z.ZodType>(body: unknown, schema: S): z.output<S> {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw new DciMessageError('err.request.bad', `${where}: ${issue?.message ?? 'invalid'}`);
  }
}

/** A request item's `timestamp`: an ISO 8601 date-time (the schema takes any string). */
export const isItemTimestamp = (timestamp: string): boolean => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(timestamp) && !Number.isNaN(Date.parse(timestamp));

/**
 * Why a request item (search or subscribe) does not parse: its reference_id or timestamp by
 * their own codes, anything else by the code `otherwise` gives for the issue.
 */
export function itemRejection<C extends string>(
  error: z.ZodError,
  what: string,
  otherwise: (issue: z.ZodError['issues'][number] | undefined) => C,
): { code: C | 'rjct.reference_id.invalid' | 'rjct.timestamp.invalid'; message: string } {
  const issue = error.issues[0];
  const field = String(issue?.path[0] ?? '');
  const code = field === 'reference_id' ? 'rjct.reference_id.invalid' : field === 'timestamp' ? 'rjct.timestamp.invalid' : otherwise(issue);
  return { code, message: `${issue?.path.join('.') || what}: ${issue?.message ?? 'invalid'}` };
}
