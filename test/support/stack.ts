/**
 * The gateway over a real socket in front of an Odoo: a real OpenG2P server when
 * G2P_E2E_ODOO_URL, G2P_E2E_ODOO_DB, G2P_E2E_ODOO_USERNAME and G2P_E2E_ODOO_PASSWORD are set,
 * otherwise a simulator started here. Suites written against a Stack run unchanged on both;
 * parts that need the simulator's control API (call counts, faults) check `stack.sim`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createSigner } from 'fast-jwt';
import { buildApp } from '../../src/app.js';
import type { FileConfig } from '../../src/config/schema.js';
import { createOdooConnection, type OdooClient, type OdooConnection } from '../../src/odoo/index.js';
import { startSimulator, type RunningSimulator, type SimCall } from '../../src/sim/index.js';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, testConfig } from './config.js';

export type Protocol = 'jsonrpc' | 'xmlrpc';

export interface StackOptions {
  protocol: Protocol;
  /** Simulator only: demo households to seed (small by default: suites must stay fast). */
  households?: number;
  seed?: number;
  /** Extra `api` settings (page sizes, custom fields). */
  api?: FileConfig['api'];
}

/** Reference data the suite may rely on, present on both kinds of server (created when missing). */
export interface StackReference {
  idType: string;
  gender: string;
  groupKind: string;
  headKind: string;
  otherKind: string;
}

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
  /** Bearer token with the given API roles. */
  token(...roles: Array<'reader' | 'writer'>): string;
  /** ORM calls (execute_kw) the simulator received since the last reset; undefined on a real server. */
  objectCalls(): SimCall[] | undefined;
  resetCalls(): void;
  /**
   * Another gateway on the same Odoo, with its own connection (and so its own circuit
   * breaker): for tests that break things or act as another Odoo account.
   */
  extraGateway(overrides: { login?: string; password?: string; timeoutMs?: number; readRetries?: number }): Promise<{ api: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

export const realOdooSettings = (): { url: string; db: string; login: string; password: string } | undefined => {
  const { G2P_E2E_ODOO_URL: url, G2P_E2E_ODOO_DB: db, G2P_E2E_ODOO_USERNAME: login, G2P_E2E_ODOO_PASSWORD: password } = process.env;
  return url && db && login && password ? { url, db, login, password } : undefined;
};

const signer = createSigner({ key: TEST_JWT_SECRET, algorithm: 'HS256', iss: TEST_ISSUER, aud: TEST_AUDIENCE, expiresIn: 3_600_000 });

export async function startStack(options: StackOptions): Promise<Stack> {
  const real = realOdooSettings();
  const sim = real ? undefined : await startSimulator({ households: options.households ?? 30, seed: options.seed ?? 7 });
  const target = real ?? { url: sim!.url, db: 'g2p', login: 'admin', password: 'admin' };
  const gatewayConfig = (overrides: { login?: string; password?: string; timeoutMs?: number; readRetries?: number } = {}) =>
    testConfig({
      odoo: {
        url: target.url,
        db: target.db,
        protocol: options.protocol,
        ...(overrides.timeoutMs !== undefined ? { timeoutMs: overrides.timeoutMs } : {}),
        ...(overrides.readRetries !== undefined ? { readRetries: overrides.readRetries } : {}),
        accounts: { default: { login: overrides.login ?? target.login, password: overrides.password ?? target.password } },
      },
      rateLimit: { enabled: false },
      server: { underPressure: { enabled: false } },
      metrics: { enabled: false },
      api: options.api ?? {},
    });
  const listening = async (config: ReturnType<typeof gatewayConfig>) => {
    const app = buildApp(config);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { app, origin: `http://127.0.0.1:${port}` };
  };
  const config = gatewayConfig();
  const connection: OdooConnection = createOdooConnection({ url: target.url, db: target.db, protocol: options.protocol, timeoutMs: 30_000 });
  const odoo = connection.as({ login: target.login, secret: target.password });
  const reference = await ensureReferenceData(odoo);
  const { app, origin } = await listening(config);
  return {
    api: `${origin}${config.api.prefix}`,
    origin,
    app,
    protocol: options.protocol,
    sim,
    odoo,
    runTag: `E2E${randomBytes(3).toString('hex')}`,
    reference,
    token: (...roles) =>
      signer({
        sub: `e2e-${roles.join('-') || 'none'}`,
        realm_access: { roles: roles.map((r) => (r === 'reader' ? 'registry-reader' : 'registry-writer')) },
      }),
    objectCalls: () => sim?.calls.filter((c) => c.service === 'object' || c.protocol === 'call_kw'),
    resetCalls: () => sim?.resetCalls(),
    extraGateway: async (overrides) => {
      const extra = await listening(gatewayConfig(overrides));
      return { api: `${extra.origin}${config.api.prefix}`, close: () => extra.app.close() };
    },
    close: async () => {
      await app.close();
      await connection.close();
      await sim?.close();
    },
  };
}

/**
 * The reference data the suite needs, created when a real server lacks it (OpenG2P seeds no
 * genders, for one). Names are the ones OpenG2P deployments commonly use, so nothing is
 * duplicated on a server that has them.
 */
async function ensureReferenceData(odoo: OdooClient): Promise<StackReference> {
  const ensure = async (model: string, field: string, value: string, extra: Record<string, unknown> = {}) => {
    const found = await odoo.search(model, [[field, '=', value]], { limit: 1 });
    if (!found.length) await odoo.create(model, { [field]: value, ...extra });
  };
  await ensure('gender.type', 'value', 'Female', { code: 'Female' });
  await ensure('gender.type', 'value', 'Male', { code: 'Male' });
  await ensure('g2p.id.type', 'name', 'National ID');
  await ensure('g2p.group.kind', 'name', 'Household');
  await ensure('g2p.group.membership.kind', 'name', 'Head', { is_unique: true });
  await ensure('g2p.group.membership.kind', 'name', 'Spouse');
  return { idType: 'National ID', gender: 'Female', groupKind: 'Household', headKind: 'Head', otherKind: 'Spouse' };
}
