/**
 * Outbound targets (issue 26): webhook `allowedTargets` and DCI callback URLs compare host
 * names only, so a listed name that resolves (or is later rebound) to a private address made
 * the gateway post there. Every request the gateway sends on its own now goes through one
 * dispatcher (src/outbound/http-agent.ts) that resolves the name once per connection, refuses
 * non-public addresses unless `outbound.allowedNetworks` lists them, and connects to the very
 * address it checked.
 *
 * Before: a webhook to http://localhost:<port>/hooks (a name resolving to 127.0.0.1) was
 * delivered with no configuration allowing loopback; a name rebound between two connections
 * was followed to its new address. Real sockets throughout; names resolve through `localhost`
 * or an injected resolver (no outside DNS).
 */
import { createServer, type Server } from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { request } from 'undici';
import { configSchema } from '../../src/config/schema.js';
import { JwksKeyStore } from '../../src/http/auth/jwks.js';
import { createOutboundDispatcher, type Resolver } from '../../src/outbound/http-agent.js';
import { startGateway, startOdoo } from '../support/gateway.js';
import { testToken } from '../support/tokens.js';
import { startReceiver } from '../events/receiver.js';

interface CountingServer {
  port: number;
  hits: number;
}

async function listen(t: Test, host: string, port = 0): Promise<CountingServer> {
  const counting = { port: 0, hits: 0 };
  const server: Server = createServer((_request, response) => {
    counting.hits++;
    response.end('ok');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  counting.port = (server.address() as AddressInfo).port;
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return counting;
}

/** A resolver answering from a script, one answer per lookup (the last one repeated), counting lookups. */
function scriptedResolver(...answers: string[][]): Resolver & { lookups: number } {
  const resolver = Object.assign(
    async (): Promise<LookupAddress[]> => {
      const answer = answers[Math.min(resolver.lookups, answers.length - 1)]!;
      resolver.lookups++;
      return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    { lookups: 0 },
  );
  return resolver;
}

const get = (url: string, dispatcher: ReturnType<typeof createOutboundDispatcher>, reset = false) =>
  request(url, { dispatcher, reset, headersTimeout: 5_000, bodyTimeout: 5_000 }).then(async (response) => {
    await response.body.dump();
    return response.statusCode;
  });

t.test('a name resolving to loopback: refused unless allowed, delivered when allowed', async (t) => {
  const receiver = await listen(t, '127.0.0.1');
  const strict = createOutboundDispatcher({ allowedNetworks: [] });
  const loopback = createOutboundDispatcher({ allowedNetworks: ['loopback'] });
  t.teardown(() => Promise.all([strict.close(), loopback.close()]));
  await t.rejects(
    get(`http://localhost:${receiver.port}/hooks`, strict),
    { name: 'OutboundAddressRefused', message: /^refused to connect to localhost: the target's address is a loopback address/ },
    'localhost with no allowed networks: refused',
  );
  t.equal(receiver.hits, 0, 'and nothing reached the receiver');
  t.equal(await get(`http://localhost:${receiver.port}/hooks`, loopback), 200, 'with loopback allowed: delivered');
  t.equal(receiver.hits, 1);
});

t.test('address literals and special ranges are checked without a lookup', async (t) => {
  const receiver = await listen(t, '127.0.0.1');
  const resolver = scriptedResolver(['203.0.113.7']);
  const strict = createOutboundDispatcher({ allowedNetworks: [] }, resolver);
  const linkLocal = createOutboundDispatcher({ allowedNetworks: ['linklocal', 'uniquelocal', 'private'] }, resolver);
  t.teardown(() => Promise.all([strict.close(), linkLocal.close()]));
  for (const url of [
    `http://127.0.0.1:${receiver.port}/`,
    `http://[::ffff:127.0.0.1]:${receiver.port}/`,
    `http://0.0.0.0:${receiver.port}/`,
    'http://10.20.30.40/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://[::1]/',
    'http://[::]/',
    'http://224.0.0.1/',
    'http://[64:ff9b::a00:1]/',
  ]) {
    await t.rejects(get(url, strict), { name: 'OutboundAddressRefused' }, `${url}: refused`);
  }
  await t.rejects(
    get('http://100.64.0.1/', strict),
    { message: /carrier grade nat address, which outbound.allowedNetworks does not allow$/ },
    'the reason names the range',
  );
  for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/']) {
    await t.rejects(
      get(url, linkLocal),
      { name: 'OutboundAddressRefused', message: /cloud metadata/ },
      `${url}: still refused with linklocal and uniquelocal allowed`,
    );
  }
  t.equal(receiver.hits, 0, 'nothing reached the receiver');
  t.equal(resolver.lookups, 0, 'literals are never looked up');
});

t.test('a rebinding name: each connection is made to the address its own lookup checked', async (t) => {
  // 127.0.0.1 stands for the public address a name first resolves to, 127.0.0.2 for the private one it is rebound to.
  const checked = await listen(t, '127.0.0.1');
  const rebound = await listen(t, '127.0.0.2', checked.port);
  const resolver = scriptedResolver(['127.0.0.1'], ['127.0.0.2']);
  const dispatcher = createOutboundDispatcher({ allowedNetworks: ['127.0.0.1'] }, resolver);
  t.teardown(() => dispatcher.close());
  const url = `http://hooks.partner.test:${checked.port}/hooks`;
  t.equal(await get(url, dispatcher, true), 200, 'first connection: the checked address');
  t.equal(resolver.lookups, 1, 'one lookup for that connection');
  t.same([checked.hits, rebound.hits], [1, 0]);
  await t.rejects(get(url, dispatcher), { name: 'OutboundAddressRefused' }, 'the next connection looks up again: the rebound answer is refused');
  t.equal(resolver.lookups, 2);
  t.same([checked.hits, rebound.hits], [1, 0], 'the rebound address was never connected to');
});

t.test('an answer mixing allowed and refused addresses: only the allowed ones are tried', async (t) => {
  const receiver = await listen(t, '127.0.0.1');
  const resolver = scriptedResolver(['10.0.0.5', '127.0.0.1', '169.254.169.254']);
  const dispatcher = createOutboundDispatcher({ allowedNetworks: ['127.0.0.1/32'] }, resolver);
  t.teardown(() => dispatcher.close());
  t.equal(await get(`http://mixed.partner.test:${receiver.port}/`, dispatcher), 200);
  t.equal(receiver.hits, 1);
});

t.test("an issuer's JWKS on a loopback name: not fetched unless allowed", async (t) => {
  const issuer = await listen(t, '127.0.0.1');
  const strict = createOutboundDispatcher({ allowedNetworks: [] });
  t.teardown(() => strict.close());
  const store = new JwksKeyStore({ url: `http://localhost:${issuer.port}/certs`, dispatcher: strict, cacheTtlMs: 60_000, minRefetchIntervalMs: 0 });
  await t.rejects(store.keyFor({ kid: 'k1' }), {
    name: 'Error',
    message: /^JWKS http:\/\/localhost:\d+\/certs could not be fetched \(refused to connect to localhost: the target's address is a loopback address/,
  });
  t.equal(issuer.hits, 0, 'the issuer was never asked');
});

t.test('outbound.allowedNetworks takes addresses, CIDRs and the four names, nothing else', async (t) => {
  const accepted = configSchema.parse({
    outbound: { allowedNetworks: ['loopback', 'private', 'uniquelocal', 'linklocal', '10.20.0.0/16', 'fd12::/16', '192.0.2.7'] },
  });
  t.equal(accepted.outbound.allowedNetworks.length, 7);
  t.same(configSchema.parse({}).outbound, { allowedNetworks: [] }, 'none by default');
  for (const entry of ['everything', '10.0.0.0/33', '10.0.0', 'example.org']) {
    const parsed = configSchema.safeParse({ outbound: { allowedNetworks: [entry] } });
    t.notOk(parsed.success, `"${entry}" refused`);
    t.match(parsed.error?.issues[0], { path: ['outbound', 'allowedNetworks', 0], message: /IP address, an address\/prefix \(CIDR\) or loopback/ });
  }
});

t.test('a webhook whose name resolves to loopback: dead-lettered with the reason, unless loopback is allowed', async (t) => {
  const secret = 'a-declared-webhook-secret-0123456789';
  const refusedReceiver = await startReceiver(secret, '/hooks');
  const allowedReceiver = await startReceiver(secret, '/hooks');
  t.teardown(() => Promise.all([refusedReceiver.close(), allowedReceiver.close()]));
  const odoo = await startOdoo(t, { households: 1 });
  const gateway = (receiverUrl: string, allowedNetworks: string[]) =>
    startGateway(t, {
      odoo,
      config: {
        auth: { administrators: [{ claim: 'realm_access.roles', includes: 'webhook-admin' }] },
        outbound: { allowedNetworks },
        events: {
          enabled: true,
          pollIntervalMs: 100,
          delivery: { attempts: 1, timeoutMs: 2_000 },
          webhooks: { subscriptions: [{ id: 'partner', url: receiverUrl.replace('127.0.0.1', 'localhost'), secret }] },
        },
      },
    });
  const strict = await gateway(refusedReceiver.url, []);
  const allowing = await gateway(allowedReceiver.url, ['loopback']);
  const admin = testToken('both', { realm_access: { roles: ['registry-reader', 'registry-writer', 'webhook-admin'] } });
  for (const gw of [strict, allowing]) {
    for (let i = 0; !gw.app.changeDetector?.leading; i++) {
      if (i > 100) throw new Error('the detector never took the lease');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const created = await strict.request('POST', '/api/v1/individuals', { token: testToken('both'), body: { given_name: 'Pinned', family_name: 'Outbound' } });
  t.equal(created.status, 201, created.text);
  const subject = `individuals/${created.body.id}`;

  await allowedReceiver.waitFor((event) => event.subject === subject);
  t.pass('with loopback allowed the event is delivered to localhost');

  let letters: Array<{ subject: string; last_error: string }> = [];
  for (let i = 0; i < 100 && !letters.some((letter) => letter.subject === subject); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    letters = (await strict.request('GET', '/api/v1/webhooks/partner/dead-letters', { token: admin })).body.items;
  }
  t.match(
    letters.find((letter) => letter.subject === subject),
    { last_error: "refused to connect to localhost: the target's address is a loopback address, which outbound.allowedNetworks does not allow" },
    'without: the attempt fails with the reason, naming no address',
  );
  t.equal(refusedReceiver.events.length + refusedReceiver.refused + refusedReceiver.forged, 0, 'and nothing reached that receiver');
});
