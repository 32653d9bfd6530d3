/**
 * The gateway over a real socket in front of an Odoo: a real OpenG2P server when
 * G2P_E2E_ODOO_URL, G2P_E2E_ODOO_DB, G2P_E2E_ODOO_USERNAME and G2P_E2E_ODOO_PASSWORD are set,
 * otherwise a simulator started here. Suites written against a Stack run unchanged on both;
 * parts that need the simulator's control API (call counts, faults) check `stack.sim`.
 *
 * Every gateway a stack starts logs at debug level into the stack (`logLines()`), and the
 * stack keeps what must never appear in those lines: the secrets it knows (`secrets()`) and
 * the personal values callers sent (`personalValues()`). With G2P_TEST_LOG_FILE set, log lines
 * are also appended to that file and the watched values to `<file>.watch`, so a scan can run
 * over a whole suite run in another process (test/security/log-scan.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createSigner } from 'fast-jwt';
import { symbols as pinoSymbols, type LevelWithSilent } from 'pino';
import type { Test } from 'tap';
import type { FileConfig } from '../../src/config/schema.js';
import type { OdooCallMessage, OdooClient } from '../../src/odoo/index.js';
import type { RunningSimulator } from '../../src/sim/index.js';
import { watchGatewayCalls } from './call-shapes.js';
import { startGateway, startOdoo } from './gateway.js';
import { realOdooSettings, type TargetReference } from './odoo-target.js';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './config.js';

export type Protocol = 'jsonrpc' | 'xmlrpc';

export interface StackOptions {
  protocol: Protocol;
  /** Simulator only: demo households to seed (small by default: suites must stay fast). */
  households?: number;
  /** Real server: make sure it holds a demo registry of `households` households (see odoo-target.ts). */
  demoOnRealServer?: boolean;
  seed?: number;
  /** Extra `api` settings (page sizes, custom fields). */
  api?: FileConfig['api'];
  /** Per-caller rate limit of every gateway the stack starts; off by default, so suites are not throttled. */
  rateLimit?: FileConfig['rateLimit'];
  /** Gateway log level; 'debug' by default, so log scans see everything but trace. */
  logLevel?: LevelWithSilent;
  /**
   * Keep log lines and personal values in memory (default true). A load run turns it off:
   * otherwise what the stack keeps would show up as the gateway's memory growth.
   */
  captureLogs?: boolean;
  /** DCI settings of the stack's gateways. */
  dci?: FileConfig['dci'];
  /** Auth settings besides the test issuer (e.g. `clientCredentials`). */
  auth?: FileConfig['auth'];
  /** Odoo settings of the stack's own gateway (extra gateways take theirs from `extraGateway`). */
  gateway?: GatewayOverrides;
  /** Change events and webhooks of the stack's gateways. */
  events?: FileConfig['events'];
  /** The record cache of the stack's gateways. */
  cache?: FileConfig['cache'];
  /** Shared state of the stack's gateways (a Redis URL: several gateways share one event log). */
  redis?: FileConfig['redis'];
  /** Declared custom endpoints of the stack's gateway. */
  endpoints?: FileConfig['endpoints'];
  /** Runs against the Odoo (as the gateway's account) before the gateway starts: fields its endpoints need. */
  prepare?: (odoo: OdooClient) => Promise<void>;
}

/** Settings of an extra gateway: another Odoo account, a shorter timeout, fewer retries. */
export interface GatewayOverrides {
  login?: string;
  password?: string;
  timeoutMs?: number;
  readRetries?: number;
  /** Declared custom endpoints (default: the stack's). */
  endpoints?: FileConfig['endpoints'];
}

/** Reference data the suite may rely on, present on both kinds of server (created when missing). */
export type StackReference = TargetReference;

export interface Stack {
  /** Gateway base URL including the API prefix, e.g. http://127.0.0.1:41234/api/v1 */
  api: string;
  origin: string;
  app: FastifyInstance;
  protocol: Protocol;
  /** Present when the Odoo is the simulator: call counts and faults. */
  sim?: RunningSimulator;
  /** A direct Odoo client (the gateway's account) for fixtures and cross-checks. */
  odoo: OdooClient;
  /** Unique per run: put it in every name the suite creates. */
  runTag: string;
  reference: StackReference;
  /** The Odoo the stack's gateways use, for gateways a suite runs itself (other processes). */
  target: { url: string; db: string; login: string; password: string };
  /** Bearer token with the given API roles. */
  token(...roles: Array<'reader' | 'writer'>): string;
  /** ORM calls (execute_kw) the stack's gateways sent since the last reset, on either backend. */
  objectCalls(): OdooCallMessage[];
  resetCalls(): void;
  /**
   * Another gateway on the same Odoo, with its own connection (and so its own circuit
   * breaker): for tests that break things or act as another Odoo account.
   */
  extraGateway(overrides: GatewayOverrides): Promise<{ api: string; close(): Promise<void> }>;
  /** Every line the stack's gateways logged so far (JSON, one per entry), extra gateways included. */
  logLines(): string[];
  /** Values no log line may contain: tokens signed here, Odoo passwords, Odoo session ids seen on the wire. */
  secrets(): string[];
  /** Personal values callers sent (names, birthdates, ID values, phones, emails...) in bodies, queries and paths. */
  personalValues(): string[];
  close(): Promise<void>;
}

