/**
 * The one way a test starts the gateway: `startGateway(t, options)` builds the app from the
 * test defaults below (plus the suite's own settings) in front of an Odoo, registers its
 * teardown on `t`, and answers requests with one `Answer` type, through `fastify.inject` by
 * default or over a real socket when the suite needs one (`listen: true`: other processes,
 * proxies, connection behaviour, graceful shutdown).
 *
 * The Odoo is the suite's: an OdooTarget from odoo-target.ts (the simulator, or the real Odoo
 * when G2P_E2E_ODOO_* are set; `startOdoo` starts one with its teardown on `t`), or any
 * endpoint the suite stands up itself (a fault server, a recording proxy, an address nothing
 * listens on).
 */
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config/load.js';
import type { FieldScopes, RoleMapping } from '../../src/config/roles.js';
import type { FileConfig } from '../../src/config/schema.js';
import { startOdooTarget, type OdooTarget, type TargetOptions } from './odoo-target.js';
import { testConfig } from './config.js';

/** Where a gateway reaches Odoo, and the account it logs in with. */
export interface OdooEndpoint {
  url: string;
  db: string;
  login: string;
  password: string;
}

/** For gateways whose tests stop before Odoo (auth, route tables): nothing listens there. */
export const UNREACHABLE_ODOO: OdooEndpoint = { url: 'http://127.0.0.1:9', db: 'g2p', login: 'admin', password: 'admin' };

/**
 * What every test gateway runs with unless its suite says otherwise: no per-caller rate limit,
 * no failed-authentication budget (suites refuse credentials by the hundred from one address),
 * no load shedding (a busy 2-core test machine would shed requests), no metrics.
 */
const TEST_DEFAULTS = {
  rateLimit: { enabled: false },
  failedAuth: { enabled: false },
  server: { underPressure: { enabled: false } },
  metrics: { enabled: false },
} as const satisfies FileConfig;

type OdooSettings = NonNullable<FileConfig['odoo']>;

interface CommonOptions {
  /** Runs on the built app before it starts: test routes, hooks, log capture. */
  before?: (app: FastifyInstance) => void | Promise<void>;
  /** Listen on a real port of 127.0.0.1 (default: requests go through fastify.inject). */
  listen?: boolean;
  /** Bearer token sent with every request that does not name its own. */
  token?: string;
}

/** A gateway configured here: the test defaults, the suite's settings, the Odoo endpoint. */
export interface ConfiguredGatewayOptions extends CommonOptions {
  /** The Odoo the gateway talks to (a target, or an endpoint the suite runs). */
  odoo: OdooEndpoint;
  /** Odoo RPC protocol; the configuration's default when absent. */
  protocol?: OdooSettings['protocol'];
  /** Settings besides the Odoo endpoint; `server` and `odoo` are merged key by key, other sections replace the defaults'. */
  config?: Omit<FileConfig, 'odoo'> & { odoo?: Partial<OdooSettings>; roles?: RoleMapping; fieldScopes?: FieldScopes };
  /**
   * false: the configuration's own rate limit, load shedding and metrics, for suites that test
   * those as shipped (default true: TEST_DEFAULTS).
   */
  testDefaults?: boolean;
  fullConfig?: never;
}

/** A gateway from a configuration made elsewhere (loadConfig from files, declaration sources), used as it is. */
export interface FullConfigGatewayOptions extends CommonOptions {
  fullConfig: Config;
  odoo?: never;
}

export type GatewayOptions = ConfiguredGatewayOptions | FullConfigGatewayOptions;

export interface RequestOptions {
  /** A string is sent as it is; anything else as JSON. Either way with content-type application/json unless `headers` set one. */
  body?: unknown;
  /** Bytes sent exactly as given, with no content-type but what `headers` say (fuzzing); instead of `body`. */
  payload?: string | Buffer;
  headers?: Record<string, string>;
  /** Bearer token of this request (null: none, even when the gateway has a default). */
  token?: string | null;
}

