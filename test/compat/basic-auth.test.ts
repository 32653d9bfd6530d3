import t from 'tap';
import { createBasicAuthenticator, parseBasicCredentials } from '../../src/http/auth/basic.js';
import { HttpProblem } from '../../src/http/problem.js';
import { createOdooConnection } from '../../src/odoo/index.js';
import type { OdooError } from '../../src/odoo/errors.js';
import { basic, CLERK, makeApiKey, simOnly, startCompatStack, USERS, type CompatStack } from '../support/compat.js';
import { authHeaders } from '../support/tokens.js';

let stack: CompatStack;
t.before(async () => {
  stack = await startCompatStack(t);
});

const sim = () => stack.sim!;
const authenticateCalls = () => sim().calls.filter((c) => c.service === 'common' && c.method === 'authenticate');
const hasGroupCalls = () => sim().calls.filter((c) => c.objectMethod === 'has_group');
const READER = USERS.reader.login;
const WRITER = USERS.writer.login;
const BOTH = USERS.both.login;
const NONE = USERS.none.login;
const IDS = '/get_individual_ids?include_id_type=National+ID';

async function get(path: string, authorization?: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(`${stack.base}${path}`, { headers: authorization ? { authorization } : {} });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

t.test('good credentials: 200; the roles come from has_group as Odoo 17 takes it', async (t) => {
  const first = await get(IDS, basic(CLERK));
  t.equal(first.status, 200, JSON.stringify(first.body));
  t.ok(Array.isArray(first.body));
  t.equal((await get(IDS, basic(READER))).status, 200, READER);
});

t.test('res.users.has_group as Odoo 17 answers it over RPC (the simulator follows the real server)', async (t) => {
  const [both, none] = [stack.odooAs(BOTH), stack.odooAs(NONE)];
  const group = 'g2p_registry_rest_api.group_g2p_rest_api_get';
  t.equal(await both.executeKw('res.users', 'has_group', [group]), true, 'the xml id alone, answered for the caller');
  t.equal(await none.executeKw('res.users', 'has_group', [group]), false);
  t.equal(await both.executeKw('res.users', 'has_group', [], { group_ext_id: group }), true, 'or as a keyword');
  t.equal(await both.executeKw('res.users', 'has_group', ['base.no_such_group']), false, 'an unknown group is simply false');
  const [uid] = await stack.odoo.search('res.users', [['login', '=', NONE]]);
  const fault = async (args: unknown[]) => {
    const err = (await both.executeKw('res.users', 'has_group', args).then(
      () => undefined,
      (e: unknown) => e,
    )) as OdooError | undefined;
    return [err?.odooClass, `${err?.message} ${err?.debug}`];
  };
  t.match(
    await fault([[uid], group]),
    ['builtins.TypeError', /has_group\(\) takes 2 positional arguments but 3 were given/],
    'the old [[uid], xmlid] shape is refused',
  );
  t.match(await fault([]), ['builtins.TypeError', /missing 1 required positional argument: 'group_ext_id'/]);
  t.match(await fault(['nodot']), ['builtins.AssertionError', /External ID 'nodot' must be fully qualified/]);
  t.match(await fault(['a.b.c']), ['builtins.ValueError', /too many values to unpack/]);
});

t.test('an Odoo API key, made in a web session, works as the Basic password; execute_kw cannot make one (as Odoo 17)', async (t) => {
  const key = await makeApiKey(stack, BOTH);
  t.match(key, /^[0-9a-f]{40}$/);
  t.equal((await get(IDS, basic(BOTH, key))).status, 200);
  const client = stack.odooAs(BOTH);
  const description = await client.create('res.users.apikeys.description', { name: `rpc-${stack.runTag}` });
  const refusal = (await client.executeKw('res.users.apikeys.description', 'make_key', [[description]]).catch((e: unknown) => e)) as OdooError;
  t.equal(refusal.odooClass, 'odoo.exceptions.UserError');
  t.match(`${refusal.message} ${refusal.debug}`, /This method can only be accessed over HTTP/);
});

simOnly(
  t,
  () => stack,
  'the Odoo check and the role lookup are paid once, then cached (simulator: call counts)',
  async (t) => {
    const fresh = await startCompatStack(t);
    fresh.sim!.resetCalls();
    t.equal((await fetch(`${fresh.base}${IDS}`, { headers: { authorization: basic(CLERK) } })).status, 200);
    const calls = () => fresh.sim!.calls;
    t.equal(calls().filter((c) => c.service === 'common' && c.method === 'authenticate').length, 1, 'the first call verifies the password with Odoo');
    const hasGroup = () => calls().filter((c) => c.objectMethod === 'has_group');
    t.equal(hasGroup().length, 2, 'and reads the two Rest API groups');
    for (let i = 0; i < 3; i++) t.equal((await fetch(`${fresh.base}${IDS}`, { headers: { authorization: basic(CLERK) } })).status, 200);
    t.equal(calls().filter((c) => c.service === 'common' && c.method === 'authenticate').length, 1, 'later calls use the cached check');
    t.equal(hasGroup().length, 2, 'and the cached roles');
  },
);

simOnly(
  t,
  () => stack,
  'concurrent first calls with the same credentials share one Odoo check (simulator: call counts)',
  async (t, sim) => {
    sim.resetCalls();
    const statuses = await Promise.all(Array.from({ length: 5 }, () => get(IDS, basic(BOTH))));
    t.same(
      statuses.map((s) => s.status),
      [200, 200, 200, 200, 200],
    );
    t.equal(authenticateCalls().length, 1);
  },
);

t.test("bad credentials: 401 with a Basic challenge, in the module's words; never cached", async (t) => {
  for (const authorization of [
    basic(CLERK, 'wrong-password'),
    basic('nosuchuser', 'x'),
    'Basic !!!not-base64',
    `Basic ${Buffer.from('no-colon').toString('base64')}`,
  ]) {
    const response = await get('/individual/1', authorization);
    t.equal(response.status, 401, authorization);
    t.same(response.body, { detail: 'Incorrect username or password' });
    t.match(response.headers.get('www-authenticate'), /^Basic realm=/);
  }
});

simOnly(
  t,
  () => stack,
  'a refused password is asked again each time, with no role lookup (simulator: call counts)',
  async (t, sim) => {
    sim.resetCalls();
    await get('/individual/1', basic(CLERK, 'wrong-password'));
    await get('/individual/1', basic(CLERK, 'wrong-password'));
    t.equal(authenticateCalls().length, 2);
    t.equal(hasGroupCalls().length, 0);
  },
);

t.test('no credentials: 401 "Not authenticated" with challenges for both schemes', async (t) => {
  const response = await get('/individual/1');
  t.equal(response.status, 401);
  t.same(response.body, { detail: 'Not authenticated' });
  t.match(response.headers.get('www-authenticate'), /Basic realm=/);
  t.match(response.headers.get('www-authenticate'), /Bearer realm=/);
});

t.test('a user without the Rest API groups gets 403, not 502', async (t) => {
  const response = await get('/individual/1', basic(NONE));
  t.equal(response.status, 403);
  t.match(response.body, { detail: /Rest API GET/ });
});

simOnly(
  t,
  () => stack,
  'a user without the Rest API groups: Odoo is not asked for data (simulator: call counts)',
  async (t, sim) => {
    sim.resetCalls();
    t.equal((await get('/individual/1', basic(NONE))).status, 403);
    t.notOk(
      sim.calls.some((c) => c.model === 'res.partner'),
      'no registry read was attempted',
    );
  },
);

t.test('a user with only Rest API GET may read but not write (403)', async (t) => {
  t.equal((await get(IDS, basic(READER))).status, 200);
  const response = await fetch(`${stack.base}/individual`, {
    method: 'POST',
    headers: { authorization: basic(READER), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'X', given_name: 'X', gender: null }),
  });
  t.equal(response.status, 403);
  t.match(await response.json(), { detail: /Rest API POST/ });
  const writer = await get(IDS, basic(WRITER));
  t.equal(writer.status, 403, 'and Rest API POST alone does not read');
});

