/**
 * The simulator answers as the real Odoo 17 + OpenG2P does: the same calls, sent to both over
 * the wire, must succeed or fail alike (the same error kind and message). It covers what the
 * gateway relies on beyond the data it reads: which account may read or write which registry
 * model, the constraints OpenG2P enforces, and the call shapes Odoo 17 refuses.
 *
 * Runs when a real server is configured (G2P_E2E_ODOO_*: CI's real-Odoo pass); the simulator
 * pass has no real server to compare with and says so.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { createOdooConnection, isOdooError, type OdooClient } from '../../src/odoo/index.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { realOdooSettings, startOdooTarget, STANDARD_USERS, type OdooTarget } from '../support/odoo-target.js';

type Outcome = { ok: true; value: unknown } | { ok: false; kind: string; message: string };

/** One call, made as `login` on each backend; `values` turns into the call on that backend's ids. */
interface Probe {
  name: string;
  login: string;
  call: (client: OdooClient, ids: Fixture) => Promise<unknown>;
  /** Compare only success or failure and the error kind (values differ between databases). */
  outcomeOnly?: boolean;
}

interface Fixture {
  nationalId: number;
  headKind: number;
  person: number;
  group: number;
  uid: (login: string) => Promise<number>;
}

const REGISTRY_MODELS = [
  'res.partner',
  'g2p.group.membership',
  'g2p.reg.id',
  'g2p.phone.number',
  'res.partner.bank',
  'g2p.group.membership.kind',
  'g2p.id.type',
  'gender.type',
  'g2p.group.kind',
];

const tag = `FR${randomBytes(3).toString('hex')}`;
const person = (given: string, extra: Record<string, unknown> = {}) => ({
  name: `${tag.toUpperCase()}, ${given.toUpperCase()}`,
  family_name: tag,
  given_name: given,
  is_registrant: true,
  is_group: false,
  ...extra,
});

const PROBES: Probe[] = [
  // Who may read and write what: the REST API groups alone, the registry's own rights, none.
  ...Object.keys(STANDARD_USERS).flatMap((login): Probe[] =>
    REGISTRY_MODELS.map((model) => ({ name: `${login} counts ${model}`, login, outcomeOnly: true, call: (client) => client.searchCount(model, []) })),
  ),
  ...Object.keys(STANDARD_USERS).map((login): Probe => ({
    name: `${login} creates an individual`,
    login,
    outcomeOnly: true,
    call: (client) => client.create('res.partner', person(`By ${login}`)),
  })),
  ...Object.keys(STANDARD_USERS).map((login): Probe => ({
    name: `${login} adds a membership`,
    login,
    outcomeOnly: true,
    call: async (client, ids) =>
      client.create('g2p.group.membership', {
        group: ids.group,
        individual: await client.create('res.partner', person(`Member by ${login}`)),
        kind: [[6, 0, [ids.headKind]]],
      }),
  })),
  // Odoo 17's has_group: the group's XML id only, for the calling user.
  {
    name: 'has_group(xmlid)',
    login: 'rest_get',
    call: (client) => client.executeKw('res.users', 'has_group', ['g2p_registry_rest_api.group_g2p_rest_api_get']),
  },
  {
    name: 'has_group([uid], xmlid) is refused',
    login: 'admin',
    outcomeOnly: true,
    call: async (client, ids) => client.executeKw('res.users', 'has_group', [[await ids.uid('rest_get')], 'g2p_registry_rest_api.group_g2p_rest_api_get']),
  },
  // OpenG2P's constraints, with their messages.
  {
    name: 'registration date in the future',
    login: 'admin',
    call: (client) => client.create('res.partner', person('Future', { registration_date: '2999-01-01' })),
  },
  {
    name: 'registration before the birth date',
    login: 'admin',
    call: (client) => client.create('res.partner', person('Unborn', { birthdate: '2020-01-01', registration_date: '2019-01-01' })),
  },
  {
    name: 'a birth date after the registration, written alone, is accepted',
    login: 'admin',
    outcomeOnly: true,
    call: async (client, ids) => client.write('res.partner', [ids.person], { birthdate: '2023-01-01' }),
  },
  {
    name: 'an invalid phone number',
    login: 'admin',
    call: (client) => client.create('res.partner', person('Phone', { phone_number_ids: [[0, 0, { phone_no: '+15550100' }]] })),
  },
  {
    name: 'the same individual twice in a group',
    login: 'admin',
    call: (client, ids) => client.create('g2p.group.membership', { group: ids.group, individual: ids.person }),
  },
  {
    name: 'a membership ending before it starts',
    login: 'admin',
    call: async (client, ids) =>
      client.create('g2p.group.membership', {
        group: ids.group,
        individual: await client.create('res.partner', person('Backwards')),
        start_date: '2024-01-02 00:00:00',
        ended_date: '2024-01-01 00:00:00',
      }),
  },
  {
    name: 'a photo that is not an image',
    login: 'admin',
    outcomeOnly: true,
    call: (client) => client.create('res.partner', person('Photo', { image_1920: Buffer.from('not an image').toString('base64') })),
  },
  // Refusals the client maps to typed errors.
  { name: 'an unknown field', login: 'admin', outcomeOnly: true, call: (client, ids) => client.read('res.partner', [ids.person], ['no_such_field']) },
  { name: 'a missing record', login: 'admin', outcomeOnly: true, call: (client) => client.write('res.partner', [2_147_483_000], { name: 'x' }) },
  {
    name: 'a stored computed field: the group size',
    login: 'admin',
    call: async (client, ids) => (await client.read('res.partner', [ids.group], ['z_ind_grp_num_individuals']))[0]?.z_ind_grp_num_individuals,
  },
];

