import { Writable } from 'node:stream';
import t from 'tap';
import { pino } from 'pino';
import { ROLE_GET, ROLE_POST } from '../../src/config/auth.js';
import type { RouteAccess } from '../../src/http/principal.js';
import { registryPlugin } from '../../src/http/routes/index.js';
import { watchGatewayCalls } from '../support/call-shapes.js';
import { startGateway, startOdoo, type ListeningGateway } from '../support/gateway.js';
import type { OdooTarget } from '../support/odoo-target.js';
import { authHeaders, testToken, type TokenKind } from '../support/tokens.js';

interface CollectedRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

const KINDS: TokenKind[] = ['none', 'get', 'post', 'both'];
const ROLES_OF: Record<TokenKind, string[]> = { none: [], get: [ROLE_GET], post: [ROLE_POST], both: [ROLE_GET, ROLE_POST] };

let target: OdooTarget;
const gatewayCalls = watchGatewayCalls();
t.teardown(() => gatewayCalls.stop());
let gateway: ListeningGateway;
let base: string;
const routes: CollectedRoute[] = [];
const auditLines: Array<Record<string, unknown>> = [];

t.before(async () => {
  target = await startOdoo(t, { households: 3, seed: 1 });
  gateway = await startGateway(t, {
    odoo: target,
    listen: true,
    // The matrix below refuses hundreds of requests from one address within a minute, and the
    // audit test expects a line for each: no refusal is summed up instead of logged here.
    config: { log: { level: 'info', refusals: { windowMs: 60_000, linesPerWindow: 1_000_000 } } },
    before: async (app) => {
      // Collect every route the app ends up with, so new API routes join the matrix by themselves.
      app.addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) {
          if (method !== 'HEAD') routes.push({ method, url: route.url, access: (route.config as { access: RouteAccess }).access });
        }
      });
      // The audit hook logs through request.log, a child of app.log: send the app's log lines to a
      // capture (pino children write to their root's stream).
      const capture = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) auditLines.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      });
      (app.log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = capture;
      await app.after();
      if (!app.hasPlugin('registry-routes')) app.register(registryPlugin);
      // Test routes of each access level, one of them reporting the record ids it touched.
      app.get('/t/public', { config: { access: 'public' } }, async () => ({ ok: true }));
      app.get('/t/read/:id', { config: { access: ROLE_GET } }, async (request) => {
        request.auditIds = [Number((request.params as { id: string }).id)];
        return { ok: true };
      });
      app.post('/t/write', { config: { access: ROLE_POST } }, async () => ({ ok: true }));
    },
  });
  base = gateway.origin;
});

function concreteUrl(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, (_m, name: string) => (name.includes('type') ? 'national_id' : '1'));
}

async function call(route: CollectedRoute, kind: TokenKind): Promise<{ status: number; body: Record<string, unknown> }> {
  const withBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
  const answer = await gateway.request(route.method, concreteUrl(route.url), { headers: authHeaders(kind), ...(withBody ? { body: '{}' } : {}) });
  // Not JSON (metrics, docs): only the status matters here.
  return { status: answer.status, body: (answer.body ?? {}) as Record<string, unknown> };
}

t.test('the role matrix over every route', async (t) => {
  t.ok(
    routes.some((r) => r.url.startsWith('/api/v1/')),
    'the registry API routes are part of the matrix',
  );
  t.ok(routes.some((r) => r.access === ROLE_POST) && routes.some((r) => r.access === 'public'), 'every access level is represented');
  const table: string[] = ['| route | access | no token | GET | POST | both |', '|---|---|---|---|---|---|'];
  for (const route of routes) {
    const statuses: number[] = [];
    for (const kind of KINDS) {
      const { status, body } = await call(route, kind);
      statuses.push(status);
      const label = `${route.method} ${route.url} with ${kind} token`;
      if (route.access === 'public') {
        t.not(status, 401, label);
        t.not(status, 403, label);
      } else if (kind === 'none') {
        t.equal(status, 401, label);
      } else if (ROLES_OF[kind].includes(route.access)) {
        t.not(status, 401, label);
        t.not(status, 403, label);
      } else {
        t.equal(status, 403, label);
        // The DCI endpoints answer in DCI's own error format; the API in problem+json.
        if (body.type !== undefined) t.equal(body.missing_role, route.access, `${label} names the missing role`);
        else t.ok(JSON.stringify(body).includes(route.access), `${label} names the missing role`);
      }
    }
    table.push(`| ${route.method} ${route.url} | ${route.access} | ${statuses.join(' | ')} |`);
  }
  t.comment(`role matrix:\n${table.join('\n')}`);
});

