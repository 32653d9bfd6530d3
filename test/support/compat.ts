/**
 * A gateway with the OpenG2P compatibility routes over a real socket, in front of a real Odoo
 * 17 + OpenG2P when G2P_E2E_ODOO_* are set (see stack.ts), otherwise in front of a simulator
 * started here. The suites call as their own Odoo users, made the same way on both backends:
 * on the simulator added to its database, on the real server created through the
 * administrator over RPC (res.users with groups from their xml ids), idempotently, so
 * repeated runs reuse them. Their password is their login.
 *
 * Parts that need the simulator's control API (call counts, fault injection, its clock) check
 * `stack.sim` and say so in their test names; `simOnly` registers them.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../src/app.js';
import type { FileConfig } from '../../src/config/schema.js';
import { createOdooConnection, type OdooClient } from '../../src/odoo/index.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { testConfig } from './config.js';
import { realOdooSettings } from './stack.js';

const REST_GET = 'g2p_registry_rest_api.group_g2p_rest_api_get';
const REST_POST = 'g2p_registry_rest_api.group_g2p_rest_api_post';
const REGISTRAR = 'g2p_registry_base.group_g2p_registrar';
const INTERNAL = 'base.group_user';

/**
 * The suites' Odoo users. A typical API account of an OpenG2P deployment has both Rest API
 * groups and Registrar, for the models those groups do not open (memberships, kinds, genders).
 */
export const USERS = {
  /** Both Rest API groups and Registrar. */
  clerk: { login: 'compat_api', name: 'Compat API client', groups: [INTERNAL, REGISTRAR, REST_GET, REST_POST] },
  reader: { login: 'compat_get', name: 'Compat Rest API GET', groups: [INTERNAL, REGISTRAR, REST_GET] },
  writer: { login: 'compat_post', name: 'Compat Rest API POST', groups: [INTERNAL, REGISTRAR, REST_POST] },
  both: { login: 'compat_both', name: 'Compat Rest API GET and POST', groups: [INTERNAL, REGISTRAR, REST_GET, REST_POST] },
  /** An internal user without any OpenG2P group. */
  none: { login: 'compat_none', name: 'Compat no OpenG2P rights', groups: [INTERNAL] },
} as const;

/** Login (and password) of the user the suites call as. */
export const CLERK = USERS.clerk.login;

export const basic = (login: string, password: string = login): string => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

export interface CompatStack {
  /** Base URL of the compatibility routes, e.g. http://127.0.0.1:41234/api/v1/registry */
  base: string;
  origin: string;
  app: FastifyInstance;
  /** Present when the Odoo is the simulator: call counts, faults, its database. */
  sim?: RunningSimulator;
  /** The Odoo's URL and database. */
  odooUrl: string;
  db: string;
  /** The Odoo administrator, for fixtures and for reading back what the gateway wrote. */
  odoo: OdooClient;
  /** An Odoo client acting as one of the suite's users. */
  odooAs(login: string, password?: string): OdooClient;
  /**
   * Unique per stack: put it (or its first six characters) in every name the suite creates; on a
   * real Odoo, partners whose name holds it are archived when the stack closes.
   */
  runTag: string;
  /** Ids of reference data both backends have (created on the real server when missing). */
  reference: { nationalId: number; taxId: number; household: number; head: number };
  close(): Promise<void>;
}

export interface CompatStackOptions {
  protocol?: 'jsonrpc' | 'xmlrpc';
  compat?: FileConfig['compat'];
  /** Simulator only: demo households to seed. */
  households?: number;
}

