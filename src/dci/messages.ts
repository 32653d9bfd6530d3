import { randomUUID, type KeyObject } from 'node:crypto';
import type { z } from 'zod';
import type { DciSettings } from '../config/dci.js';
import { MemoryReplayGuard, type MessageReplayGuard } from '../state/replay-guard.js';
import { resolveCallbackUrl } from './callback-url.js';
import type { Ack, ErrorCode, HeaderReasonCode, RequestHeader, ResponseHeader } from './envelope.js';
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
  /** Signs answers; by default made from `settings.signingKey` (unsigned without one). */
  signer?: Signer;
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
  private readonly senderKeys = new Map<string, Map<string, KeyObject>>();
  private readonly replayGuard: MessageReplayGuard;
  readonly signer: Signer | undefined;

  constructor(options: DciMessagesOptions) {
    this.settings = options.settings;
    this.now = options.now ?? Date.now;
    for (const [senderId, sender] of Object.entries(this.settings.senders)) {
      this.senderKeys.set(senderId, loadPublicKeys(sender.publicKeys, `dci.senders.${senderId}.publicKeys`));
    }
    this.replayGuard = options.replayGuard ?? new MemoryReplayGuard(this.settings.duplicateWindowSeconds * 1000);
    this.signer = options.signer ?? dciSigner(this.settings);
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
    return {
      version: '1.0.0',
      message_id: request.message_id,
      message_ts: new Date(this.now()).toISOString(),
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
    const signature = this.signer?.sign(header, message, Math.floor(this.now() / 1000));
    return { ...(signature ? { signature } : {}), header, message } as E & { signature?: string };
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
      nowSeconds: Math.floor(this.now() / 1000),
      maxLifetimeSeconds: this.settings.signatureExpirySeconds,
      clockSkewSeconds: this.settings.signatureClockSkewSeconds,
    });
    if (!check.ok) throw new DciMessageError(check.code, check.reason);
  }
}

/** The signer of this registry's DCI messages, when a signing key is configured. */
export function dciSigner(settings: DciSettings): Signer | undefined {
  return settings.signingKey ? createMessageSigner(settings.signingKey, settings.registryId, settings.keyId, settings.signatureExpirySeconds) : undefined;
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
