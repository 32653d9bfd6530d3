import t from 'tap';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyPluginCallback } from 'fastify';
import { buildApp, withServices } from '../../src/app.js';
import { ROLE_POST } from '../../src/config/auth.js';
import { authPlugin } from '../../src/http/auth/index.js';
import { compatPlugin } from '../../src/http/compat/index.js';
import { dciPlugin } from '../../src/http/dci/index.js';
import { customEndpointsPlugin } from '../../src/http/endpoints.js';
import { odooAccountPlugin } from '../../src/http/odoo-account.js';
import { opsPlugin } from '../../src/http/ops/index.js';
import { openApiPlugin } from '../../src/http/openapi.js';
import { registryPlugin } from '../../src/http/routes/index.js';
import type { OdooCredentials } from '../../src/odoo/types.js';
import { createServices } from '../../src/services.js';
import { testConfig } from '../support/config.js';
import { startOdooTarget, type OdooTarget } from '../support/odoo-target.js';
import { authHeaders } from '../support/tokens.js';

/**
 * How the gateway is put together: the services are built once (src/services.ts) and every
 * plugin declares the plugins and decorators it needs, so a wrong registration order stops
 * start-up with a message naming what is missing instead of failing on the first request.
 */

// Nothing here reaches Odoo before a request: an address that refuses connections will do.
const offlineConfig = () =>
  testConfig({ odoo: { url: 'http://127.0.0.1:9', db: 'x', accounts: { default: { login: 'a', password: 'b' } } }, metrics: { enabled: false } });

/** A bare Fastify holding the gateway's services, with these plugins registered in this order. */
function appWith(...plugins: Array<FastifyPluginAsync | FastifyPluginCallback>): FastifyInstance {
  const app = Fastify();
  withServices(app, createServices(offlineConfig(), {}, app.log));
  for (const plugin of plugins) app.register(plugin);
  return app;
}

async function startupError(app: FastifyInstance): Promise<string> {
  try {
    await app.ready();
    return 'started';
  } catch (err) {
    return (err as Error).message;
  } finally {
    await app.close().catch(() => undefined);
  }
}

t.test('the gateway starts with its plugins in their declared order', async (t) => {
  const app = buildApp(offlineConfig());
  await app.ready();
  for (const name of ['g2p-auth', 'odoo-account', 'g2p-ops', 'openapi', 'registry-routes', 'events', 'jwks', 'dci', 'compat', 'custom-endpoints']) {
    t.ok(app.hasPlugin(name), `${name} is registered`);
  }
  t.equal(app.registry, app.services.registry, 'one registry, decorated from the services');
  t.equal(app.state, app.services.state, 'one state store');
  await app.close();
});

t.test('routes registered before the auth plugin stop start-up, naming the missing plugin', async (t) => {
  t.equal(await startupError(appWith(registryPlugin, authPlugin)), "The dependency 'g2p-auth' of plugin 'registry-routes' is not registered");
});

t.test('the caller account plugin needs authentication first', async (t) => {
  t.equal(await startupError(appWith(odooAccountPlugin, authPlugin)), "The dependency 'g2p-auth' of plugin 'odoo-account' is not registered");
});

t.test('the DCI and compatibility routes need the caller account plugin', async (t) => {
  for (const plugin of [dciPlugin, compatPlugin]) {
    t.match(await startupError(appWith(authPlugin, opsPlugin, plugin)), /^The dependency 'odoo-account' of plugin '(dci|compat)' is not registered$/);
  }
});

t.test('declared endpoints come after every built-in route plugin', async (t) => {
  const app = appWith(authPlugin, opsPlugin, odooAccountPlugin, openApiPlugin, registryPlugin, customEndpointsPlugin);
  t.equal(await startupError(app), "The dependency 'events' of plugin 'custom-endpoints' is not registered");
});

t.test('a plugin without the services it reads stops start-up', async (t) => {
  const app = Fastify();
  app.register(registryPlugin);
  t.equal(await startupError(app), "The decorator 'services' required by 'registry-routes' is not present in Fastify");
});

t.test("the caller's Odoo account is set once per request", async (t) => {
  const target: OdooTarget = await startOdooTarget({ households: 2, seed: 3 });
  t.teardown(() => target.close());
  const app = buildApp(
    testConfig({
      odoo: { url: target.url, db: target.db, accounts: { default: { login: target.login, password: target.password } } },
      server: { underPressure: { enabled: false } },
      rateLimit: { enabled: false },
      metrics: { enabled: false },
      compat: { enabled: true },
    }),
  );
  app.get('/t/public-reads-actor', { config: { access: 'public' } }, async (request) => ({ uid: Boolean(request.actor) }));
  app.post('/t/actor', { config: { access: ROLE_POST } }, async (request) => ({ roles: [...request.actor.roles] }));
  await app.ready();
  t.teardown(() => app.close());

  // Count the accounts the connection hands out (the calls still go over the wire as usual).
  const accounts: string[] = [];
  const odoo = app.odoo as { as(credentials: OdooCredentials): unknown };
  const as = odoo.as.bind(odoo);
  odoo.as = (credentials) => {
    accounts.push(credentials.login);
    return as(credentials);
  };

  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/individuals',
    headers: authHeaders('both'),
    payload: { given_name: 'Wiring', family_name: 'Once' },
  });
  t.equal(created.statusCode, 201, created.body);
  const id = (created.json() as { id: number }).id;
  t.same(accounts, [target.login], 'a create and its read-back act through one account');

  accounts.length = 0;
  const patched = await app.inject({
    method: 'PATCH',
    url: `/api/v1/individuals/${id}`,
    headers: { ...authHeaders('both'), 'if-match': created.headers.etag as string },
    payload: { given_name: 'Wired' },
  });
  t.equal(patched.statusCode, 200, patched.body);
  t.same(accounts, [target.login], 'read, If-Match check, write and read-back: one account');

  accounts.length = 0;
  const compat = await app.inject({ method: 'GET', url: `/api/v1/registry/individual/${id}`, headers: authHeaders('both') });
  t.equal(compat.statusCode, 200, compat.body);
  t.same(accounts, [target.login], 'the compatibility read (record and photo): one account');

  const roles = await app.inject({ method: 'POST', url: '/t/actor', headers: authHeaders('both') });
  t.same(roles.json(), { roles: ['Rest API GET', 'Rest API POST'] }, "the actor carries the caller's roles");

  accounts.length = 0;
  const publicRead = await app.inject({ method: 'GET', url: '/t/public-reads-actor' });
  t.equal(publicRead.statusCode, 500, 'a public route has no caller to act as: a programming error');
  t.same(accounts, [], 'and no Odoo account was handed out');
});