export { realOdooSettings };

const signer = createSigner({ key: TEST_JWT_SECRET, algorithm: 'HS256', iss: TEST_ISSUER, aud: TEST_AUDIENCE, expiresIn: 3_600_000 });

/** Set by test/security/log-scan.test.ts for the suite run it scans. */
const LOG_FILE = process.env.G2P_TEST_LOG_FILE;
export const watchFileOf = (logFile: string): string => `${logFile}.watch`;

/** One value a log scan looks for, as written to the watch file (one JSON object a line). */
export interface WatchedValue {
  kind: 'secret' | 'personal';
  value: string;
}

/**
 * Request keys whose values are personal: the registry's own fields, its list filters and
 * path parameters, and the DCI attributes and identifier values.
 */
const PERSONAL_KEYS = new Set([
  'name',
  'given_name',
  'family_name',
  'addl_name',
  'birthdate',
  'birthdate_from',
  'birthdate_to',
  'birth_place',
  'email',
  'phone',
  'phone_no',
  'value',
  'id_value',
  'acc_number',
  'address',
  'street',
  'city',
  'tax_number',
  'birth_date',
  'dob',
  'surname',
  'first_name',
  'second_name',
  'full_name',
  'identifier_value',
  'attribute_value',
  'phone_number',
]);
/** DCI names attributes by dotted paths too (demographic_info.name.surname): the last part decides. */
const isPersonalKey = (key: string): boolean => PERSONAL_KEYS.has(key) || PERSONAL_KEYS.has(key.slice(key.lastIndexOf('.') + 1));
/** Shorter values ("x", "F") would match innocent text; no test sends a personal value this short. */
const MIN_WATCHED_LENGTH = 4;

/** String leaves under personal keys, at any depth (nested reg ids, batches, DCI queries). */
function personalLeaves(value: unknown, underPersonalKey = false, found: string[] = []): string[] {
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value);
    if (underPersonalKey && text.length >= MIN_WATCHED_LENGTH) found.push(text);
  } else if (Array.isArray(value)) {
    for (const item of value) personalLeaves(item, underPersonalKey, found);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) personalLeaves(item, underPersonalKey || isPersonalKey(key), found);
  }
  return found;
}

/**
 * What a stack remembers for log scans. Personal values and secrets are sets, so a load run
 * repeating the same requests does not grow them; log lines are kept only when capturing.
 */
class LogWatch {
  readonly lines: string[] = [];
  readonly secrets = new Set<string>();
  readonly personal = new Set<string>();

  constructor(private readonly capture: boolean) {}

  /** A pino destination: pino hands it one serialized line per entry. */
  readonly sink = {
    write: (line: string): void => {
      if (this.capture) this.lines.push(line.trimEnd());
      if (LOG_FILE) appendFileSync(LOG_FILE, line.endsWith('\n') ? line : `${line}\n`);
    },
  };

  secret(value: string | undefined): void {
    if (value) this.remember('secret', this.secrets, value);
  }

  request(request: FastifyRequest): void {
    if (!this.capture && !LOG_FILE) return;
    for (const value of personalLeaves([request.body, request.query, request.params])) this.remember('personal', this.personal, value);
  }

  private remember(kind: WatchedValue['kind'], into: Set<string>, value: string): void {
    if (into.has(value)) return;
    if (this.capture) into.add(value);
    if (LOG_FILE) appendFileSync(watchFileOf(LOG_FILE), `${JSON.stringify({ kind, value } satisfies WatchedValue)}\n`);
  }
}

/**
 * Sends a gateway's logs to the stack. buildApp makes its pino logger from the config (level
 * only), and tests must not change how production wires it, so the destination is swapped
 * through pino's published integration symbol before the gateway logs anything; request
 * loggers are children and inherit it.
 */
function logInto(app: FastifyInstance, watch: LogWatch): void {
  (app.log as unknown as Record<symbol, unknown>)[pinoSymbols.streamSym] = watch.sink;
  app.addHook('preValidation', async (request) => watch.request(request));
}

