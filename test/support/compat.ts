/**
 * A gateway with the OpenG2P compatibility routes over a real socket, in front of the suite's
 * Odoo (odoo-target.ts: a real Odoo 17 + OpenG2P when G2P_E2E_ODOO_* are set, otherwise a
 * simulator started here). The suites call as their own Odoo users, made the same way on both
 * backends by the target, idempotently, so repeated runs reuse them. Their password is their
 * login.
 *
 * Parts that need the simulator's control API (call counts, fault injection, its clock) check
 * `stack.sim` and say so in their test names; `simOnly` registers them.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import type { FileConfig } from '../../src/config/schema.js';
import { createOdooConnection, type OdooClient } from '../../src/odoo/index.js';
import type { RunningSimulator } from '../../src/sim/index.js';
import { startGateway, startOdoo, type ListeningGateway } from './gateway.js';
import { archiveRegistrants, GROUP, realOdooSettings, type OdooTarget } from './odoo-target.js';

const { restGet: REST_GET, restPost: REST_POST, registrar: REGISTRAR } = GROUP;

/**
 * The suites' Odoo users. A typical API account of an OpenG2P deployment has both Rest API
 * groups and Registrar, for the models those groups do not open (memberships, kinds, genders).
 */
export const USERS = {
  /** Both Rest API groups and Registrar. */
  clerk: { login: 'compat_api', groups: [REGISTRAR, REST_GET, REST_POST] },
  reader: { login: 'compat_get', groups: [REGISTRAR, REST_GET] },
  writer: { login: 'compat_post', groups: [REGISTRAR, REST_POST] },
  both: { login: 'compat_both', groups: [REGISTRAR, REST_GET, REST_POST] },
  /** An internal user without any OpenG2P group. */
  none: { login: 'compat_none', groups: [] },
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
  /** The suite's Odoo: users, API keys. */
  target: OdooTarget;
  close(): Promise<void>;
}

export interface CompatStackOptions {
  protocol?: 'jsonrpc' | 'xmlrpc';
  compat?: FileConfig['compat'];
  /** Simulator only: demo households to seed. */
  households?: number;
}

export async function startCompatStack(t: Test, options: CompatStackOptions = {}): Promise<CompatStack> {
  const target: OdooTarget = await startOdoo(t, { households: options.households ?? 3, seed: 5 });
  const { sim } = target;
  const protocol = options.protocol ?? 'jsonrpc';
  const connection = createOdooConnection({ url: target.url, db: target.db, protocol, timeoutMs: 30_000 });
  const odoo = connection.as({ login: target.login, secret: target.password });
  const runTag = randomBytes(4).toString('hex');
  let gateway: ListeningGateway | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await gateway?.close();
      // Leave a real database as usable as it was: archive what this run made (nothing is destroyed).
      if (gateway && !sim) await archiveRegistrants(odoo, [['name', 'ilike', runTag.slice(0, 6)]]);
      await connection.close();
      await target.close();
    })());
  t.teardown(close);
  for (const user of Object.values(USERS)) await target.ensureUser(user.login, [...user.groups]);
  const reference = await ensureReference(odoo);
  gateway = await startGateway(t, { odoo: target, protocol, listen: true, config: { compat: options.compat ?? {} } });
  const { app, origin } = gateway;
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
    target,
    close,
  };
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

/** An Odoo API key for `login`, made through Odoo 17's own wizard in a web session (odoo-target.ts). */
export function makeApiKey(stack: CompatStack, login: string, password: string = login): Promise<string> {
  return stack.target.createApiKey(login, password);
}

/**
 * A test that needs the simulator's control API (call counts, fault injection, its clock).
 * Its name says so; against a real Odoo it is reported as skipped with that reason.
 */
export function simOnly(t: Test, stack: () => CompatStack, name: string, fn: (t: Test, sim: RunningSimulator) => Promise<void>): void {
  const real = realOdooSettings() !== undefined;
  t.test(name, real ? { skip: 'needs the simulator: a real Odoo has no control API' } : {}, async (t) => fn(t, stack().sim!));
}