t.test('a rejected request never reaches Odoo', async (t) => {
  const guarded = routes.filter((r) => r.access !== 'public');
  target.sim?.resetCalls();
  gatewayCalls.reset();
  for (const route of guarded) {
    await call(route, 'none');
    const other: TokenKind = route.access === ROLE_GET ? 'post' : 'get';
    await call(route, other);
    for (const bad of ['Bearer not-a-jwt', `Bearer ${testToken('both', { exp: 1 })}`]) {
      const response = await fetch(`${base}${concreteUrl(route.url)}`, { method: route.method, headers: { authorization: bad } });
      t.equal(response.status, 401);
      await response.arrayBuffer();
    }
  }
  t.same(
    gatewayCalls.calls().map((c) => `${c.model}.${c.method}`),
    [],
    'the gateway sent Odoo no call',
  );
  if (target.sim) t.equal(target.sim.calls.length, 0, 'and no RPC at all (logins included) reached the simulator');
});

t.test('403 names the missing role in problem+json', async (t) => {
  const response = await fetch(`${base}/t/write`, { method: 'POST', headers: { ...authHeaders('get'), 'content-type': 'application/json' }, body: '{}' });
  t.equal(response.status, 403);
  t.match(response.headers.get('content-type'), /^application\/problem\+json/);
  t.match(response.headers.get('www-authenticate'), /error="insufficient_scope"/);
  t.match(await response.json(), { type: '/problems/forbidden', status: 403, missing_role: ROLE_POST, detail: /Rest API POST/ });
});

t.test('one audit line per request, without personal data or token', async (t) => {
  auditLines.length = 0;
  const token = testToken('get', { sub: 'auditor-7', azp: 'registry-client', name: 'Amina Mwangi', phone_number: '+254700000001' });
  const ok = await fetch(`${base}/t/read/4242?name=Amina`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'audit-test-1' } });
  t.equal(ok.status, 200);
  await ok.arrayBuffer();
  const refused = await fetch(`${base}/t/write`, { method: 'POST' });
  t.equal(refused.status, 401);
  await refused.arrayBuffer();

  const audits = auditLines.filter((l) => l.msg === 'audit').map((l) => l.audit as Record<string, unknown>);
  t.equal(audits.length, 2, 'one line per request');
  t.match(audits[0], {
    sub: 'auditor-7',
    client_id: 'registry-client',
    via: 'jwt',
    roles: [ROLE_GET],
    method: 'GET',
    route: '/t/read/:id',
    access: ROLE_GET,
    record_ids: [4242],
    status: 200,
    duration_ms: Number,
    request_id: String,
  });
  t.match(audits[1], { sub: null, roles: [], method: 'POST', route: '/t/write', status: 401, refused: /bearer token/ });
  const everything = JSON.stringify(auditLines);
  t.notOk(everything.includes(token.split('.')[1]!), 'no token in the log');
  t.notOk(everything.includes('Amina'), 'no names');
  t.notOk(everything.includes('+254'), 'no phone numbers');
  t.notOk(everything.includes('/t/read/4242'), 'the route pattern, not the URL');
});

t.test('a route without a declared access level stops start-up', async (t) => {
  const undeclared = startGateway(t, {
    odoo: target,
    testDefaults: false,
    before: (app) => {
      app.register(async (scope) => {
        scope.get('/undeclared', async () => ({ ok: true }));
      });
    },
  });
  await t.rejects(undeclared, /route GET \/undeclared declares no access level/);

  const typo = startGateway(t, {
    odoo: target,
    testDefaults: false,
    before: (app) => {
      app.register(async (scope) => {
        scope.post('/typo', { config: { access: 'Rest API PUT' as never } }, async () => ({ ok: true }));
      });
    },
  });
  await t.rejects(typo, /route POST \/typo declares no access level/);

  // A route added at the root before the plugins load escapes onRoute; it fails closed instead.
  const early = await startGateway(t, {
    odoo: target,
    before: (app) => {
      app.get('/early', async () => ({ ok: true }));
    },
  });
  const response = await early.request('GET', '/early', { headers: authHeaders('both') });
  t.equal(response.status, 500);
  t.notOk(response.text.includes('"ok"'), 'the handler did not run');
});