t.test('Basic callers act in Odoo as themselves, not as the gateway account', async (t) => {
  const response = await fetch(`${stack.base}/individual`, {
    method: 'POST',
    headers: { authorization: basic(BOTH), 'content-type': 'application/json' },
    body: JSON.stringify({ name: `ACTOR, ${stack.runTag}`, given_name: stack.runTag, gender: null }),
  });
  t.equal(response.status, 200);
  const { id } = (await response.json()) as { id: number };
  const [me] = await stack.odoo.search('res.users', [['login', '=', BOTH]]);
  const [record] = await stack.odoo.read('res.partner', [id], ['create_uid']);
  t.same((record!.create_uid as [number, string])[0], me, 'Odoo recorded the caller as the creator');
});

t.test('bearer tokens still work on the compatibility routes', async (t) => {
  t.equal((await get(IDS, authHeaders('get').authorization)).status, 200);
  t.equal((await get(IDS, authHeaders('post').authorization)).status, 403);
});

t.test('Basic works on the new API too, with roles from the Odoo groups', async (t) => {
  const ok = await fetch(`${stack.origin}/api/v1/individuals?limit=1`, { headers: { authorization: basic(CLERK) } });
  t.equal(ok.status, 200);
  await ok.arrayBuffer();
  const refused = await fetch(`${stack.origin}/api/v1/individuals?limit=1`, { headers: { authorization: basic(NONE) } });
  t.equal(refused.status, 403);
  t.match(refused.headers.get('content-type'), /problem\+json/);
  await refused.arrayBuffer();
});