/** A gateway's answer, the same whether it came through inject or a socket. */
export interface Answer {
  status: number;
  headers: Headers;
  contentType: string;
  text: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: any;
  /** Wall time from sending to the whole body, in ms. */
  ms: number;
}

export interface Gateway {
  app: FastifyInstance;
  config: Config;
  /** http://127.0.0.1:<port> when listening. */
  origin?: string;
  /** `path` is the full path, e.g. `/api/v1/individuals/7` or `/registry/sync/search`. */
  request: (method: string, path: string, options?: RequestOptions) => Promise<Answer>;
  /** Closes the app; safe to call again (the teardown on `t` does). */
  close: () => Promise<void>;
}

export interface ListeningGateway extends Gateway {
  origin: string;
}

export function startGateway(t: Test, options: GatewayOptions & { listen: true }): Promise<ListeningGateway>;
export function startGateway(t: Test, options: GatewayOptions): Promise<Gateway>;
export async function startGateway(t: Test, options: GatewayOptions): Promise<Gateway> {
  const config = options.fullConfig ?? configure(options);
  const app = buildApp(config);
  let origin: string | undefined;
  try {
    await options.before?.(app);
    if (options.listen) {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    } else {
      await app.ready();
    }
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close());
  t.teardown(close);
  const request = (method: string, path: string, requestOptions: RequestOptions = {}) => {
    const headers = requestHeaders(options.token, requestOptions);
    const { body: value, payload } = requestOptions;
    const body = payload ?? (value === undefined || typeof value === 'string' ? value : JSON.stringify(value));
    return origin ? fetched(`${origin}${path}`, method, headers, body) : injected(app, method, path, headers, body);
  };
  return { app, config, origin, request, close };
}

function configure(options: ConfiguredGatewayOptions): Config {
  const { odoo: odooOverrides, server, ...sections } = options.config ?? {};
  const defaults: FileConfig = options.testDefaults === false ? {} : TEST_DEFAULTS;
  return testConfig({
    ...defaults,
    ...sections,
    server: { ...defaults.server, ...server, underPressure: { ...defaults.server?.underPressure, ...server?.underPressure } },
    odoo: {
      url: options.odoo.url,
      db: options.odoo.db,
      ...(options.protocol ? { protocol: options.protocol } : {}),
      accounts: { default: { login: options.odoo.login, password: options.odoo.password } },
      ...odooOverrides,
    },
  });
}

function requestHeaders(defaultToken: string | undefined, options: RequestOptions): Record<string, string> {
  const token = options.token === undefined ? defaultToken : options.token;
  const named = new Set(Object.keys(options.headers ?? {}).map((name) => name.toLowerCase()));
  return {
    ...(token && !named.has('authorization') ? { authorization: `Bearer ${token}` } : {}),
    ...(options.body !== undefined && !named.has('content-type') ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
}

async function fetched(url: string, method: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  return answer(response.status, response.headers, text, started);
}

async function injected(
  app: FastifyInstance,
  method: string,
  url: string,
  headers: Record<string, string>,
  payload: string | Buffer | undefined,
): Promise<Answer> {
  const started = performance.now();
  const response = await app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
  const headerList = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const item of [value ?? []].flat()) headerList.append(name, String(item));
  }
  return answer(response.statusCode, headerList, response.body, started);
}

function answer(status: number, headers: Headers, text: string, started: number): Answer {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status, headers, contentType: headers.get('content-type') ?? '', text, body, ms: performance.now() - started };
}

/** An Odoo from odoo-target.ts (the simulator, or the real Odoo with G2P_E2E_ODOO_*), stopped when `t` ends. */
export async function startOdoo(t: Test, options: TargetOptions = {}): Promise<OdooTarget> {
  const target = await startOdooTarget(options);
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= target.close());
  t.teardown(close);
  return { ...target, close };
}
