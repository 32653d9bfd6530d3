/**
 * Object-level access (issue 10, Security): the API reaches registrants only, through the
 * mapped models and the `is_registrant` domain. Ids of everything else in the same Odoo tables
 * (companies' partners, the administrator's and other users' partners, res.users and
 * res.company ids, archived non-registrants) and registrants of the other kind (a group's id
 * on an individual route and the reverse) answer 404 on every by-id route, leak no name, and
 * change nothing. The by-id routes are taken from the app's route table, so new ones join.
 */
import t, { type Test } from 'tap';
import { createOdooConnection, type OdooClient, type OdooConnection } from '../../src/odoo/index.js';
import { expression, message } from '../dci/harness.js';
import { pathParamNames, startSecurityGateway, type Answer, type AppRoute, type SecurityGateway } from './harness.js';
import { urlOf } from './requests.js';

let gateway: SecurityGateway;
let connection: OdooConnection;
let odoo: OdooClient;

interface Foreign {
  label: string;
  id: number;
  /** Text that must not appear in an answer about this id. */
  secrets: string[];
}

const foreign: Foreign[] = [];
let individualId = 0;
let groupId = 0;
let membershipId = 0;
/** A membership of another group than `groupId`. */
let otherMembershipId = 0;
const LEAKED_ID_VALUE = 'NON-REGISTRANT-ID-4711';

t.before(async () => {
  gateway = await startSecurityGateway(t, { households: 3 });
  connection = createOdooConnection({ url: gateway.sim.url, db: 'g2p', protocol: 'jsonrpc', timeoutMs: 30_000 });
  odoo = connection.as({ login: 'admin', secret: 'admin' });
  const everything = { context: { active_test: false } };
  const companies = await odoo.searchRead<{ id: number; name: string }>('res.company', [], ['name'], everything);
  const users = await odoo.searchRead<{ id: number; login: string; partner_id: [number, string] }>('res.users', [], ['login', 'partner_id'], everything);
  const partners = await odoo.searchRead<{ id: number; name: string }>('res.partner', [['is_registrant', '=', false]], ['name'], everything);
  // An archived non-registrant too: archiving must not make a record reachable by another path.
  const archived = await odoo.create('res.partner', { name: 'Archived Supplier Secretname', active: false });
  for (const p of partners) foreign.push({ label: `non-registrant partner "${p.name}"`, id: p.id, secrets: [p.name] });
  foreign.push({ label: 'archived non-registrant partner', id: archived, secrets: ['Archived Supplier Secretname'] });
  // Ids are per table: a user or company id that is also a registrant's partner id names that registrant, rightly.
  const registrantIds = new Set(await odoo.search('res.partner', [['is_registrant', '=', true]], everything));
  for (const u of users) if (!registrantIds.has(u.id)) foreign.push({ label: `res.users ${u.login}`, id: u.id, secrets: [u.login, u.partner_id[1]] });
  for (const c of companies) if (!registrantIds.has(c.id)) foreign.push({ label: `res.company ${c.name}`, id: c.id, secrets: [c.name] });
  // A registrant ID attached to a non-registrant (an Odoo user's partner): the ID lookups must not find it.
  await odoo.create('g2p.reg.id', { partner_id: users[0]!.partner_id[0], id_type: 1, value: LEAKED_ID_VALUE });

  const [individual] = await odoo.search(
    'res.partner',
    [
      ['is_registrant', '=', true],
      ['is_group', '=', false],
    ],
    { limit: 1 },
  );
  const memberships = await odoo.searchRead<{ id: number; group: [number, string] }>('g2p.group.membership', [], ['group'], { limit: 50 });
  individualId = individual!;
  groupId = memberships[0]!.group[0];
  membershipId = memberships[0]!.id;
  otherMembershipId = memberships.find((m) => m.group[0] !== groupId)!.id;
});
t.teardown(async () => {
  await connection?.close();
  await gateway?.close();
});

/** A body each by-id write route accepts for a record it can reach; other routes get `{}`. */
function bodyFor(route: AppRoute): unknown {
  // The shipped example endpoint (config/endpoints.example.yaml) that sets a household's enrolment status.
  if (route.method === 'PATCH' && route.url.endsWith('/enrolment')) return { x_enrolment_status: 'enrolled' };
  if (route.method === 'PATCH' && route.url.endsWith('/members/:membership_id')) return { kinds: [] };
  if (route.method === 'PATCH' && route.url.includes('/groups/')) return { name: 'Renamed By Probe' };
  if (route.method === 'PATCH') return { occupation: 'Changed By Probe' };
  if (route.method === 'POST' && route.url.endsWith('/members')) return { individual: individualId };
  return {};
}

function send(route: AppRoute, params: Record<string, string>, body?: unknown): Promise<Answer> {
  const withBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
  const url = urlOf(route, { params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { text: v }])), query: [], headers: {} });
  return gateway.request(route.method, url, withBody ? { body: body ?? bodyFor(route) } : {});
}

/** Route parameters naming a record (`id`, `membership_id`, the compat routes' `_id`). */
const idParams = (route: AppRoute) => pathParamNames(route.url).filter((name) => /(^|_)id$/.test(name));

function checkRefusal(t: Test, route: AppRoute, answer: Answer, who: Foreign, label: string): void {
  if (route.errorShape === 'compat') t.ok(answer.status >= 400 && answer.status < 500, `${label}: refused (${answer.status})`);
  else t.equal(answer.status, 404, label);
  for (const secret of who.secrets) t.notOk(answer.text.includes(secret), `${label}: does not show "${secret}"`);
}

