import { eventsSettingsSchema } from './events.js';
import { isIP } from 'node:net';
import { z } from 'zod';
import { authSchema } from './auth.js';
import { secretSchema } from './secret.js';
import { dciSettingsSchema } from './dci.js';
import { endpointListSchema } from '../endpoints/declaration.js';
import { odooSettingsSchema } from '../odoo/settings.js';
import { outboundSettingsSchema } from '../outbound/address-policy.js';

/** proxy-addr's names for address ranges (loopback, linklocal, uniquelocal), or an IPv4/IPv6 address with an optional /prefix. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}
const proxyAddress = z.string().trim().refine(isProxyAddress, 'must be an IP address, an address/prefix (CIDR) or loopback, linklocal, uniquelocal');

/**
 * Which peers' X-Forwarded-For is believed: false (none), the number of proxy hops in front of
 * the gateway, or the proxies' addresses/CIDRs. `true` (every peer) is refused: any client
 * could then choose the address its rate limit and failed-authentication budget count against.
 */
const trustProxySchema = z.union([
  z.literal(false),
  z
    .literal(true)
    .refine(() => false, "true would trust every peer (clients could pick their own address): give the proxies' addresses/CIDRs or the number of hops"),
  z.number().int().min(1).max(10),
  z.array(proxyAddress).min(1),
  proxyAddress,
]);

const account = z.object({ login: z.string().min(1), password: secretSchema }).strict();

