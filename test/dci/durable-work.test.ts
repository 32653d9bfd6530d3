/**
 * Async DCI work kept in Redis (`redis.url` set), end to end on a real redis-server: a
 * callback accepted before a restart is delivered by the gateway built after it; two gateways
 * on one Redis deliver each callback once; while Redis is down the async routes answer 503 in
 * the standard's HttpErrorResponse shape, and the work accepted before resumes once it is back.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { startGateway } from '../support/gateway.js';
import { captureLogs } from '../support/stack.js';
import { simulatorOnly, type OdooTarget } from '../support/odoo-target.js';
import { redisServerMissing, startRedis, type RedisServer } from '../support/redis.js';
import { requestProblems, responseProblems } from './standard-schemas.js';
import { DciClientStandIn } from './client-stand-in.js';
import { ed25519Pair, expression, message, searchStatus, startDciGateway, startSim, type DciGateway } from './harness.js';

const skip = redisServerMissing();
const SENDER = 'durable-spmis';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let sim: OdooTarget;
let redis: RedisServer;
const receiver = new DciClientStandIn();
const gateways: DciGateway[] = [];
let prefixCounter = 0;
/** One signing key for every gateway, as a deployment's persistent key: callbacks verify whichever gateway sends them. */
const signingKey = ed25519Pair().privatePem;
let receiverUp = false;
const receiverUpAgain = async () => {
  if (!receiverUp) await receiver.start();
  receiverUp = true;
};
const receiverDown = async () => {
  await receiver.stop();
  receiverUp = false;
};

const gateway = async (keyPrefix: string, server: RedisServer = redis): Promise<DciGateway> => {
  const gw = await startDciGateway(
    t,
    sim,
    {
      signingKey,
      senders: { [SENDER]: { requireSignature: false, callbackUrl: `${receiver.origin}/cb` } },
      // Many quick attempts: the receiver is away for a while in these tests.
      async: { retryBaseMs: 50, retryMaxMs: 200, deliveryAttempts: 20 },
    },
    { url: server.url, keyPrefix },
  );
  gateways.push(gw);
  while (!gw.app.state.connected) await sleep(20);
  return gw;
};
const search = () => message([expression('Group', { group_size: { $gt: 0 } })], { sender_id: SENDER });
const deliveryOf = async (gw: DciGateway, correlationId: string): Promise<any> =>
  (await searchStatus((path, body) => gw.post(path, body), SENDER, correlationId))?.header?.meta?.delivery;
const callbacksFor = (correlationId: string) =>
  receiver.received.filter((c) => c.path === '/cb/registry/on-search' && c.body?.message?.correlation_id === correlationId);

t.before(async () => {
  if (skip) return;
  sim = await startSim(10);
  redis = await startRedis();
  await receiverUpAgain();
});
t.teardown(async () => {
  for (const gw of gateways) await gw.close().catch(() => undefined);
  await receiver.stop();
  await redis?.stop();
  await sim?.close();
});

t.test('a callback accepted before a restart is delivered by the gateway started after it', { skip }, async (t) => {
  const keyPrefix = `restart-${++prefixCounter}:`;
  await receiverDown(); // the receiver is away: the delivery stays pending
  t.teardown(receiverUpAgain);
  const before = await gateway(keyPrefix);
  const ack = await before.post('/registry/search', search());
  t.equal(ack.body.message.ack_status, 'ACK');
  const correlationId: string = ack.body.message.correlation_id;
  let delivery: any;
  for (let i = 0; i < 200 && !(delivery?.state === 'pending' && delivery.attempts >= 1); i++) {
    await sleep(50);
    delivery = await deliveryOf(before, correlationId);
  }
  t.match(delivery, { state: 'pending', last_error: String }, 'searched, delivery attempted and failed');
  await before.close();

  const after = await gateway(keyPrefix);
  await receiver.trust(`${after.origin}/.well-known/jwks.json`);
  await receiverUpAgain();
  const callback = await receiver.waitFor('/cb/registry/on-search', (c) => c.body.message.correlation_id === correlationId);
  t.equal(callback.body.header.status, 'succ', 'the search done before the restart is delivered after it');
  t.ok(callback.signatureValid, 'signed by the gateway now running');
  t.same(requestProblems('social', '/registry/on-search', callback.body), []);
  for (let i = 0; i < 100 && delivery?.state !== 'delivered'; i++) {
    await sleep(50);
    delivery = await deliveryOf(after, correlationId);
  }
  t.match(delivery, { state: 'delivered', delivered_at: String }, 'the new gateway records the delivery');
  t.equal(callbacksFor(correlationId).length, 1, 'delivered once');
});