t.test('by-id routes answer 404 for ids that are not registrants', async (t) => {
  const byId = gateway.routes.filter((route) => idParams(route).length > 0);
  t.ok(byId.length >= 12, `${byId.length} by-id routes in the route table`);
  for (const kind of ['non-registrant partner', 'archived', 'res.users', 'res.company'])
    t.ok(
      foreign.some((f) => f.label.startsWith(kind)),
      `foreign ids include a ${kind}`,
    );
  t.comment(`foreign ids: ${foreign.map((f) => `${f.label} (${f.id})`).join(', ')}`);
  gateway.wire.reset();
  let checked = 0;
  for (const route of byId) {
    for (const name of idParams(route)) {
      for (const who of foreign) {
        // The other id parameters get values that do exist, so only the foreign one can be why.
        const params: Record<string, string> = {
          id: String(route.url.includes('/groups/') ? groupId : individualId),
          membership_id: String(membershipId),
          _id: String(individualId),
        };
        params[name] = String(who.id);
        const answer = await send(route, params);
        checkRefusal(t, route, answer, who, `${route.method} ${route.url} with ${name} = ${who.label} (${who.id})`);
        checked++;
      }
    }
  }
  t.same(gateway.wire.acceptedWrites(), [], 'nothing was written');
  t.comment(`${checked} by-id requests with foreign ids`);
});

t.test('registrants of the other kind, and memberships of another group, are not reachable either', async (t) => {
  const route = (method: string, url: string) => gateway.routes.find((r) => r.method === method && r.url === url)!;
  const group: Foreign = { label: 'a group', id: groupId, secrets: [] };
  const individual: Foreign = { label: 'an individual', id: individualId, secrets: [] };
  gateway.wire.reset();
  for (const method of ['GET', 'PATCH', 'DELETE']) {
    checkRefusal(
      t,
      route(method, '/api/v1/individuals/:id'),
      await send(route(method, '/api/v1/individuals/:id'), { id: String(groupId) }),
      group,
      `${method} /individuals/{a group's id}`,
    );
    checkRefusal(
      t,
      route(method, '/api/v1/groups/:id'),
      await send(route(method, '/api/v1/groups/:id'), { id: String(individualId) }),
      individual,
      `${method} /groups/{an individual's id}`,
    );
    const member = route(method, '/api/v1/groups/:id/members/:membership_id');
    checkRefusal(
      t,
      member,
      await send(member, { id: String(groupId), membership_id: String(otherMembershipId) }),
      individual,
      `${method} a membership of another group`,
    );
  }
  checkRefusal(
    t,
    route('GET', '/api/v1/individuals/:id/groups'),
    await send(route('GET', '/api/v1/individuals/:id/groups'), { id: String(groupId) }),
    group,
    "GET /individuals/{a group's id}/groups",
  );
  checkRefusal(
    t,
    route('GET', '/api/v1/groups/:id/members'),
    await send(route('GET', '/api/v1/groups/:id/members'), { id: String(individualId) }),
    individual,
    "GET /groups/{an individual's id}/members",
  );
  t.same(gateway.wire.acceptedWrites(), [], 'nothing was written');
});

t.test('a non-registrant cannot be made a member, and is not found through filters or lookups', async (t) => {
  const route = (method: string, url: string) => gateway.routes.find((r) => r.method === method && r.url === url)!;
  gateway.wire.reset();
  for (const who of foreign) {
    const added = await send(route('POST', '/api/v1/groups/:id/members'), { id: String(groupId) }, { individual: who.id });
    t.ok(added.status === 404 || added.status === 422, `adding ${who.label} as a member is refused (${added.status})`);
    const created = await send(route('POST', '/api/v1/groups'), {}, { name: 'Probe Household', members: [{ individual: who.id }] });
    t.ok(created.status === 404 || created.status === 422, `creating a group with ${who.label} as member is refused (${created.status})`);
    const filtered = await gateway.request('GET', `/api/v1/groups?member=${who.id}`);
    t.same(filtered.body.items, [], `?member=${who.id} (${who.label}) lists nothing`);
  }
  t.same(gateway.wire.acceptedWrites(), [], 'nothing was written');

  const byRegId = await gateway.request('GET', `/api/v1/individuals/by-reg-id/National%20ID/${LEAKED_ID_VALUE}`);
  t.equal(byRegId.status, 404, "an ID held by a user's partner is not found by the lookup");
  const listed = await gateway.request('GET', `/api/v1/individuals?id_value=${LEAKED_ID_VALUE}`);
  t.same(listed.body.items, [], 'nor by the list filter');

  const names = foreign.flatMap((f) => f.secrets).filter((s) => s.length >= 4);
  for (const dci of [
    { version: '1.0.0', query_type: 'idtype-value', response_entity: 'Member', query: { type: 'UIN', value: LEAKED_ID_VALUE } },
    expression('Member', { UIN: { $eq: LEAKED_ID_VALUE } }),
    ...['Member', 'Group'].map((entity) => expression(entity, { name: { $in: names } })),
  ]) {
    const response = await gateway.request('POST', '/registry/sync/search', { body: message([dci]) });
    t.equal(response.status, 200);
    const item = response.body.message.search_response[0];
    t.equal(item.status, 'succ', `DCI ${dci.query_type} ${JSON.stringify(dci.query).slice(0, 60)}: answered`);
    t.same(item.data?.reg_records ?? [], [], '...with no records');
    for (const secret of names) t.notOk(response.text.includes(secret), `...and without "${secret}"`);
  }
});
