/**
 * What every scenario shares: the gateway's configuration for a bench run, bearer tokens,
 * and small statistics helpers. No test-framework imports: the bench must run on its own.
 */
import { createHmac } from 'node:crypto';
import type { Config } from '../src/config/load.js';
import type { RoleMapping } from '../src/config/roles.js';
import { configSchema } from '../src/config/schema.js';
import { CursorSeal } from '../src/registry/cursor.js';
import type { OdooProtocol } from '../src/odoo/index.js';

/** HS256 key for bench tokens only; the bench gateway trusts nothing else. */
const BENCH_JWT_SECRET = 'bench-secret-for-g2p-gateway-benchmarks-only-0123456789';
const BENCH_ISSUER = 'https://issuer.bench/realms/g2p';
const BENCH_AUDIENCE = 'g2p-gateway';

/** The simulator's seeded database and administrator (see src/sim/orm/database.ts). */
export const SIM_DB = 'g2p';
export const SIM_ADMIN = { login: 'admin', secret: 'admin' };

const BENCH_ROLES: RoleMapping = {
  'Rest API GET': [{ claim: 'realm_access.roles', includes: 'registry-reader' }],
  'Rest API POST': [{ claim: 'realm_access.roles', includes: 'registry-writer' }],
};

/** The Odoo a bench gateway talks to; a bare URL is the simulator (its database and administrator). */
export interface BenchOdoo {
  url: string;
  db: string;
  login: string;
  password: string;
  /** Unset: the gateway's default. */
  protocol?: OdooProtocol;
  /** The record cache on (with the change detector it needs). */
  cache?: boolean;
  /** /metrics served behind BENCH_METRICS_TOKEN, to count the gateway's Odoo calls. */
  metrics?: boolean;
}

/** Bearer token of /metrics on a bench gateway with `metrics`. */
export const BENCH_METRICS_TOKEN = 'bench-metrics-token-0123456789abcdef';

/** The bench gateway's cursor key: a scenario can then move a cursor it was given (`movedCursor`). */
const BENCH_CURSOR_KEY = 'bench-cursor-key-0123456789abcdef0123456789';

/**
 * A page cursor the bench gateway handed out (id order), moved to start after record `after`:
 * a page deep into a large registry without paging there first. Cursors are signed, so it is
 * re-signed with the bench gateway's own key, as the gateway would sign it.
 */
export function movedCursor(given: string, after: number): string {
  const seal = new CursorSeal({ keys: [BENCH_CURSOR_KEY], maxAgeMs: 3600_000, maxBytes: 4096 });
  const [raw = ''] = given.split('.');
  const wire = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { o: 'id' | '-id'; f: string };
  const cursor = seal.open(given, { order: wire.o, filter: wire.f });
  if (cursor.order === 'updated_at') throw new Error('movedCursor moves id-ordered cursors only');
  return seal.seal({ ...cursor, after });
}

export const simulatorOdoo = (url: string): BenchOdoo => ({ url, db: SIM_DB, login: SIM_ADMIN.login, password: SIM_ADMIN.secret });

/**
 * The gateway's production defaults, pointed at a simulator or a real Odoo, with the three
 * per-request extras that would measure something other than the gateway's own path switched
 * off: rate limiting (it would answer 429 under load), load shedding (503 on a busy shared
 * machine) and metrics. With `redisUrl` the gateway keeps its shared state there, as replicas do.
 */
export function benchConfig(target: string | BenchOdoo, redisUrl?: string, sections: BenchSections = {}): Config {
  const odoo = typeof target === 'string' ? simulatorOdoo(target) : target;
  const parsed = configSchema.parse({
    ...sections,
    ...(redisUrl ? { redis: { url: redisUrl, ...sections.redis } } : {}),
    log: { level: 'silent' },
    auth: {
      issuers: [{ issuer: BENCH_ISSUER, audience: [BENCH_AUDIENCE], algorithms: ['HS256'], secret: BENCH_JWT_SECRET }],
    },
    odoo: {
      url: odoo.url,
      db: odoo.db,
      ...(odoo.protocol ? { protocol: odoo.protocol } : {}),
      accounts: { default: { login: odoo.login, password: odoo.password } },
    },
    rateLimit: { enabled: false },
    cursors: { keys: [BENCH_CURSOR_KEY] },
    server: { underPressure: { enabled: false } },
    metrics: odoo.metrics ? { enabled: true, token: BENCH_METRICS_TOKEN } : { enabled: false },
    ...(odoo.cache ? { events: { enabled: true }, cache: { enabled: true } } : {}),
  });
  return { ...parsed, nodeEnv: 'development', configFile: '(bench)', roles: BENCH_ROLES, sandboxMode: false };
}

/** Configuration sections a scenario adds to the bench defaults (`dci`, `events`; `redis` beside the URL, e.g. its key prefix). */
export type BenchSections = Record<string, unknown> & { redis?: Record<string, unknown> };

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A bearer token carrying both registry roles, valid for two hours (longer than any run); `extra` adds claims (a scope). */
export function benchToken(extra: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: BENCH_ISSUER,
    aud: BENCH_AUDIENCE,
    sub: 'bench',
    iat: now,
    exp: now + 7200,
    realm_access: { roles: ['registry-reader', 'registry-writer'] },
    ...extra,
  };
  const input = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
  return `${input}.${createHmac('sha256', BENCH_JWT_SECRET).update(input).digest('base64url')}`;
}

/** Nearest-rank percentile of unsorted samples (milliseconds in, milliseconds out). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/** One scenario's outcome: markdown tables and one verdict line per target. */
export interface ScenarioReport {
  title: string;
  /** How it was measured, in one or two sentences. */
  method: string;
  tables: string[][][];
  verdicts: Verdict[];
  notes?: string[];
}

export interface Verdict {
  target: string;
  met: boolean;
  evidence: string;
}

/** Run-wide knobs: `--quick` shortens every timed phase (the default honours the issue). */
export interface BenchOptions {
  quick: boolean;
}

/** Median of unsorted samples. */
export const median = (samples: readonly number[]): number => percentile(samples, 50);
