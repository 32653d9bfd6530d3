/**
 * api.uniqueIdTypes (National ID by default): a second registrant with the same ID is refused
 * with 409 naming the holder, also when two replicas sharing Redis receive the two creates at
 * once. The compatibility routes keep OpenG2P's module behaviour (duplicates allowed) unless
 * compat.uniqueIdTypes lists the type. Against the simulator, or the real Odoo with G2P_E2E_ODOO_*.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { startGateway, startOdoo } from '../support/gateway.js';
import { archiveRegistrants } from '../support/odoo-target.js';
import { redisServerMissing, startRedis } from '../support/redis.js';
import { testToken } from '../support/tokens.js';

const API = '/api/v1';
const tag = `UNIQ${randomBytes(4).toString('hex')}`;
const nid = (n: number) => `${tag}-${n}`;
const person = (n: number, extra: Record<string, unknown> = {}) => ({
  given_name: 'Unique',
  family_name: `${tag} ${n}`,
  reg_ids: [{ id_type: 'National ID', value: nid(n) }],
  ...extra,
});

t.test('a National ID belongs to one registrant', async (t) => {
  const odoo = await startOdoo(t);
  t.teardown(() => archiveRegistrants(odoo.admin, [['name', 'ilike', tag]]));
  const gateway = await startGateway(t, { odoo, token: testToken('both') });

  const first = await gateway.request('POST', `${API}/individuals`, { body: person(1) });
  t.equal(first.status, 201, JSON.stringify(first.body));
  const second = await gateway.request('POST', `${API}/individuals`, { body: person(1, { given_name: 'Second' }) });
  t.equal(second.status, 409);
  t.same(second.body.errors, [{ field: 'reg_ids[0].value', message: `the National ID "${nid(1)}" is already held by individual ${first.body.id}` }]);
  t.same(second.body.holder, { id: first.body.id, type: 'individual' });

  const other = await gateway.request('POST', `${API}/individuals`, { body: person(2) });
  t.equal(other.status, 201);
  const patched = await gateway.request('PATCH', `${API}/individuals/${other.body.id}`, { body: { reg_ids: [{ id_type: 'National ID', value: nid(1) }] } });
  t.equal(patched.status, 409, 'a PATCH cannot take it either');
  t.equal(patched.body.holder.id, first.body.id);
  const same = await gateway.request('PATCH', `${API}/individuals/${first.body.id}`, {
    body: { reg_ids: [{ id_type: 'National ID', value: nid(1) }], occupation: 'Farmer' },
  });
  t.equal(same.status, 200, 'the holder may send its own ID again');

  const batch = await gateway.request('POST', `${API}/individuals/batch`, { body: { items: [person(3), person(3)] } });
  t.equal(batch.status, 409);
  t.same(batch.body.errors, [
    { field: 'items[1].reg_ids[0].value', message: `the National ID "${nid(3)}" is also given at items[0].reg_ids[0].value; it must be unique` },
  ]);

  const lookup = await gateway.request('GET', `${API}/individuals/by-reg-id/National%20ID/${nid(1)}`);
  t.equal(lookup.status, 200, 'the by-ID look-up finds exactly one');

  const racing = await Promise.all([4, 4, 4, 4].map((n, i) => gateway.request('POST', `${API}/individuals`, { body: person(n, { given_name: `Racer${i}` }) })));
  t.same(racing.map((r) => r.status).sort(), [201, 409, 409, 409], 'concurrent creates: one wins');

  const open = await startGateway(t, { odoo, token: testToken('both'), config: { api: { uniqueIdTypes: [] } } });
  const allowed = await open.request('POST', `${API}/individuals`, { body: person(1, { given_name: 'Allowed' }) });
  t.equal(allowed.status, 201, "with api.uniqueIdTypes: [] duplicates are OpenG2P's to find");
});

t.test('the compatibility routes keep the module behaviour unless configured', async (t) => {
  const odoo = await startOdoo(t);
  t.teardown(() => archiveRegistrants(odoo.admin, [['name', 'ilike', tag]]));
  const body = (n: number, given: string) => ({
    name: `${tag} compat ${n}`,
    given_name: given,
    family_name: `${tag} compat`,
    addl_name: '',
    gender: '',
    birthdate: '',
    birth_place: '',
    email: '',
    address: '',
    registration_date: '',
    ids: [{ id_type: 'National ID', value: nid(100 + n), expiry_date: '', status: 'valid', description: '' }],
    phone_numbers: [],
  });
  const asModule = await startGateway(t, { odoo, token: testToken('both') });
  t.equal((await asModule.request('POST', `${API}/registry/individual`, { body: body(1, 'One') })).status, 200);
  t.equal((await asModule.request('POST', `${API}/registry/individual`, { body: body(1, 'Two') })).status, 200, 'the module accepts a duplicate');

  const strict = await startGateway(t, { odoo, token: testToken('both'), config: { compat: { uniqueIdTypes: ['National ID'] } } });
  t.equal((await strict.request('POST', `${API}/registry/individual`, { body: body(2, 'One') })).status, 200);
  const refused = await strict.request('POST', `${API}/registry/individual`, { body: body(2, 'Two') });
  t.equal(refused.status, 409);
  t.match(refused.body.detail, /already held by individual \d+/);
});

t.test('two replicas sharing Redis let one of two simultaneous creates through', { skip: redisServerMissing() }, async (t) => {
  const odoo = await startOdoo(t);
  t.teardown(() => archiveRegistrants(odoo.admin, [['name', 'ilike', tag]]));
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const replica = () => startGateway(t, { odoo, token: testToken('both'), config: { redis: { url: redis.url } } });
  const [a, b] = [await replica(), await replica()];
  const answers = await Promise.all(
    [a, b, a, b].map((gateway, i) => gateway.request('POST', `${API}/individuals`, { body: person(50, { given_name: `Replica${i}` }) })),
  );
  t.same(answers.map((r) => r.status).sort(), [201, 409, 409, 409]);
  const holders = await odoo.admin.search('res.partner', [['reg_ids', 'any', [['value', '=', nid(50)]]]] as never);
  t.equal(holders.length, 1, 'Odoo holds one');
});
