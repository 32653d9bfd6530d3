import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { closeGracefully } from '../../src/http/ops/shutdown.js';
import { startSimulator } from '../../src/sim/index.js';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from '../support/config.js';
import { startGateway, type ConfiguredGatewayOptions, type OdooEndpoint } from '../support/gateway.js';

const simulator = await startSimulator({ households: 3 });
t.teardown(() => simulator.close());

const odooAt = (url: string, password = 'registrar'): OdooEndpoint => ({ url, db: simulator.database.name, login: 'registrar', password });

/** An HS256 token from the test issuer, granting the roles TEST_ROLES maps from `realm_access.roles`. */
function token(sub: string, realmRoles: string[] = ['registry-reader']): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub, iat: now, exp: now + 600, realm_access: { roles: realmRoles } })}`;
  return `${body}.${createHmac('sha256', TEST_JWT_SECRET).update(body).digest('base64url')}`;
}

/**
 * The gateway listening on a real port, with the shipped rate limit, load shedding and metrics;
 * `extra` routes (registered as a plugin, so the rate limit sees them) stand in for slow or simple API calls.
 */
async function serve(
  t: Test,
  odoo: OdooEndpoint,
  config: ConfiguredGatewayOptions['config'] = {},
  extra?: (app: FastifyInstance) => void,
): Promise<{ app: FastifyInstance; base: string }> {
  const gateway = await startGateway(t, {
    odoo,
    testDefaults: false,
    listen: true,
    config: { ...config, odoo: { readRetries: 0, ...config.odoo } },
    before: (app) => {
      if (extra) app.register(async (scope) => extra(scope));
    },
  });
  return { app: gateway.app, base: gateway.origin };
}

const problemOf = async (t: Test, res: Response) => {
  t.match(res.headers.get('content-type'), /^application\/problem\+json/);
  return (await res.json()) as { status: number; detail: string; instance: string };
};

t.test('probes: /healthz always, /readyz follows Odoo and the login; request ids are echoed', async (t) => {
  const { base } = await serve(t, odooAt(simulator.url), { readiness: { cacheMs: 0 } });

  const health = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'probe-1' } });
  t.equal(health.status, 200);
  t.same(await health.json(), { status: 'ok' });
  t.equal(health.headers.get('x-request-id'), 'probe-1', 'a plain caller id is kept');
  const odd = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'has spaces <and> tags' } });
  t.match(odd.headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'an unsafe id is replaced by a generated one');

  const ready = await fetch(`${base}/readyz`);
  t.equal(ready.status, 200);
  t.same(await ready.json(), { status: 'ready' });
  const text = JSON.stringify(await (await fetch(`${base}/readyz`)).json());
  t.notMatch(text, /registrar|17\.0|version/i, 'no login or version leaks');

  const wrong = await serve(t, odooAt(simulator.url, 'not-the-password'), { readiness: { cacheMs: 0 } });
  const refused = await fetch(`${wrong.base}/readyz`, { headers: { 'x-request-id': 'probe-2' } });
  t.equal(refused.status, 503);
  t.ok(refused.headers.get('retry-after'));
  const problem = await problemOf(t, refused);
  t.match(problem.detail, /refused the gateway's login/);
  t.equal(problem.instance, 'urn:request:probe-2');
  t.notMatch(JSON.stringify(problem), /not-the-password|registrar/);
});

t.test('/readyz fails while Odoo is down and recovers when it is back', async (t) => {
  const own = await startSimulator({ households: 1 });
  const port = own.port;
  const { app, base } = await serve(t, odooAt(own.url), { odoo: { breaker: { failureThreshold: 100, resetAfterMs: 1 } }, readiness: { cacheMs: 0 } });
  t.equal((await fetch(`${base}/readyz`)).status, 200);
  await own.close();
  const down = await fetch(`${base}/readyz`);
  t.equal(down.status, 503);
  t.match((await problemOf(t, down)).detail, /Odoo is not reachable/);
  t.equal((await fetch(`${base}/healthz`)).status, 200, 'alive even when Odoo is not');

  const again = await startSimulator({ households: 1, port });
  t.teardown(() => again.close());
  t.equal((await fetch(`${base}/readyz`)).status, 200, 'ready again');
  t.equal(app.odoo.breakerState, 'closed');
});

t.test('metrics on the API port need the token and describe requests and Odoo calls', async (t) => {
  const { base } = await serve(t, odooAt(simulator.url), { metrics: { token: 'scrape-secret' } }, (app) => {
    app.get('/ops-test/partners', { config: { access: 'Rest API GET' } }, async () => {
      // A call the gateway itself makes (reference data), so the test adds no call shape of its own.
      const genders = await app.odoo.as({ login: 'registrar', secret: 'registrar' }).searchRead('gender.type', [], ['value'], { order: 'id' });
      return { count: genders.length };
    });
  });
  await fetch(`${base}/readyz`);
  const call = await fetch(`${base}/ops-test/partners`, { headers: { authorization: `Bearer ${token('reader')}` } });
  t.equal(call.status, 200);
  await fetch(`${base}/no/such/route/12345`);

  const anonymous = await fetch(`${base}/metrics`);
  t.equal(anonymous.status, 401);
  t.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="metrics"');
  await problemOf(t, anonymous);
  t.equal((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer scrape-secreT' } })).status, 401);

  const scrape = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer scrape-secret' } });
  t.equal(scrape.status, 200);
  t.match(scrape.headers.get('content-type'), /^text\/plain/);
  const text = await scrape.text();
  t.match(text, /g2p_http_request_duration_seconds_count\{method="GET",route="\/ops-test\/partners",status_code="200"\} 1/);
  t.match(text, /g2p_http_request_duration_seconds_count\{method="GET",route="\/readyz",status_code="200"\} 1/);
  t.match(text, /g2p_http_request_duration_seconds_count\{method="GET",route="\(unmatched\)",status_code="404"\} 1/, 'unknown URLs share one series');
  t.notMatch(text, /12345/);
  t.match(text, /g2p_odoo_call_duration_seconds_count\{model="gender\.type",method="search_read",outcome="ok"\} 1/);
  t.match(text, /g2p_odoo_call_duration_seconds_count\{model="",method="authenticate",outcome="ok"\} \d+/);
  t.match(text, /g2p_odoo_circuit_breaker_state 0/);
  t.match(text, /g2p_odoo_calls_in_flight 0/);
  t.match(text, /g2p_http_requests_in_flight 1\n/, 'the scrape itself is in flight');
  t.match(text, /g2p_process_cpu_seconds_total/);

  // An unreachable Odoo: the failed login is counted by outcome and the breaker shows open.
  const dead = await serve(t, odooAt('http://127.0.0.1:1'), { odoo: { breaker: { failureThreshold: 1, resetAfterMs: 600_000 } }, metrics: { token: 'm' } });
  t.equal((await fetch(`${dead.base}/readyz`)).status, 503);
  const deadText = await (await fetch(`${dead.base}/metrics`, { headers: { authorization: 'Bearer m' } })).text();
  t.match(deadText, /g2p_odoo_circuit_breaker_state 2/);
  t.match(deadText, /g2p_odoo_call_duration_seconds_count\{model="",method="authenticate",outcome="unavailable"\} 1/);
});

t.test('metrics on a separate port, and not served at all without token or port', async (t) => {
  const { app, base } = await serve(t, odooAt(simulator.url), { metrics: { port: 0 } });
  const address = app.metricsAddress();
  t.ok(address, 'the metrics listener is up once the app is ready');
  const scrape = await fetch(`http://127.0.0.1:${address!.port}/metrics`);
  t.equal(scrape.status, 200);
  t.match(await scrape.text(), /g2p_odoo_circuit_breaker_state/);
  t.equal((await fetch(`http://127.0.0.1:${address!.port}/other`)).status, 404);
  t.equal((await fetch(`${base}/metrics`)).status, 404, 'not on the API port');

  const hidden = await serve(t, odooAt(simulator.url));
  t.equal((await fetch(`${hidden.base}/metrics`)).status, 404);
  t.equal(hidden.app.metricsAddress(), undefined);

  await app.close();
  t.equal(app.metricsAddress(), undefined, 'the metrics listener closes with the app');
});

