import t from 'tap';
import { createBasicAuthenticator, parseBasicCredentials } from '../../src/http/auth/basic.js';
import { HttpProblem } from '../../src/http/problem.js';
import { createOdooConnection } from '../../src/odoo/index.js';
import { basic, CLERK, startCompatStack, type CompatStack } from '../support/compat.js';
import { authHeaders } from '../support/tokens.js';

let stack: CompatStack;
t.before(async () => {
  stack = await startCompatStack();
});
t.teardown(() => stack?.close());

const authenticateCalls = () => stack.sim.calls.filter((c) => c.service === 'common' && c.method === 'authenticate');
const hasGroupCalls = () => stack.sim.calls.filter((c) => c.objectMethod === 'has_group');

async function get(path: string, authorization?: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(`${stack.base}${path}`, { headers: authorization ? { authorization } : {} });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

t.test('good credentials: 200, the Odoo check and the role lookup paid once, then cached', async (t) => {
  stack.sim.resetCalls();
  const first = await get('/get_individual_ids?include_id_type=National+ID', basic(CLERK));
  t.equal(first.status, 200);
  t.ok(Array.isArray(first.body));
  t.equal(authenticateCalls().length, 1, 'the first call verifies the password with Odoo');
  t.equal(hasGroupCalls().length, 2, 'and reads the two Rest API groups');
  for (let i = 0; i < 3; i++) t.equal((await get('/get_individual_ids?include_id_type=National+ID', basic(CLERK))).status, 200);
  t.equal(authenticateCalls().length, 1, 'later calls use the cached check');
  t.equal(hasGroupCalls().length, 2, 'and the cached roles');
});

t.test('concurrent first calls with the same credentials share one Odoo check', async (t) => {
  stack.sim.resetCalls();
  const statuses = await Promise.all(Array.from({ length: 5 }, () => get('/get_individual_ids?include_id_type=National+ID', basic('rest_both'))));
  t.same(statuses.map((s) => s.status), [200, 200, 200, 200, 200]);
  t.equal(authenticateCalls().length, 1);
});

t.test('bad credentials: 401 with a Basic challenge, in the module\'s words; never cached', async (t) => {
  for (const authorization of [basic(CLERK, 'wrong-password'), basic('nosuchuser', 'x'), 'Basic !!!not-base64', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
    const response = await get('/individual/1', authorization);
    t.equal(response.status, 401, authorization);
    t.same(response.body, { detail: 'Incorrect username or password' });
    t.match(response.headers.get('www-authenticate'), /^Basic realm=/);
  }
  stack.sim.resetCalls();
  await get('/individual/1', basic(CLERK, 'wrong-password'));
  await get('/individual/1', basic(CLERK, 'wrong-password'));
  t.equal(authenticateCalls().length, 2, 'a refused password is asked again each time');
  t.equal(hasGroupCalls().length, 0, 'no role lookup for refused credentials');
});

t.test('no credentials: 401 "Not authenticated" with challenges for both schemes', async (t) => {
  const response = await get('/individual/1');
  t.equal(response.status, 401);
  t.same(response.body, { detail: 'Not authenticated' });
  t.match(response.headers.get('www-authenticate'), /Basic realm=/);
  t.match(response.headers.get('www-authenticate'), /Bearer realm=/);
});

t.test('a user without the Rest API groups gets 403 and Odoo is not asked for data', async (t) => {
  stack.sim.resetCalls();
  const response = await get('/individual/1', basic('noaccess'));
  t.equal(response.status, 403);
  t.match(response.body, { detail: /Rest API GET/ });
  t.notOk(stack.sim.calls.some((c) => c.model === 'res.partner'), 'no registry read was attempted');
});

t.test('a user with only Rest API GET may read but not write (403)', async (t) => {
  t.equal((await get('/get_individual_ids?include_id_type=National+ID', basic('rest_get'))).status, 200);
  const response = await fetch(`${stack.base}/individual`, {
    method: 'POST',
    headers: { authorization: basic('rest_get'), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'X', given_name: 'X', gender: null }),
  });
  t.equal(response.status, 403);
  t.match(await response.json(), { detail: /Rest API POST/ });
  const writer = await get('/get_individual_ids?include_id_type=National+ID', basic('rest_post'));
  t.equal(writer.status, 403, 'and Rest API POST alone does not read');
});

t.test('Basic callers act in Odoo as themselves, not as the gateway account', async (t) => {
  stack.sim.resetCalls();
  t.equal((await get('/get_individual_ids?include_id_type=National+ID', basic(CLERK))).status, 200);
  const uids = new Set(stack.sim.calls.filter((c) => c.service === 'object').map((c) => c.uid));
  const clerk = stack.sim.database.findUserByLogin(CLERK)!;
  t.same([...uids], [clerk.id]);
});

t.test('bearer tokens still work on the compatibility routes', async (t) => {
  t.equal((await get('/get_individual_ids?include_id_type=National+ID', authHeaders('get').authorization)).status, 200);
  t.equal((await get('/get_individual_ids?include_id_type=National+ID', authHeaders('post').authorization)).status, 403);
});

t.test('Basic works on the new API too, with roles from the Odoo groups', async (t) => {
  const ok = await fetch(`${stack.origin}/api/v1/individuals?limit=1`, { headers: { authorization: basic(CLERK) } });
  t.equal(ok.status, 200);
  await ok.arrayBuffer();
  const refused = await fetch(`${stack.origin}/api/v1/individuals?limit=1`, { headers: { authorization: basic('noaccess') } });
  t.equal(refused.status, 403);
  t.match(refused.headers.get('content-type'), /problem\+json/);
  await refused.arrayBuffer();
});

t.test('503 with Retry-After when Odoo cannot be reached to check the password', async (t) => {
  await stack.sim.faults.outage('refuse');
  t.teardown(() => stack.sim.faults.clear());
  const response = await get('/individual/1', basic('rest_post', 'never-verified'));
  t.equal(response.status, 503);
  t.ok(response.headers.get('retry-after'));
  t.match(response.body, { detail: /cannot be reached/ });
});

t.test('the authenticator: cache expiry and the shorter roles cache', async (t) => {
  const connection = createOdooConnection({ url: stack.sim.url, db: 'g2p', protocol: 'xmlrpc' });
  t.teardown(() => connection.close());
  let clock = 1_000_000;
  const auth = createBasicAuthenticator(connection, { cacheTtlMs: 60_000, rolesCacheTtlMs: 10_000, postImpliesGet: false, now: () => clock });
  const credentials = Buffer.from('rest_both:rest_both').toString('base64');
  const request = {} as never;

  stack.sim.resetCalls();
  const principal = await auth.authenticate(request, credentials);
  t.same([...principal.roles].sort(), ['Rest API GET', 'Rest API POST']);
  t.equal(principal.via, 'basic');
  t.same(principal.odooCredentials, { login: 'rest_both', secret: 'rest_both' });
  t.equal(authenticateCalls().length, 1);

  clock += 5_000;
  await auth.authenticate(request, credentials);
  t.equal(authenticateCalls().length, 1, 'within the TTL: cached');
  t.equal(hasGroupCalls().length, 2);

  clock += 6_000;
  await auth.authenticate(request, credentials);
  t.equal(authenticateCalls().length, 1, 'password still trusted');
  t.equal(hasGroupCalls().length, 4, 'roles read again after their shorter TTL');

  clock += 60_000;
  await auth.authenticate(request, credentials);
  t.equal(authenticateCalls().length, 2, 'after the TTL the password is checked again');

  // A group change in Odoo shows once the roles cache expires.
  const user = stack.sim.database.findUserByLogin('rest_both')!;
  const before = user.groups;
  user.groups = ['base.group_user', 'g2p_registry_rest_api.group_g2p_rest_api_get'];
  t.teardown(() => {
    user.groups = before;
  });
  clock += 11_000;
  t.same([...(await auth.authenticate(request, credentials)).roles], ['Rest API GET']);

  const refusal = await auth.authenticate(request, Buffer.from('rest_both:nope').toString('base64')).catch((err: unknown) => err);
  t.ok(refusal instanceof HttpProblem && refusal.status === 401, 'a wrong password is refused with 401 even right after a good one');
  t.same(parseBasicCredentials(Buffer.from('a:b:c').toString('base64')), { login: 'a', secret: 'b:c' }, 'a password may hold colons');
});

t.test('compat.basicAuth.enabled: false refuses Basic without asking Odoo', async (t) => {
  const off = await startCompatStack({ compat: { basicAuth: { enabled: false } } });
  t.teardown(() => off.close());
  off.sim.resetCalls();
  const response = await fetch(`${off.base}/individual/1`, { headers: { authorization: basic(CLERK) } });
  t.equal(response.status, 401);
  t.same(await response.json(), { detail: 'Incorrect username or password' });
  t.equal(response.headers.get('www-authenticate'), 'Bearer realm="g2p-gateway"', 'only Bearer is offered');
  t.equal(off.sim.calls.length, 0);
});