t.test('two gateways on one Redis deliver each callback once', { skip }, async (t) => {
  const keyPrefix = `pair-${++prefixCounter}:`;
  const pair = [await gateway(keyPrefix), await gateway(keyPrefix)];
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const ack = await pair[i % 2]!.post('/registry/search', search());
    t.equal(ack.body.message.ack_status, 'ACK');
    ids.push(ack.body.message.correlation_id);
  }
  for (const id of ids) await receiver.waitFor('/cb/registry/on-search', (c) => c.body.message.correlation_id === id);
  await sleep(500); // time for a second delivery, were there one
  t.same(
    ids.filter((id) => callbacksFor(id).length !== 1),
    [],
    'every callback arrived exactly once',
  );
  const statuses = await Promise.all(ids.map((id, i) => deliveryOf(pair[(i + 1) % 2]!, id)));
  t.ok(
    statuses.every((d) => d?.state === 'delivered' && d.attempts === 1),
    'each gateway sees the deliveries of the other',
  );
});

t.test('Redis down: async routes answer 503 (HttpErrorResponse); accepted work resumes when it is back', { skip }, async (t) => {
  const server = await startRedis({ appendonly: true });
  t.teardown(() => server.stop());
  const gw = await gateway(`outage-${++prefixCounter}:`, server);
  await receiver.trust(`${gw.origin}/.well-known/jwks.json`);
  await receiverDown();
  t.teardown(receiverUpAgain);
  const ack = await gw.post('/registry/search', search());
  t.equal(ack.body.message.ack_status, 'ACK');
  const correlationId: string = ack.body.message.correlation_id;
  for (let i = 0; i < 200 && (await deliveryOf(gw, correlationId))?.attempts < 1; i++) await sleep(50);
  await server.kill();
  const refused = await gw.post('/registry/search', search());
  t.equal(refused.status, 503);
  t.match(refused.body, { errors: [{ code: 'err.service.unavailable', message: /shared state store is unavailable/ }] });
  t.match(refused.body, { type: '/problems/state-unavailable', status: 503, detail: /shared state store is unavailable/ }, 'and the RFC 9457 members');
  t.same(responseProblems('social', '/registry/search', 503, refused.body), [], "the standard's HttpErrorResponse");
  await receiverUpAgain();
  await sleep(300); // workers poll through the outage without losing the job
  await server.start();
  const callback = await receiver.waitFor('/cb/registry/on-search', (c) => c.body.message.correlation_id === correlationId);
  t.equal(callback.body.header.status, 'succ', 'delivered after Redis came back');
  t.ok(callback.signatureValid);
});

