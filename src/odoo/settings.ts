import { z } from 'zod';
import type { HttpConnection } from './http-connection.js';

/** odoo.timeoutMs's default, also what the gateway assumes of an Odoo it was handed without settings. */
export const DEFAULT_ODOO_TIMEOUT_MS = 15_000;

/**
 * What a deployment configures about its Odoo: the one schema of these settings (the config
 * file's `odoo` section adds its accounts to it). The defaults suit one Odoo 17 on the same
 * network. Unknown keys are dropped here and refused by the config file's schema.
 */
export const odooSettingsSchema = z.object({
  /** Base URL of Odoo, e.g. "https://odoo.example.org" (a path prefix is kept for Odoo behind a proxy). */
  url: z.string().url(),
  db: z.string().min(1),
  /**
   * `call_kw` (the default) sends each ORM call to /web/dataset/call_kw on the web session of a
   * password account: the fastest path Odoo has (measured in bench scenario 6), and the password
   * is not sent with every call. An account that cannot open a web session (an API key, which
   * /web/session/authenticate refuses, or `sessionCookie: false`) goes through /jsonrpc, the
   * faster of the two RPC protocols (JSON parses ~150x cheaper than XML-RPC).
   */
  protocol: z.enum(['jsonrpc', 'xmlrpc', 'call_kw']).default('call_kw'),
  /** Send Odoo's session cookie along with calls (saves ~12 ms of server set-up per call). */
  sessionCookie: z.boolean().default(true),
  /** Bound on one attempt of one call, the wait for a free connection included. */
  timeoutMs: z.number().int().positive().default(DEFAULT_ODOO_TIMEOUT_MS),
  maxConcurrent: z.number().int().positive().default(16),
  /**
   * Extra attempts for idempotent reads after a transport failure. At most 5: each attempt may
   * take a whole timeoutMs, so more would outlast any request deadline.
   */
  readRetries: z.number().int().min(0).max(5).default(2),
  retryBaseDelayMs: z.number().int().min(0).default(100),
  breaker: z
    .object({
      failureThreshold: z.number().int().positive().default(5),
      resetAfterMs: z.number().int().positive().default(10_000),
    })
    .strict()
    .prefault({}),
});

export type OdooConnectionSettings = z.infer<typeof odooSettingsSchema>;

/** The subset of a pino logger the client uses. */
export interface OdooLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OdooCallEvent {
  model?: string;
  method: string;
  durationMs: number;
  /** "ok" or the OdooError kind ("aborted" when the caller gave up). */
  outcome: string;
}

/**
 * What `createOdooConnection` takes: the settings (defaults may be left out), hooks, and the
 * HTTP connection to use instead of a keep-alive pool to `url` (an in-memory Odoo in tests).
 */
export type OdooConnectionOptions = z.input<typeof odooSettingsSchema> & OdooConnectionHooks & { http?: HttpConnection };

export interface OdooConnectionHooks {
  /** Who the connection serves, named in the diagnostics messages of its calls (see diagnostics.ts). */
  name?: string;
  logger?: OdooLogger;
  onCall?: (event: OdooCallEvent) => void;
}
