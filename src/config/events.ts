import { z } from 'zod';
import { retryBackoffFields } from './retry.js';
import { secretSchema } from './secret.js';

/** Event types a subscription can ask for (CloudEvents `type` is `org.openg2p.registry.` + one of these). */
export const EVENT_TYPES = [
  'individual.registered',
  'individual.updated',
  'individual.archived',
  'group.registered',
  'group.updated',
  'group.archived',
  'membership.added',
  'membership.updated',
  'membership.ended',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const httpUrl = z
  .string()
  .url()
  .refine(
    (u) => /^https?:$/.test(new URL(u).protocol) && new URL(u).username === '' && new URL(u).password === '' && new URL(u).hash === '',
    'an http(s) URL without user, password or fragment',
  );

/** Webhook secrets: Standard Webhooks' `whsec_<base64>`, or any other string of 24+ characters (used as UTF-8 bytes). */
export const webhookSecretSchema = secretSchema.refine((s) => s.length >= 24, 'at least 24 characters');

export const webhookDeclarationSchema = z
  .object({
    /** Stable id (letters, digits, `-`, `_`): names the subscription in metrics, dead letters and the API. */
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    url: httpUrl,
    secret: webhookSecretSchema,
    /** Event types sent; all when omitted. */
    types: z.array(z.enum(EVENT_TYPES)).min(1).optional(),
    /** `full`: the record's REST representation in `data`; `ids`: only its type and id. */
    payload: z.enum(['full', 'ids']).default('full'),
  })
  .strict();

/** The `events:` section: the change detector and the webhooks it feeds. */
export const eventsSettingsSchema = z
  .object({
    /** Runs the change detector and delivers webhooks (needs an Odoo account that reads the registry). */
    enabled: z.boolean().default(false),
    /** How often the detector asks Odoo for changes (one call per model and page). */
    pollIntervalMs: z.number().int().min(50).default(1_000),
    /** Records read per model and call. */
    pageSize: z.number().int().min(1).max(1000).default(200),
    /** Where the detector starts the first time (no cursor yet): `now` (only later changes) or `beginning` (every record, once). */
    startFrom: z.enum(['now', 'beginning']).default('now'),
    /** One gateway detects and delivers at a time: the holder of this lease (in Redis when configured), renewed every poll. */
    leaseMs: z.number().int().min(500).default(15_000),
    /** Events kept in the event log for subscriptions to catch up from (oldest dropped beyond it). */
    maxLogEvents: z.number().int().min(100).default(100_000),
    delivery: z
      .object({
        /** Attempts of one event to one receiver before it goes to the dead-letter list. */
        attempts: z.number().int().min(1).max(50).default(10),
        ...retryBackoffFields(1_000),
        /** One attempt (connect + answer) may take this long. */
        timeoutMs: z.number().int().positive().default(10_000),
        /** Events a receiver's queue reads from the log at a time. */
        batchSize: z.number().int().min(1).max(1000).default(100),
        /** Dead letters kept per subscription (the oldest dropped beyond). */
        maxDeadLetters: z.number().int().min(1).default(10_000),
      })
      .strict()
      .prefault({}),
    webhooks: z
      .object({
        /** Subscriptions declared here (secrets may be `{ env: NAME }` or `{ file: path }` references). */
        subscriptions: z.array(webhookDeclarationSchema).default([]),
        /**
         * URLs under which webhooks created through the API may point (same scheme, host, port; path at
         * or below). Empty: the API cannot create webhooks, only YAML can.
         */
        allowedTargets: z.array(httpUrl).default([]),
        /** Webhooks the API may hold. */
        maxSubscriptions: z.number().int().min(1).default(100),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((settings, ctx) => {
    const ids = settings.webhooks.subscriptions.map((s) => s.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['webhooks', 'subscriptions'], message: `webhook id "${dup}" is declared twice` });
  });

export type EventsSettings = z.output<typeof eventsSettingsSchema>;
