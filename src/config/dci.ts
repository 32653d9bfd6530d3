import { z } from 'zod';
import { retryBackoffFields } from './retry.js';
import { secretSchema } from './secret.js';

/** An http(s) URL the gateway fetches or posts to: no user, password, query or fragment. */
const outboundUrl = z
  .string()
  .url()
  .refine(
    (u) =>
      /^https?:$/.test(new URL(u).protocol) && new URL(u).username === '' && new URL(u).password === '' && new URL(u).search === '' && new URL(u).hash === '',
    'an http(s) URL without user, password, query or fragment',
  );

/** The three ways a DCI message is signed (docs/dci.md, "Signatures"). */
export const SIGNATURE_FORMS = ['string', 'detached-jws', 'compact-jws'] as const;
export type SignatureForm = (typeof SIGNATURE_FORMS)[number];

/** One DCI sender (an SP-MIS or another registry) the gateway knows by its `header.sender_id`. */
const senderSchema = z
  .object({
    /**
     * Public keys (SPKI PEM; Ed25519, RSA of 2048 bits or more, or EC P-256) by key id: the
     * middle part of a signature string's `kidId`, a JWS's `kid`.
     */
    publicKeys: z.record(z.string().min(1), secretSchema).default({}),
    /**
     * The sender's JWK Set (e.g. `{sender}/.well-known/jwks.json`), used next to `publicKeys`:
     * fetched without following redirects, bounded (`dci.senderKeySets`), cached, fetched again
     * for an unknown `kid`. An RSA key with `"use": "enc"` in it is what answers are encrypted to.
     */
    jwksUrl: outboundUrl.optional(),
    /** A listed sender must sign unless this is false. */
    requireSignature: z.boolean().default(true),
    /** The form answers and callbacks to this sender are signed in; by default the form of its request (else the signature string). */
    signatureForm: z.enum(SIGNATURE_FORMS).optional(),
    /** Which of the gateway's signing keys (`dci.keyId` or one of `dci.additionalSigningKeys`) signs answers to this sender. */
    answerKeyId: z.string().min(1).optional(),
    /**
     * `optional`: the sender may send `EncryptedMessage`s (answers to an encrypted request are
     * encrypted); `required`: it must, and every answer and callback to it is encrypted.
     */
    encryption: z.enum(['optional', 'required']).default('optional'),
    /** RSA public key (SPKI PEM) answers are encrypted to; else the `use: "enc"` key of its JWKS. */
    encryptionKey: secretSchema.optional(),
    /**
     * Where async answers to this sender go. A request's `header.sender_uri` is the callback URL
     * itself (the standard's MsgHeader), followed only when it lies at or below this URL (same
     * scheme, host and port, path at or below it); without one, this URL plus the standard's path
     * of the callback (`/registry/on-search`, `/registry/txn/on-status`, `/registry/on-subscribe`,
     * `/registry/on-unsubscribe`). Notifications always go to `{callbackUrl}/registry/notify`.
     */
    callbackUrl: outboundUrl.optional(),
  })
  .strict();