t.test('Redis gone while a callback is in flight: the attempt is settled once it is back, not left leased', { skip }, async (t) => {
  // The receiver holds the first callback until Redis has been killed, then refuses it: the
  // worker's reschedule meets a dead Redis every time, not by chance of timing.
  const server = await startRedis({ appendonly: true });
  t.teardown(() => server.stop());
  let release: (() => void) | undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let inFlight: (() => void) | undefined;
  const arrived = new Promise<void>((resolve) => (inFlight = resolve));
  const answered: number[] = [];
  const hook = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const first = answered.length === 0;
      answered.push(first ? 503 : 200);
      if (!first) return void response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      inFlight!();
      void held.then(() => response.writeHead(503).end());
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => hook.close(() => resolve())));
  const origin = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
  const gw = await startDciGateway(
    t,
    sim,
    { signingKey, senders: { [SENDER]: { requireSignature: false, callbackUrl: origin } }, async: { retryBaseMs: 50, retryMaxMs: 200, deliveryAttempts: 20 } },
    { url: server.url, keyPrefix: `in-flight-${++prefixCounter}:` },
  );
  gateways.push(gw);
  while (!gw.app.state.connected) await sleep(20);
  const ack = await gw.post('/registry/search', search());
  t.equal(ack.body.message.ack_status, 'ACK');
  await arrived;
  await server.kill();
  release!();
  await sleep(300);
  await server.start();
  // Well within the job's lease (a minute): only a settled attempt is worked again this soon.
  for (let i = 0; i < 200 && !answered.includes(200); i++) await sleep(50);
  t.same(answered.slice(0, 2), [503, 200], 'the refused attempt is retried once Redis is back');
});

t.test("Redis gone at a search's last attempt: its outcome is written once Redis is back, never left pending", { skip: skip || simulatorOnly() }, async (t) => {
  // Odoo holds the search (its only attempt) until Redis has been killed: the answer's write to
  // the transaction meets a dead Redis every time, not by chance of timing.
  const server = await startRedis({ appendonly: true });
  t.teardown(() => server.stop());
  const gw = await startDciGateway(
    t,
    sim,
    {
      signingKey,
      senders: { [SENDER]: { requireSignature: false, callbackUrl: `${receiver.origin}/cb` } },
      async: { retryBaseMs: 50, retryMaxMs: 200, searchAttempts: 1 },
    },
    { url: server.url, keyPrefix: `last-attempt-${++prefixCounter}:` },
  );
  gateways.push(gw);
  while (!gw.app.state.connected) await sleep(20);
  await receiver.trust(`${gw.origin}/.well-known/jwks.json`);
  const statusOf = async (correlationId: string): Promise<string | undefined> =>
    (await searchStatus((path, body) => gw.post(path, body), SENDER, correlationId))?.message?.txnstatus_response?.txn_status?.search_response?.[0]?.status;
  t.teardown(() => sim.sim!.faults.clear());
  await sim.sim!.faults.outage('hang');
  const ack = await gw.post('/registry/search', search());
  t.equal(ack.body.message.ack_status, 'ACK');
  const correlationId: string = ack.body.message.correlation_id;
  let before: string | undefined;
  for (let i = 0; i < 200 && before !== 'pdng'; i++) {
    await sleep(25);
    before = await statusOf(correlationId);
  }
  t.equal(before, 'pdng', 'its only attempt is under way');
  await server.kill();
  // Odoo lets the held search go: the search ends, its outcome meets the dead Redis.
  await sim.sim!.faults.clear();
  await sleep(500);
  await server.start();
  const callback = await receiver.waitFor('/cb/registry/on-search', (c) => c.body.message.correlation_id === correlationId);
  t.ok(callback.signatureValid);
  let after: string | undefined;
  for (let i = 0; i < 100 && (after === undefined || after === 'pdng'); i++) {
    await sleep(50);
    after = await statusOf(correlationId);
  }
  t.ok(after === 'succ' || after === 'rjct', `settled (${after}), not pending`);
  t.equal(after, callback.body.header.status, 'as the callback says');
});

t.test('with Redis the gateway does not warn that pending work is kept in memory; without, it does', { skip }, async (t) => {
  const startUpLines = async (withRedis: boolean) => {
    let logs!: ReturnType<typeof captureLogs>;
    const gateway = await startGateway(t, {
      odoo: sim,
      config: { log: { level: 'warn' }, ...(withRedis ? { redis: { url: redis.url, keyPrefix: `warn-${++prefixCounter}:` } } : {}) },
      before: (app) => {
        logs = captureLogs(app);
      },
    });
    await gateway.close();
    return logs.logLines().filter((line) => line.includes('pending work is lost if the gateway restarts'));
  };
  t.same(await startUpLines(true), [], 'Redis: no warning');
  t.equal((await startUpLines(false)).length, 1, 'memory: the warning');
});
