/**
 * The Odoo a suite talks to: the real Odoo 17 + OpenG2P server when G2P_E2E_ODOO_URL,
 * G2P_E2E_ODOO_DB, G2P_E2E_ODOO_USERNAME and G2P_E2E_ODOO_PASSWORD are set (CI starts one
 * from ../shared/real-odoo), otherwise a simulator started here. Every harness starts its
 * Odoo through this module, so a suite written on it runs unchanged against both; what needs
 * the simulator's control API (faults, call counts) checks `target.sim` and says so in its
 * test name.
 *
 * On the real server the fixtures a suite needs (reference data, the API users of a typical
 * deployment, API keys) are created over RPC as the administrator, idempotently, so suites
 * and repeated runs share them.
 */
import { randomBytes } from 'node:crypto';
import { createOdooConnection, type OdooClient, type OdooConnection } from '../../src/odoo/index.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { Prng } from '../../src/sim/seed/prng.js';
import { FAMILY_NAMES, GIVEN_NAMES_FEMALE, GIVEN_NAMES_MALE, OCCUPATIONS } from '../../src/sim/seed/reference.js';

export interface RealOdooSettings {
  url: string;
  db: string;
  login: string;
  password: string;
}

export const realOdooSettings = (): RealOdooSettings | undefined => {
  const { G2P_E2E_ODOO_URL: url, G2P_E2E_ODOO_DB: db, G2P_E2E_ODOO_USERNAME: login, G2P_E2E_ODOO_PASSWORD: password } = process.env;
  return url && db && login && password ? { url, db, login, password } : undefined;
};

/** Which backend this process's suites run against, for test names and comments. */
export const backendName = (): string => (realOdooSettings() ? 'real Odoo' : 'simulator');

/**
 * The skip reason of a test that needs the simulator's control API (its name says so too), or
 * false where it runs: on the simulator, every test runs.
 */
export const simulatorOnly = (what = 'fault injection'): string | false => (realOdooSettings() ? `needs the simulator's ${what}` : false);

/** Reference data the suites rely on, present on both kinds of server (created when missing). */
export interface TargetReference {
  idType: string;
  gender: string;
  groupKind: string;
  headKind: string;
  otherKind: string;
}

/** The Odoo groups of the API users the suites log in as. */
export const GROUP = {
  internal: 'base.group_user',
  registrar: 'g2p_registry_base.group_g2p_registrar',
  restGet: 'g2p_registry_rest_api.group_g2p_rest_api_get',
  restPost: 'g2p_registry_rest_api.group_g2p_rest_api_post',
} as const;

/**
 * The users every target has, each with its login as password (as the simulator seeds them):
 * noaccess has no OpenG2P right; rest_get / rest_post / rest_both have only the REST API
 * groups; registrar has the registry's own rights.
 */
export const STANDARD_USERS: Record<string, string[]> = {
  noaccess: [],
  registrar: [GROUP.registrar],
  rest_get: [GROUP.restGet],
  rest_post: [GROUP.restPost],
  rest_both: [GROUP.restGet, GROUP.restPost],
};

export interface OdooTarget {
  url: string;
  db: string;
  /** The administrator's login and password. */
  login: string;
  password: string;
  /** Present when the target is the simulator: its control API. */
  sim?: RunningSimulator;
  real: boolean;
  /** A client as the administrator on its own connection: fixtures and cross-checks. */
  admin: OdooClient;
  reference: TargetReference;
  /** Makes sure a user with exactly these groups (plus internal user) exists; its password is its login. */
  ensureUser(login: string, groups: string[]): Promise<number>;
  /** A new API key for a user, made through Odoo's own wizard flow. */
  createApiKey(login: string, password: string): Promise<string>;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** Simulator only: demo households to seed. */
  households?: number;
  seed?: number;
  /** Simulator only: the administrator's password (a real server has its own). */
  adminPassword?: string;
  /**
   * Real server: make sure it holds a demo registry of at least `households` households (made
   * once over RPC, from the same seed), for suites whose queries need data to find.
   */
  demoOnRealServer?: boolean;
}