export async function startCompatStack(options: CompatStackOptions = {}): Promise<CompatStack> {
  const real = realOdooSettings();
  const sim = real ? undefined : await startSimulator({ households: options.households ?? 3, seed: 5, adminPassword: 'admin' });
  const target = real ?? { url: sim!.url, db: 'g2p', login: 'admin', password: 'admin' };
  const protocol = options.protocol ?? 'jsonrpc';
  const connection = createOdooConnection({ url: target.url, db: target.db, protocol, timeoutMs: 30_000 });
  const odoo = connection.as({ login: target.login, secret: target.password });
  try {
    if (sim) {
      for (const user of Object.values(USERS)) {
        if (!sim.database.findUserByLogin(user.login)) {
          sim.database.addUser({ login: user.login, name: user.name, password: user.login, apiKeys: [], companyId: 1, active: true, groups: [...user.groups] });
        }
      }
    } else {
      await ensureUsers(odoo);
    }
    const reference = await ensureReference(odoo);
    const app = buildApp(
      testConfig({
        odoo: { url: target.url, db: target.db, protocol, accounts: { default: { login: target.login, password: target.password } } },
        server: { underPressure: { enabled: false } },
        rateLimit: { enabled: false },
        metrics: { enabled: false },
        compat: options.compat ?? {},
      }),
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const runTag = randomBytes(4).toString('hex');
    return {
      base: `${origin}${app.config.compat.prefix}`,
      origin,
      app,
      sim,
      odooUrl: target.url,
      db: target.db,
      odoo,
      odooAs: (login, password = login) => connection.as({ login, secret: password }),
      runTag,
      reference,
      close: async () => {
        await app.close();
        // Leave a real database as usable as it was: archive what this run made (nothing is destroyed).
        if (!sim) {
          const mine = await odoo.search('res.partner', [['name', 'ilike', runTag.slice(0, 6)]], { context: { active_test: false } });
          // One by one: OpenG2P checks "one Head per group" over the whole recordset written.
          for (const id of mine) await odoo.write('res.partner', [id], { active: false }).catch(() => undefined);
        }
        await connection.close();
        await sim?.close();
      },
    };
  } catch (err) {
    await connection.close();
    await sim?.close();
    throw err;
  }
}

/** Group ids by xml id, from ir.model.data. */
async function groupIds(odoo: OdooClient, xmlids: readonly string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const xmlid of xmlids) {
    const [module, name] = xmlid.split('.') as [string, string];
    const [row] = await odoo.searchRead('ir.model.data', [['model', '=', 'res.groups'], ['module', '=', module], ['name', '=', name]], ['res_id'], { limit: 1 });
    if (!row) throw new Error(`the Odoo has no group ${xmlid}`);
    ids.push(row.res_id as number);
  }
  return ids;
}

/** The suite's users on a real server: created when missing (password = login), groups set every time. */
async function ensureUsers(odoo: OdooClient): Promise<void> {
  for (const user of Object.values(USERS)) {
    const groups = await groupIds(odoo, user.groups);
    const [existing] = await odoo.search('res.users', [['login', '=', user.login]], { context: { active_test: false } });
    if (existing) await odoo.write('res.users', [existing], { active: true, groups_id: [[6, 0, groups]] });
    else await odoo.create('res.users', { name: user.name, login: user.login, password: user.login, groups_id: [[6, 0, groups]] });
  }
}

/** National ID, Tax ID, Household and Head: the simulator seeds them; a real server may lack Tax ID. */
async function ensureReference(odoo: OdooClient): Promise<CompatStack['reference']> {
  const ensure = async (model: string, name: string, extra: Record<string, unknown> = {}) => {
    const [found] = await odoo.search(model, [['name', '=', name]], { limit: 1 });
    return found ?? (await odoo.create(model, { name, ...extra }));
  };
  return {
    nationalId: await ensure('g2p.id.type', 'National ID'),
    taxId: await ensure('g2p.id.type', 'Tax ID'),
    household: await ensure('g2p.group.kind', 'Household'),
    head: await ensure('g2p.group.membership.kind', 'Head', { is_unique: true }),
  };
}

/**
 * An Odoo API key for `login`, made as a user makes one in its preferences: Odoo 17's wizard
 * flow in a web session (description -> make_key -> identity check with the password -> the
 * key). The wizard is @check_identity, which Odoo serves over HTTP sessions only, not execute_kw.
 */
export async function makeApiKey(stack: CompatStack, login: string, password: string = login): Promise<string> {
  let cookie = '';
  const post = async (path: string, params: Record<string, unknown>): Promise<any> => {
    const response = await fetch(`${stack.odooUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params }),
    });
    const session = /session_id=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
    if (session) cookie = session;
    const body = (await response.json()) as { result?: unknown; error?: { data?: { message?: string } } };
    if (body.error) throw new Error(`${path}: ${body.error.data?.message ?? 'Odoo error'}`);
    return body.result;
  };
  const call = (model: string, method: string, args: unknown[]) => post(`/web/dataset/call_kw/${model}/${method}`, { model, method, args, kwargs: {} });
  await post('/web/session/authenticate', { db: stack.db, login, password });
  const description = await call('res.users.apikeys.description', 'create', [{ name: `compat-${stack.runTag}` }]);
  const check = await call('res.users.apikeys.description', 'make_key', [[description]]);
  await call('res.users.identitycheck', 'write', [[check.res_id], { password }]);
  const shown = await call('res.users.identitycheck', 'run_check', [[check.res_id]]);
  await post('/web/session/destroy', {});
  return shown.context.default_key as string;
}

/**
 * A test that needs the simulator's control API (call counts, fault injection, its clock).
 * Its name says so; against a real Odoo it is reported as skipped with that reason.
 */
export function simOnly(t: Test, stack: () => CompatStack, name: string, fn: (t: Test, sim: RunningSimulator) => Promise<void>): void {
  const real = realOdooSettings() !== undefined;
  t.test(name, real ? { skip: 'needs the simulator: a real Odoo has no control API' } : {}, async (t) => fn(t, stack().sim!));
}