async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await promise };
  } catch (err) {
    if (isOdooError(err)) return { ok: false, kind: err.kind, message: err.message };
    throw err;
  }
}

interface Backend {
  name: string;
  url: string;
  db: string;
  admin: { login: string; password: string };
  fixture: Fixture;
  client(login: string): OdooClient;
  close(): Promise<void>;
}

async function backend(
  name: string,
  target: { url: string; db: string; login: string; password: string; ensureUser?: OdooTarget['ensureUser'] },
  close: () => Promise<void>,
): Promise<Backend> {
  const connection = createOdooConnection({ url: target.url, db: target.db, protocol: 'jsonrpc', timeoutMs: 60_000 });
  const client = (login: string) => connection.as(login === 'admin' ? { login: target.login, secret: target.password } : { login, secret: login });
  const admin = client('admin');
  const first = async (model: string, fieldName: string, value: string, extra: Record<string, unknown> = {}) =>
    (await admin.search(model, [[fieldName, '=', value]], { limit: 1 }))[0] ?? admin.create(model, { [fieldName]: value, ...extra });
  const nationalId = await first('g2p.id.type', 'name', 'National ID');
  const headKind = await first('g2p.group.membership.kind', 'name', 'Head', { is_unique: true });
  const household = await first('g2p.group.kind', 'name', 'Household');
  const personId = await admin.create(
    'res.partner',
    person('Fixture', { birthdate: '1990-01-01', registration_date: '2024-01-01', reg_ids: [[0, 0, { id_type: nationalId, value: `${tag}-1` }]] }),
  );
  const group = await admin.create('res.partner', { name: `Household ${tag}`, is_registrant: true, is_group: true, kind: household });
  await admin.create('g2p.group.membership', { group, individual: personId, kind: [[6, 0, [headKind]]] });
  return {
    name,
    url: target.url,
    db: target.db,
    admin: { login: target.login, password: target.password },
    fixture: { nationalId, headKind, person: personId, group, uid: (login) => client(login).uid() },
    client,
    close: async () => {
      await connection.close();
      await close();
    },
  };
}

if (!realOdooSettings()) {
  t.comment('no real Odoo configured (G2P_E2E_ODOO_*): nothing to compare the simulator with; .ci/run runs this in its real-Odoo pass');
} else {
  let real: Backend;
  let simulated: Backend;
  t.before(async () => {
    const target = await startOdooTarget();
    real = await backend('real Odoo', target, () => target.close());
    const sim: RunningSimulator = await startSimulator({ households: 1, adminPassword: 'admin' });
    simulated = await backend('simulator', { url: sim.url, db: 'g2p', login: 'admin', password: 'admin' }, () => sim.close());
  });
  t.teardown(async () => {
    await real?.close();
    await simulated?.close();
  });

  for (const probe of PROBES) {
    t.test(probe.name, async (t) => {
      const [onReal, onSim] = [
        await outcome(probe.call(real.client(probe.login), real.fixture)),
        await outcome(probe.call(simulated.client(probe.login), simulated.fixture)),
      ];
      const describe = (o: Outcome) => (o.ok ? `ok ${JSON.stringify(o.value)}` : `${o.kind}: ${o.message}`);
      t.comment(`real: ${describe(onReal)}`);
      if (probe.outcomeOnly) {
        t.same(
          onSim.ok ? { ok: true } : { ok: false, kind: onSim.kind },
          onReal.ok ? { ok: true } : { ok: false, kind: onReal.kind },
          `the simulator ${onReal.ok ? 'accepts it too' : `refuses it too (${onReal.ok ? '' : onReal.kind})`}`,
        );
      } else {
        t.same(onSim, onReal, 'the simulator answers exactly as the real Odoo');
      }
    });
  }
}