export async function startOdooTarget(options: TargetOptions = {}): Promise<OdooTarget> {
  const real = realOdooSettings();
  const adminPassword = options.adminPassword ?? `sim-admin-${randomBytes(9).toString('base64url')}`;
  const sim = real ? undefined : await startSimulator({ households: options.households ?? 30, seed: options.seed ?? 7, adminPassword });
  const settings = real ?? { url: sim!.url, db: 'g2p', login: 'admin', password: adminPassword };
  const connection: OdooConnection = createOdooConnection({ url: settings.url, db: settings.db, protocol: 'jsonrpc', timeoutMs: 60_000 });
  const admin = connection.as({ login: settings.login, secret: settings.password });
  const reference = await ensureReferenceData(admin);
  if (real) await ensureStandardUsers(admin);
  if (real && options.demoOnRealServer) await ensureDemoRegistry(admin, options.households ?? 30, options.seed ?? 7);

  return {
    ...settings,
    sim,
    real: Boolean(real),
    admin,
    reference,
    ensureUser: async (login, groups) => {
      if (sim) {
        const existing = sim.database.findUserByLogin(login);
        if (existing) return existing.id;
        return sim.database.addUser({ login, name: login, password: login, apiKeys: [], groups: [GROUP.internal, ...groups], companyId: 1, active: true }).id;
      }
      return ensureRealUser(admin, login, groups);
    },
    createApiKey: (login, password) => createApiKey(settings, login, password),
    close: async () => {
      await connection.close();
      await sim?.close();
    },
  };
}

async function groupIds(admin: OdooClient, xmlids: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const xmlid of xmlids) {
    const [module, name] = xmlid.split('.');
    const [found] = await admin.searchRead(
      'ir.model.data',
      [
        ['module', '=', module],
        ['name', '=', name],
        ['model', '=', 'res.groups'],
      ],
      ['res_id'],
      { limit: 1 },
    );
    if (!found) throw new Error(`the real Odoo has no group ${xmlid}`);
    ids.push(found.res_id as number);
  }
  return ids;
}

/**
 * Creates the user or resets its groups and password, so a suite always finds what it expects.
 * A user already as expected is left alone: writing `groups_id` makes Odoo clear every worker's
 * caches and writing a password hashes it, which cost each real-Odoo suite seconds per start.
 * "As expected": active, and its groups are exactly the wanted ones with what they imply (a suite
 * that granted it another group gets it reset). The password is not checked (a check costs a
 * hash too): only this function ever sets a standard user's password, always to its login.
 */
async function ensureRealUser(admin: OdooClient, login: string, groups: string[]): Promise<number> {
  return settleRealUser(admin, login, await realUserStanding(admin, login, groups));
}

/** The standard users are checked at once (reads only) and set right one at a time (writes to res.users may collide). */
async function ensureStandardUsers(admin: OdooClient): Promise<void> {
  const users = Object.entries(STANDARD_USERS);
  const standings = await Promise.all(users.map(([login, groups]) => realUserStanding(admin, login, groups)));
  for (const [index, [login]] of users.entries()) await settleRealUser(admin, login, standings[index]!);
}

interface RealUserStanding {
  id?: number;
  wanted: number[];
  asExpected: boolean;
}

async function realUserStanding(admin: OdooClient, login: string, groups: string[]): Promise<RealUserStanding> {
  const wanted = await groupIds(admin, [GROUP.internal, ...groups]);
  const [existing] = await admin.searchRead('res.users', [['login', '=', login]], ['active', 'groups_id'], { limit: 1, context: { active_test: false } });
  if (!existing) return { wanted, asExpected: false };
  const asExpected = existing.active === true && sameIds(existing.groups_id as number[], await withImplied(admin, wanted));
  return { id: existing.id as number, wanted, asExpected };
}

async function settleRealUser(admin: OdooClient, login: string, { id, wanted, asExpected }: RealUserStanding): Promise<number> {
  if (id !== undefined && asExpected) return id;
  const values = { groups_id: [[6, 0, wanted]], password: login };
  if (id === undefined) return admin.create('res.users', { login, name: login, ...values });
  await admin.write('res.users', [id], { ...values, active: true });
  return id;
}