t.test('rate limit per caller: 429 problem with Retry-After for one, the other unaffected', async (t) => {
  const { base } = await serve(t, odooAt(simulator.url), { rateLimit: { max: 3, windowMs: 60_000 }, metrics: { token: 'm' } }, (app) => {
    app.get('/ops-test/ping', { config: { access: 'Rest API GET' } }, async () => ({ pong: true }));
  });
  const as = (who: string) => ({ headers: { authorization: `Bearer ${token(who)}` } });
  for (let i = 0; i < 3; i++) t.equal((await fetch(`${base}/ops-test/ping`, as('alice'))).status, 200);
  const limited = await fetch(`${base}/ops-test/ping`, as('alice'));
  t.equal(limited.status, 429);
  t.match(limited.headers.get('retry-after'), /^\d+$/);
  t.ok(Number(limited.headers.get('retry-after')) > 0 && Number(limited.headers.get('retry-after')) <= 60);
  t.match((await problemOf(t, limited)).detail, /Rate limit/);

  t.equal((await fetch(`${base}/ops-test/ping`, as('bob'))).status, 200, 'another caller from the same address still gets through');
  for (let i = 0; i < 5; i++) t.equal((await fetch(`${base}/healthz`)).status, 200, 'probes are not limited');
  const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer m' } })).text();
  t.match(metrics, /g2p_http_rate_limited_total 1/);
});