/** A key id: no `|` or `"` (it is written inside the signature string's `kidId`). */
const keyIdSchema = z.string().regex(/^[^|"]+$/);

/** The async routes (`/registry/search`, `/registry/txn/status`): deliveries of answers to senders' callbacks. */
const asyncSchema = z
  .object({
    /** Delivery attempts of one callback before it is recorded as failed. */
    deliveryAttempts: z.number().int().min(1).max(20).default(6),
    ...retryBackoffFields(2_000),
    /** One delivery attempt (connect + answer) may take this long. */
    deliveryTimeoutMs: z.number().int().positive().default(10_000),
    /** Attempts of a search that fails for want of Odoo before it is recorded as failed. */
    searchAttempts: z.number().int().min(1).max(10).default(3),
    /** Searches and deliveries worked on at once (per gateway process). */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Beyond this many searches and deliveries waiting, new async messages are refused (503); counted at most every 100 ms per process. */
    maxPending: z.number().int().positive().default(10_000),
    /** How long finished transactions stay answerable by the status routes (seconds). */
    retentionSeconds: z.number().int().positive().default(86_400),
  })
  .strict();

/** An extra queryable attribute on a stored res.partner field (e.g. a custom `x_` field). */
const extraAttributeSchema = z
  .object({
    odooField: z.string().regex(/^[a-z_][a-z0-9_]*$/),
    type: z.enum(['string', 'number', 'date']),
    entity: z.enum(['Group', 'Member', 'both']).default('both'),
    sortable: z.boolean().default(true),
  })
  .strict();

/** The `dci:` section of the configuration: the DCI Social Registry search API. */
export const dciSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** The search is served at `/registry/sync/search` and again under this prefix. */
    prefix: z
      .string()
      .regex(/^\/[a-z0-9/_-]*[a-z0-9]$/)
      .default('/dci'),
    /** This registry's id: `sender_id` of responses and the first part of its signatures' `kidId`. */
    registryId: z.string().min(1).default('g2p-social-registry'),
    /** DCI identifier type -> OpenG2P ID type name (g2p.id.type). The first key naming a type is used on output. */
    idTypes: z.record(z.string().min(1), z.string().min(1)).default({ NID: 'National ID', UIN: 'National ID' }),
    /** DCI `sex` values (compared case-insensitively) -> OpenG2P gender values. */
    sexValues: z.record(z.string().min(1), z.string().min(1)).default({ male: 'Male', m: 'Male', female: 'Female', f: 'Female' }),
    extraAttributes: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/), extraAttributeSchema).default({}),
    defaultResponseEntity: z.enum(['Group', 'Member']).default('Group'),
    defaultPageSize: z.number().int().positive().default(20),
    /** Larger page sizes are capped to this (the response's pagination says the size used). */
    maxPageSize: z.number().int().positive().max(1000).default(100),
    /** A search matching more registrants than this is refused with rjct.search.too_many_records_found. */
    maxTotalCount: z.number().int().positive().default(10_000),
    /** Rows a lookup behind one condition (identifier values, group sizes) may read; a condition needing more is refused. */
    maxLookupRows: z.number().int().positive().default(50_000),
    /** Search requests one message may carry (beyond: rjct.total_count.limit_exceeded). */
    maxSearchRequests: z.number().int().positive().max(1000).default(20),
    /** A message_id seen from the same sender within this window is refused (rjct.message_id.duplicate). */
    duplicateWindowSeconds: z.number().int().positive().default(600),
    signatureExpirySeconds: z.number().int().positive().default(300),
    signatureClockSkewSeconds: z.number().int().min(0).default(60),
    senders: z.record(z.string().min(1), senderSchema).default({}),
    /** Whether a sender not listed in `senders` must sign (it then cannot, having no keys: it is refused). */
    requireSignatureByDefault: z.boolean().default(false),
    /**
     * The gateway's own private key (PKCS#8 PEM; Ed25519, RSA or EC P-256): responses are
     * signed when set. Its public key is published at /.well-known/jwks.json under `keyId`.
     */
    signingKey: secretSchema.optional(),
    keyId: keyIdSchema.default('gateway-key-1'),
    /** More signing keys by key id (e.g. an RSA key for senders that verify only RS256), chosen per sender by `answerKeyId`. */
    additionalSigningKeys: z.record(keyIdSchema, secretSchema).default({}),
    /** RSA signing keys sign PS256 instead of RS256 (a request signed PS256 is always answered PS256). */
    rsaSignatureAlgorithm: z.enum(['RS256', 'PS256']).default('RS256'),
    /** The gateway's RSA private key (PKCS#8 PEM) senders encrypt to (RSA-OAEP-256 + A256GCM); published with `use: "enc"`. */
    decryptionKey: secretSchema.optional(),
    decryptionKeyId: keyIdSchema.default('gateway-enc-1'),
    /** Bounds on fetching a sender's `jwksUrl`. */
    senderKeySets: z
      .object({
        cacheTtlMs: z.number().int().positive().default(600_000),
        /** An unknown `kid` (or a failed fetch) fetches again at most once per this interval. */
        minRefetchIntervalMs: z.number().int().min(0).default(30_000),
        timeoutMs: z.number().int().positive().default(5_000),
        maxBytes: z.number().int().positive().default(65_536),
      })
      .strict()
      .prefault({}),
    async: asyncSchema.prefault({}),
    /** `/registry/subscribe`: registry changes notified to senders' callbacks (served only with `events.enabled`). */
    subscriptions: z
      .object({
        /** Subscriptions one sender may hold (beyond: the new ones are rejected in on-subscribe). */
        maxPerSender: z.number().int().min(1).default(100),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type DciSettings = z.output<typeof dciSettingsSchema>;
export type DciSettingsInput = z.input<typeof dciSettingsSchema>;