async function withImplied(admin: OdooClient, groups: number[]): Promise<number[]> {
  const rows = await admin.read('res.groups', groups, ['trans_implied_ids']);
  return [...new Set([...groups, ...rows.flatMap((row) => row.trans_implied_ids as number[])])];
}

function sameIds(a: number[], b: number[]): boolean {
  const left = new Set(a);
  return left.size === new Set(b).size && b.every((id) => left.has(id));
}

/**
 * Odoo 17 makes API keys only through its identity-checked wizard, on a web session: describe
 * the key, confirm the password, and read the key from the action that shows it once. The
 * simulator serves the same flow.
 */
async function createApiKey(settings: { url: string; db: string }, login: string, password: string): Promise<string> {
  let cookie = '';
  const call = async (path: string, params: Record<string, unknown>): Promise<any> => {
    const response = await fetch(`${settings.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params, id: 1 }),
    });
    const setCookie = response.headers.get('set-cookie');
    const session = setCookie && /session_id=([^;]+)/.exec(setCookie);
    if (session) cookie = `session_id=${session[1]}`;
    const body = (await response.json()) as { result?: unknown; error?: { data?: { message?: string } } };
    if (body.error) throw new Error(`${path}: ${body.error.data?.message ?? 'Odoo error'}`);
    return body.result;
  };
  const kw = (model: string, method: string, args: unknown[]) => call(`/web/dataset/call_kw/${model}/${method}`, { model, method, args, kwargs: {} });
  await call('/web/session/authenticate', { db: settings.db, login, password });
  const description = await kw('res.users.apikeys.description', 'create', [{ name: `g2p-gateway tests ${randomBytes(3).toString('hex')}` }]);
  const check = await kw('res.users.apikeys.description', 'make_key', [[description]]);
  const wizard = check.res_model === 'res.users.identitycheck' ? check.res_id : undefined;
  let shown = check;
  if (wizard) {
    await kw('res.users.identitycheck', 'write', [[wizard], { password }]);
    shown = await kw('res.users.identitycheck', 'run_check', [[wizard]]);
  }
  await call('/web/session/destroy', {});
  const key = shown?.context?.default_key;
  if (typeof key !== 'string') throw new Error('Odoo did not show the new API key');
  return key;
}

/**
 * The reference data the suites need, created when a real server lacks it (OpenG2P seeds no
 * group or membership kinds, for one). Names are the ones OpenG2P deployments commonly use, so
 * nothing is duplicated on a server that has them.
 */
async function ensureReferenceData(odoo: OdooClient): Promise<TargetReference> {
  const ensure = async (model: string, field: string, value: string, extra: Record<string, unknown> = {}) => {
    const found = await odoo.search(model, [[field, '=', value]], { limit: 1 });
    if (!found.length) await odoo.create(model, { [field]: value, ...extra });
  };
  await ensure('gender.type', 'value', 'Female', { code: 'Female' });
  await ensure('gender.type', 'value', 'Male', { code: 'Male' });
  await ensure('g2p.id.type', 'name', 'National ID');
  await ensure('g2p.id.type', 'name', 'Passport', { id_validation: '^[A-Z][0-9]{8}$' });
  await ensure('g2p.group.kind', 'name', 'Household');
  await ensure('g2p.group.membership.kind', 'name', 'Head', { is_unique: true });
  await ensure('g2p.group.membership.kind', 'name', 'Spouse');
  await ensure('g2p.group.membership.kind', 'name', 'Child');
  await ensure('g2p.group.membership.kind', 'name', 'Member');
  await ensure('g2p.group.kind', 'name', 'Family');
  return { idType: 'National ID', gender: 'Female', groupKind: 'Household', headKind: 'Head', otherKind: 'Spouse' };
}

/** Family name of the real server's demo registry: its households are found (and counted) by it. */
const DEMO_FAMILY_TAG = 'Demo';

/**
 * Households like the simulator's demo registry (heads, spouses, children; national IDs,
 * phones, occupations, civil status), created over RPC on a real server that has fewer than
 * `households` of them. Values come from the seed, so every run makes the same registry.
 */
async function ensureDemoRegistry(admin: OdooClient, households: number, seed: number): Promise<void> {
  const existing = await admin.searchCount('res.partner', [
    ['is_group', '=', true],
    ['name', '=like', `${DEMO_FAMILY_TAG} %`],
  ]);
  if (existing >= households) return;
  const kindId = async (model: string, name: string) => (await admin.search(model, [['name', '=', name]], { limit: 1 }))[0]!;
  const [nationalId, household, family, head, spouse, child] = [
    await kindId('g2p.id.type', 'National ID'),
    await kindId('g2p.group.kind', 'Household'),
    await kindId('g2p.group.kind', 'Family'),
    await kindId('g2p.group.membership.kind', 'Head'),
    await kindId('g2p.group.membership.kind', 'Spouse'),
    await kindId('g2p.group.membership.kind', 'Child'),
  ];
  const prng = new Prng(seed);
  const date = (from: number, to: number) => `${prng.int(from, to)}-${String(prng.int(1, 12)).padStart(2, '0')}-${String(prng.int(1, 28)).padStart(2, '0')}`;
  for (let h = existing; h < households; h++) {
    const surname = prng.pick(FAMILY_NAMES);
    // After every birth date: OpenG2P refuses a registration before the registrant was born.
    const registered = date(2024, 2024);
    const people = Array.from({ length: prng.int(1, 5) }, (_, i) => {
      const gender = i === 1 ? 'Female' : prng.chance(0.5) ? 'Male' : 'Female';
      const adult = i < 2;
      const given = prng.pick(gender === 'Male' ? GIVEN_NAMES_MALE : GIVEN_NAMES_FEMALE);
      return {
        kind: i === 0 ? head : i === 1 ? spouse : child,
        values: {
          name: `${surname.toUpperCase()}, ${given.toUpperCase()}`,
          family_name: surname,
          given_name: given,
          is_registrant: true,
          is_group: false,
          gender,
          birthdate: adult ? date(1950, 1998) : date(2005, 2023),
          registration_date: registered,
          occupation: adult ? prng.pick(OCCUPATIONS) : 'Student',
          civil_status: adult ? 'married' : 'single',
          reg_ids: adult ? [[0, 0, { id_type: nationalId, value: prng.digits(10), status: 'valid' }]] : [],
          // The partner's own phone is its first number, as OpenG2P keeps it.
          ...withPhone(adult && prng.chance(0.7) ? `+2547${prng.digits(8)}` : undefined),
        },
      };
    });
    const memberIds = await admin.createMany(
      'res.partner',
      people.map((p) => p.values),
    );
    const group = await admin.create('res.partner', {
      name: `${DEMO_FAMILY_TAG} ${surname} ${h + 1}`,
      is_registrant: true,
      is_group: true,
      kind: prng.chance(0.8) ? household : family,
      registration_date: registered,
    });
    await admin.createMany(
      'g2p.group.membership',
      people.map((p, i) => ({ group, individual: memberIds[i], kind: [[6, 0, [p.kind]]] })),
    );
  }
}

const withPhone = (phone: string | undefined) => (phone ? { phone_number_ids: [[0, 0, { phone_no: phone }]], phone } : { phone_number_ids: [] });

/**
 * Archives the registrants a run made (nothing is destroyed), so a real database stays usable.
 * Groups one write each: OpenG2P counts the Heads of every group in one write together and
 * refuses two.
 */
export async function archiveRegistrants(admin: OdooClient, domain: unknown[]): Promise<void> {
  const found = await admin.searchRead('res.partner', [...domain, ['active', 'in', [true, false]]] as never, ['is_group']);
  const individuals = found.filter((r) => !r.is_group).map((r) => r.id as number);
  if (individuals.length) await admin.write('res.partner', individuals, { active: false });
  for (const group of found.filter((r) => r.is_group)) await admin.write('res.partner', [group.id as number], { active: false });
}