t.test('load shedding: 503 problem with Retry-After while the event loop is saturated', async (t) => {
  const { base } = await serve(
    t,
    odooAt(simulator.url),
    { server: { underPressure: { maxEventLoopDelayMs: 50, sampleIntervalMs: 200, retryAfterSeconds: 7 } } },
    (app) => app.get('/ops-test/ping', { config: { access: 'Rest API GET' } }, async () => ({ pong: true })),
  );
  const auth = { headers: { authorization: `Bearer ${token('carol')}` } };
  t.equal((await fetch(`${base}/ops-test/ping`, auth)).status, 200);

  // Saturate the event loop as CPU-bound work would: 100 ms busy slices with only brief
  // breaths between them, so every sample sees a mean delay far above the threshold.
  let saturating = true;
  const slice = () => {
    const until = performance.now() + 100;
    while (performance.now() < until);
    if (saturating) setImmediate(slice);
  };
  slice();
  try {
    await new Promise((r) => setTimeout(r, 500));
    const shed = await fetch(`${base}/ops-test/ping`, auth);
    t.equal(shed.status, 503);
    t.equal(shed.headers.get('retry-after'), '7');
    t.match((await problemOf(t, shed)).detail, /overloaded/);
    t.equal((await fetch(`${base}/healthz`)).status, 200, 'liveness is still answered');
  } finally {
    saturating = false;
  }

  // Once the loop is idle again the next samples clear the pressure.
  let status = 503;
  for (let i = 0; i < 50 && status === 503; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await fetch(`${base}/ops-test/ping`, auth)).status;
  }
  t.equal(status, 200, 'recovers');
});

t.test('graceful shutdown lets an in-flight request finish and refuses new connections', async (t) => {
  let arrived!: () => void;
  const inHandler = new Promise<void>((r) => (arrived = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const { app, base } = await serve(t, odooAt(simulator.url), {}, (scope) => {
    scope.get('/ops-test/slow', { config: { access: 'public' } }, async () => {
      arrived();
      await released;
      return { finished: true };
    });
  });
  const inFlight = fetch(`${base}/ops-test/slow`);
  await inHandler;
  const closing = closeGracefully(app, 10_000);
  await new Promise((r) => setImmediate(r));
  await t.rejects(fetch(`${base}/healthz`, { headers: { connection: 'close' } }), 'no new connections while draining');
  release();
  const res = await inFlight;
  t.equal(res.status, 200);
  t.same(await res.json(), { finished: true });
  t.equal(await closing, 'clean');
});

t.test('graceful shutdown cuts a request that outlives the grace period', async (t) => {
  let arrived!: () => void;
  const inHandler = new Promise<void>((r) => (arrived = r));
  const { app, base } = await serve(t, odooAt(simulator.url), {}, (scope) => {
    scope.get('/ops-test/stuck', { config: { access: 'public' } }, () => {
      arrived();
      return new Promise(() => undefined);
    });
  });
  const stuck = fetch(`${base}/ops-test/stuck`);
  await inHandler;
  t.equal(await closeGracefully(app, 100), 'forced');
  await t.rejects(stuck, 'the stuck request is cut off');
});