simOnly(
  t,
  () => stack,
  '503 with Retry-After when Odoo cannot be reached to check the password (simulator: fault injection)',
  async (t, sim) => {
    await sim.faults.outage('refuse');
    t.teardown(() => sim.faults.clear());
    const response = await get('/individual/1', basic(WRITER, 'never-verified'));
    t.equal(response.status, 503);
    t.ok(response.headers.get('retry-after'));
    t.match(response.body, { detail: /cannot be reached/ });
  },
);

simOnly(
  t,
  () => stack,
  'the authenticator: cache expiry and the shorter roles cache (simulator: call counts and its users)',
  async (t, sim) => {
    const connection = createOdooConnection({ url: sim.url, db: 'g2p', protocol: 'xmlrpc' });
    t.teardown(() => connection.close());
    let clock = 1_000_000;
    const auth = createBasicAuthenticator(connection, { cacheTtlMs: 60_000, rolesCacheTtlMs: 10_000, postImpliesGet: false, now: () => clock });
    const credentials = Buffer.from(`${BOTH}:${BOTH}`).toString('base64');
    const request = {} as never;

    sim.resetCalls();
    const principal = await auth.authenticate(request, credentials);
    t.same([...principal.roles].sort(), ['Rest API GET', 'Rest API POST']);
    t.equal(principal.via, 'basic');
    t.same(principal.odooCredentials, { login: BOTH, secret: BOTH });
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
    const user = sim.database.findUserByLogin(BOTH)!;
    const before = user.groups;
    user.groups = ['base.group_user', 'g2p_registry_rest_api.group_g2p_rest_api_get'];
    t.teardown(() => {
      user.groups = before;
    });
    clock += 11_000;
    t.same([...(await auth.authenticate(request, credentials)).roles], ['Rest API GET']);

    const refusal = await auth.authenticate(request, Buffer.from(`${BOTH}:nope`).toString('base64')).catch((err: unknown) => err);
    t.ok(refusal instanceof HttpProblem && refusal.status === 401, 'a wrong password is refused with 401 even right after a good one');
    t.same(parseBasicCredentials(Buffer.from('a:b:c').toString('base64')), { login: 'a', secret: 'b:c' }, 'a password may hold colons');
  },
);

t.test('compat.basicAuth.enabled: false refuses Basic', async (t) => {
  const off = await startCompatStack(t, { compat: { basicAuth: { enabled: false } } });
  off.sim?.resetCalls();
  const response = await fetch(`${off.base}/individual/1`, { headers: { authorization: basic(CLERK) } });
  t.equal(response.status, 401);
  t.same(await response.json(), { detail: 'Incorrect username or password' });
  t.equal(response.headers.get('www-authenticate'), 'Bearer realm="g2p-gateway"', 'only Bearer is offered');
  if (off.sim) t.equal(off.sim.calls.length, 0, 'Odoo is not asked (simulator: call counts)');
});