/** Log capture for a gateway a test builds itself rather than through startStack. */
export function captureLogs(app: FastifyInstance): { logLines(): string[]; personalValues(): string[] } {
  const watch = new LogWatch(true);
  logInto(app, watch);
  return { logLines: () => [...watch.lines], personalValues: () => [...watch.personal] };
}

/**
 * Odoo session ids, read from the Set-Cookie of Odoo's answers through undici's published
 * diagnostics channel: observed as they pass, nothing on the wire is changed.
 */
function watchSessionIds(odooOrigin: string, onSessionId: (id: string) => void): () => void {
  const channel = 'undici:request:headers';
  const listener = (message: unknown) => {
    const { request, response } = message as { request: { origin?: unknown }; response: { headers: Array<Buffer | string> } };
    if (String(request.origin) !== odooOrigin) return;
    const raw = response.headers;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (String(raw[i]).toLowerCase() !== 'set-cookie') continue;
      const match = /^\s*session_id=([^;]+)/.exec(String(raw[i + 1]));
      if (match) onSessionId(match[1]!);
    }
  };
  subscribe(channel, listener);
  return () => unsubscribe(channel, listener);
}

export async function startStack(t: Test, options: StackOptions): Promise<Stack> {
  const odooTarget = await startOdoo(t, { households: options.households ?? 30, seed: options.seed ?? 7, demoOnRealServer: options.demoOnRealServer });
  const { sim } = odooTarget;
  const target = { url: odooTarget.url, db: odooTarget.db, login: odooTarget.login, password: odooTarget.password };
  const watch = new LogWatch(options.captureLogs ?? true);
  const watchedPassword = (login: string, password: string) => {
    // A password equal to its login (the simulator's test users) cannot be told from the login itself.
    if (password !== login) watch.secret(password);
  };
  watchedPassword(target.login, target.password);
  const stopWatchingSessions = watchSessionIds(new URL(target.url).origin, (id) => watch.secret(id));
  const gatewayCalls = watchGatewayCalls();
  t.teardown(() => {
    gatewayCalls.stop();
    stopWatchingSessions();
  });
  const listening = (overrides: GatewayOverrides = {}) =>
    startGateway(t, {
      odoo: { ...target, login: overrides.login ?? target.login, password: overrides.password ?? target.password },
      protocol: options.protocol,
      listen: true,
      before: (app) => logInto(app, watch),
      config: {
        log: { level: options.logLevel ?? 'debug' },
        odoo: {
          ...(overrides.timeoutMs !== undefined ? { timeoutMs: overrides.timeoutMs } : {}),
          ...(overrides.readRetries !== undefined ? { readRetries: overrides.readRetries } : {}),
        },
        ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
        api: options.api ?? {},
        ...(options.dci ? { dci: options.dci } : {}),
        ...(options.auth ? { auth: options.auth } : {}),
        ...(options.events ? { events: options.events } : {}),
        ...(options.cache ? { cache: options.cache } : {}),
        ...(options.redis ? { redis: options.redis } : {}),
        endpoints: overrides.endpoints ?? options.endpoints ?? [],
      },
    });
  const odoo = odooTarget.admin;
  const reference = odooTarget.reference;
  await options.prepare?.(odoo);
  const gateway = await listening(options.gateway);
  const { app, origin, config } = gateway;
  return {
    api: `${origin}${config.api.prefix}`,
    origin,
    app,
    protocol: options.protocol,
    sim,
    odoo,
    runTag: `E2E${randomBytes(3).toString('hex')}`,
    reference,
    target,
    token: (...roles) => {
      const token: string = signer({
        sub: `e2e-${roles.join('-') || 'none'}`,
        realm_access: { roles: roles.map((r) => (r === 'reader' ? 'registry-reader' : 'registry-writer')) },
      });
      watch.secret(token);
      return token;
    },
    objectCalls: () => gatewayCalls.calls(),
    resetCalls: () => {
      gatewayCalls.reset();
      sim?.resetCalls();
    },
    extraGateway: async (overrides) => {
      if (overrides.password !== undefined) watchedPassword(overrides.login ?? target.login, overrides.password);
      const extra = await listening(overrides);
      return { api: `${extra.origin}${config.api.prefix}`, close: extra.close };
    },
    logLines: () => [...watch.lines],
    secrets: () => [...watch.secrets],
    personalValues: () => [...watch.personal],
    close: async () => {
      await gateway.close();
      gatewayCalls.stop();
      stopWatchingSessions();
      await odooTarget.close();
    },
  };
}