/** The Odoo settings (src/odoo/settings.ts) and the accounts the gateway acts as; unknown keys are refused. */
export const odooSchema = odooSettingsSchema
  .extend({
    /**
     * Odoo accounts the gateway acts as. `default` serves every role unless a role has its
     * own account (defence in depth: Odoo's access rules then apply as a second wall).
     */
    accounts: z.object({ default: account, read: account.optional(), write: account.optional() }).strict(),
  })
  .strict();

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(3000),
        bodyLimitBytes: z.number().int().positive().default(1_048_576),
        /** JSON bodies nesting objects/arrays deeper than this are refused (400) before they are parsed. */
        maxJsonDepth: z.number().int().min(2).max(1000).default(64),
        requestTimeoutMs: z.number().int().positive().default(30_000),
        shutdownGraceMs: z.number().int().positive().default(10_000),
        trustProxy: trustProxySchema.default(false),
        /** Load shedding: 503 with Retry-After while the event loop is saturated (0 disables a check). */
        underPressure: z
          .object({
            enabled: z.boolean().default(true),
            maxEventLoopDelayMs: z.number().int().min(0).default(1000),
            maxEventLoopUtilization: z.number().min(0).max(1).default(0.98),
            sampleIntervalMs: z.number().int().positive().default(1000),
            retryAfterSeconds: z.number().int().positive().default(10),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** Refused requests (failed authentication) per client address: the first `linesPerWindow` logged in full, the rest summed up per window. */
        refusals: z
          .object({ windowMs: z.number().int().positive().default(60_000), linesPerWindow: z.number().int().min(0).default(20) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Absent: sandbox mode (the bundled simulator with demo data). */
    odoo: odooSchema.optional(),
    sandbox: z
      .object({
        seed: z.number().int().default(1),
        households: z.number().int().min(0).default(300),
        /** Port of the in-process simulator; 0 picks a free one. */
        odooPort: z.number().int().min(0).max(65535).default(0),
      })
      .strict()
      .prefault({}),
    auth: authSchema.prefault({}),
    /** Prometheus metrics: on a separate port, or on the API port behind a bearer token, or not served. */
    metrics: z
      .object({
        enabled: z.boolean().default(true),
        /** Bearer token /metrics requires (on either port). Absent on the API port: /metrics is not served. */
        token: secretSchema.optional(),
        /** Serve /metrics on its own listener (e.g. 9464, kept off the public ingress); absent: on the API port. */
        port: z.number().int().min(0).max(65535).optional(),
        host: z.string().default('127.0.0.1'),
      })
      .strict()
      .prefault({}),
    /** Requests per caller (token subject, else client IP) per window; 429 with Retry-After beyond. */
    rateLimit: z
      .object({
        enabled: z.boolean().default(true),
        max: z.number().int().positive().default(600),
        windowMs: z.number().int().positive().default(60_000),
        /** With Redis: when its counters cannot be reached, let requests through (`allow`) or refuse them with 503 (`refuse`). */
        whenStoreDown: z.enum(['allow', 'refuse']).default('allow'),
      })
      .strict()
      .prefault({}),
    /**
     * The failed-authentication budget: failed Basic logins, bearer tokens, token-endpoint client
     * secrets and DCI signatures per client address and per identity tried (login, client id,
     * sender) per window; past it 429 with Retry-After, and a Basic guess never reaches Odoo.
     * Counted in Redis when `redis.url` is set (one budget across replicas).
     */
    failedAuth: z
      .object({
        enabled: z.boolean().default(true),
        windowMs: z
          .number()
          .int()
          .positive()
          .default(15 * 60_000),
        maxPerAddress: z.number().int().positive().default(50),
        maxPerIdentity: z.number().int().positive().default(10),
      })
      .strict()
      .prefault({}),
    /**
     * Shared state for several replicas (idempotency keys, record write leases, rate-limit
     * counters, the DCI replay guard). Without `url` every guarantee holds within one process.
     */
    redis: z
      .object({
        /** redis://[user:password@]host:port[/db] or rediss:// (TLS). Also REDIS_URL / REDIS_URL_FILE. */
        url: secretSchema.regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
        /** Put before every key, so one Redis can serve several registries. */
        keyPrefix: z
          .string()
          .regex(/^[A-Za-z0-9:_.-]*$/)
          .default('g2p:'),
        connectTimeoutMs: z.number().int().positive().default(2_000),
        /** A command not answered in this time fails (the request needing it is refused with 503). */
        commandTimeoutMs: z.number().int().positive().default(1_000),
        /** How long an in-flight create or a record's write lease lasts unless renewed: what a replica dying mid-write blocks at most. */
        leaseMs: z.number().int().positive().default(60_000),
        /** Slack kept between a fenced write's deadline and its lease's end (clock rate, pauses). */
        leaseMarginMs: z.number().int().min(0).default(2_000),
        /** /readyz answers 503 while Redis is down (default false: reads go on, writes needing it get 503). */
        requiredForReadiness: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /**
     * The record cache (off by default): single-record reads of individuals, groups and
     * memberships answered from memory while the change detector vouches for them. Needs
     * `events.enabled`; with `redis.url` every replica shares its invalidations. See docs/cache.md.
     */
    cache: z
      .object({
        enabled: z.boolean().default(false),
        /** Memory the cached representations may take (bytes of their JSON), least recently used evicted first. */
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .default(64 * 1024 * 1024),
        /** No cached answer is older than this, whatever else holds. */
        maxAgeMs: z
          .number()
          .int()
          .min(100)
          .max(24 * 3600_000)
          .default(300_000),
      })
      .strict()
      .prefault({}),
    /** /readyz: how long a probe result is reused, and how long one Odoo check may take. */
    readiness: z
      .object({
        cacheMs: z.number().int().min(0).default(5_000),
        timeoutMs: z.number().int().positive().default(3_000),
      })
      .strict()
      .prefault({}),
    /**
     * Drop-in replacement for OpenG2P's own REST module (`g2p_registry_rest_api`): the same
     * routes and JSON under `prefix`, and HTTP Basic with Odoo logins besides bearer tokens.
     */
    compat: z
      .object({
        enabled: z.boolean().default(true),
        prefix: z
          .string()
          .regex(/^\/[a-z0-9/_-]*[a-z0-9]$/)
          .default('/api/v1/registry'),
        /** As api.uniqueIdTypes, for the compatibility routes; none by default, as OpenG2P's module. */
        uniqueIdTypes: z.array(z.string().min(1)).default([]),
        basicAuth: z
          .object({
            enabled: z.boolean().default(true),
            /** How long a verified login/password is trusted before Odoo checks it again (~650 ms a check). */
            cacheTtlMs: z.number().int().min(0).default(60_000),
            /** How long the caller's Rest API GET/POST group membership, read from Odoo, is reused. */
            rolesCacheTtlMs: z.number().int().min(0).default(30_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** The DCI Social Registry search API (`POST /registry/sync/search`), see src/config/dci.ts. */
    dci: dciSettingsSchema.prefault({}),
    /** Registry change events: the change detector and webhooks, see src/config/events.ts. */
    events: eventsSettingsSchema.prefault({}),
    /** Where the gateway may connect on its own (webhooks, DCI callbacks, JWKS), see src/outbound/address-policy.ts. */
    outbound: outboundSettingsSchema.prefault({}),
    /** Custom endpoints declared in YAML (see src/endpoints and config/endpoints.example.yaml). */
    endpoints: endpointListSchema.default([]),
    /**
     * Page cursors handed to callers are signed (HMAC-SHA256) and expire. `keys`: sign with the
     * first, accept any (rotation: put the new key first, drop the old one after `maxAgeMs`).
     * Without keys one is made at start-up (cursors then die with the process); refused with
     * `redis.url`, where several replicas must accept each other's cursors.
     */
    cursors: z
      .object({
        keys: z.array(secretSchema.min(32, 'must be at least 32 characters')).min(1).optional(),
        maxAgeMs: z
          .number()
          .int()
          .min(60_000)
          .default(24 * 3600_000),
        maxBytes: z.number().int().min(256).max(8192).default(8192),
      })
      .strict()
      .prefault({}),
    /** A YAML file (relative to this one) holding more declarations under `endpoints:`. */
    endpointsFile: z.string().min(1).optional(),
    api: z
      .object({
        prefix: z
          .string()
          .regex(/^\/[a-z0-9/_-]*[a-z0-9]$/)
          .default('/api/v1'),
        defaultPageSize: z.number().int().positive().default(50),
        maxPageSize: z.number().int().positive().max(1000).default(500),
        /**
         * A first page counts its matches up to this many: past it `total` is this number and
         * `total_exact` false ("at least"), unless the request asks `exact_total=true`. Counting
         * every match of a million-record registry costs Odoo most of a second (docs/scale.md).
         */
        countLimit: z.number().int().positive().default(10_000),
        maxBatchSize: z.number().int().positive().max(5000).default(1000),
        /**
         * ID types whose value belongs to one registrant: creating or patching a second holder is
         * refused with 409 naming the holder (OpenG2P itself allows it and deduplicates later).
         */
        uniqueIdTypes: z.array(z.string().min(1)).default(['National ID']),
        idempotencyTtlMs: z
          .number()
          .int()
          .positive()
          .default(24 * 3600_000),
        /**
         * Sync (`sort=updated_at`) only delivers records whose write_date second ended at least this
         * long ago, so no later write can still land in a second a cursor has passed (clock skew,
         * long Odoo transactions). Changes show up this much later; none is skipped.
         */
        syncSettleMs: z.number().int().min(0).default(2_000),
        /**
         * Sync-feed pages (`sort=updated_at`) read from Odoo before their caller asks: when a page
         * has a next one, the gateway reads it at once and holds it (10 s at most) for the request
         * that names its cursor, so a walk runs at Odoo's rate. At most this many pages are held
         * at a time (about 1 MB each at 500 records); 0 reads nothing ahead. Unset: 8, or 0 with
         * `redis.url` (replicas: a held page serves only a caller whose next request comes back to
         * the same replica, so set it there only behind sticky sessions). A page is read ahead as
         * the registry was when the previous page was answered; one that reaches the end of the
         * feed is read again when claimed.
         */
        feedReadAhead: z.number().int().min(0).max(256).optional(),
        /** How long reference data (ID types, kinds, genders, banks) looked up by name is reused. */
        referenceCacheTtlMs: z.number().int().min(0).default(60_000),
        /** Extra res.partner fields (e.g. `x_` fields) exposed on individuals and groups. */
        customFields: z
          .array(
            z
              .object({
                name: z.string().regex(/^[a-z][a-z0-9_]*$/),
                odooField: z.string().regex(/^[a-z_][a-z0-9_]*$/),
                type: z.enum(['string', 'integer', 'number', 'boolean', 'date']),
                readRole: z.enum(['Rest API GET', 'Rest API POST']).default('Rest API GET'),
                writeRole: z.enum(['Rest API GET', 'Rest API POST']).default('Rest API POST'),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((config) => !config.redis.url || config.cursors.keys !== undefined, {
    path: ['cursors', 'keys'],
    message: "required with redis.url: every replica must accept the others' cursors",
  });

export type FileConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
