/**
 * Finding 1 of the adversarial probe (issue 26): failed authentication was never throttled.
 * Failed Basic logins, bearer tokens, client secrets and DCI signatures now count against a
 * budget per client address and per identity tried (`failedAuth`): past it 429 with
 * Retry-After, a Basic guess never reaches Odoo, and refusals are logged a few per address and
 * window with one summary line for the rest.
 *
 * Before: 1,000 wrong Basic passwords were 1,000 x 401 and 1,000 Odoo logins; garbage bearer
 * tokens were never refused with 429 and each wrote several log lines.
 * The Basic guesses go through a recording proxy to the simulator or to the real Odoo
 * (G2P_E2E_ODOO_*), which counts the login checks that reach it.
 */
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { captureLogs } from '../support/stack.js';
import { startGateway, startOdoo, type Gateway } from '../support/gateway.js';
import type { OdooTarget } from '../support/odoo-target.js';
import { signJwt, standardClaims, testToken } from '../support/tokens.js';
import { TEST_JWT_SECRET } from '../support/config.js';
import { redisServerMissing, startRedis } from '../support/redis.js';
import { WireRecorder } from './wire-recorder.js';

const GUESSES = 1_000;
const PER_IDENTITY = 10;
const PER_ADDRESS = 50;
const IDS = '/api/v1/registry/get_individual_ids?include_id_type=National+ID';

let target: OdooTarget;
let wire: WireRecorder;

const basic = (login: string, password: string) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

async function budgetGateway(
  t: Test,
  options: { logs?: boolean; redis?: { url: string; keyPrefix: string } } = {},
): Promise<{ gw: Gateway; logLines: () => string[] }> {
  let capture: ReturnType<typeof captureLogs> | undefined;
  const gw = await startGateway(t, {
    odoo: { url: wire.url, db: target.db, login: target.login, password: target.password },
    config: {
      ...(options.redis ? { redis: options.redis } : {}),
      log: { level: 'info', refusals: { windowMs: 60_000, linesPerWindow: 5 } },
      failedAuth: { enabled: true, windowMs: 600_000, maxPerAddress: PER_ADDRESS, maxPerIdentity: PER_IDENTITY },
    },
    before: (app) => {
      if (options.logs !== false) capture = captureLogs(app);
    },
  });
  return { gw, logLines: () => capture?.logLines() ?? [] };
}

/** A request from a client address of the test's choosing (fastify.inject's remoteAddress). */
const from = (app: FastifyInstance, address: string, authorization: string, url = IDS) =>
  app.inject({ method: 'GET', url, remoteAddress: address, headers: { authorization } });

t.before(async () => {
  target = await startOdoo(t);
  wire = await WireRecorder.start(target.url);
});
t.teardown(async () => {
  await wire?.close();
});

t.test(`${GUESSES} wrong Basic passwords for one login: ${PER_IDENTITY} reach Odoo, the rest are 429 with Retry-After`, async (t) => {
  const { gw } = await budgetGateway(t);
  wire.reset();
  const statuses: number[] = [];
  let retryAfter: string | undefined;
  // Each from an address of its own: the per-login budget alone must hold.
  for (let i = 0; i < GUESSES; i++) {
    const answer = await from(gw.app, `10.1.${Math.floor(i / 250)}.${i % 250}`, basic('rest_get', `guess-${i}`));
    statuses.push(answer.statusCode);
    if (answer.statusCode === 429) retryAfter ??= String(answer.headers['retry-after']);
  }
  const firstRefusal = statuses.indexOf(429);
  t.equal(firstRefusal, PER_IDENTITY, `the first ${PER_IDENTITY} guesses are answered 401, then 429`);
  t.ok(statuses.slice(0, PER_IDENTITY).every((s) => s === 401));
  t.ok(
    statuses.slice(PER_IDENTITY).every((s) => s === 429),
    'every later guess is 429',
  );
  t.ok(Number(retryAfter) > 0 && Number(retryAfter) <= 600, `Retry-After: ${retryAfter} s`);
  t.equal(wire.logins, PER_IDENTITY, `Odoo logins per ${GUESSES} guesses: ${wire.logins}`);
  t.comment(`figures: requests until 429 = ${firstRefusal + 1}; Odoo logins per ${GUESSES} guesses = ${wire.logins}`);

  // The right password of the blocked login is refused too (it would be a guess like any other)...
  const right = await from(gw.app, '10.9.9.9', basic('rest_get', 'rest_get'));
  t.equal(right.statusCode, 429);
  t.equal(wire.logins, PER_IDENTITY, 'and does not reach Odoo either');
  // ...while other logins are untouched.
  t.equal((await from(gw.app, '10.9.9.9', basic('rest_both', 'rest_both'))).statusCode, 200);
});

t.test('rotating logins from one address: the per-address budget stops them', async (t) => {
  const { gw } = await budgetGateway(t);
  // A login verified before the flood keeps working from the flooded address.
  t.equal((await from(gw.app, '192.0.2.7', basic('rest_both', 'rest_both'))).statusCode, 200);
  wire.reset();
  const statuses: number[] = [];
  for (let i = 0; i < PER_ADDRESS + 20; i++) statuses.push((await from(gw.app, '192.0.2.7', basic(`nobody-${i}`, 'x'))).statusCode);
  t.equal(statuses.indexOf(429), PER_ADDRESS, statuses.join(','));
  t.equal(wire.logins, PER_ADDRESS, 'no login past the budget reached Odoo');
  t.equal((await from(gw.app, '192.0.2.7', basic('rest_both', 'rest_both'))).statusCode, 200, 'credentials verified moments ago still pass');
  t.equal((await from(gw.app, '192.0.2.8', basic('nobody-x', 'x'))).statusCode, 401, 'another address has its own budget');
});

t.test('garbage bearer tokens: 429 past the address budget; logged a few per address, then summed up', async (t) => {
  const { gw, logLines } = await budgetGateway(t);
  const valid = testToken('get');
  t.equal((await from(gw.app, '198.51.100.1', `Bearer ${valid}`, '/api/v1/individuals?limit=1')).statusCode, 200);
  const before = logLines().join('\n').length;
  const forged = signJwt(standardClaims({ realm_access: { roles: ['registry-reader'] } }), { alg: 'HS256', key: `${TEST_JWT_SECRET}-not` });
  const statuses: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    const token = i % 2 === 0 ? `garbage.${i}.token` : forged;
    statuses.push((await from(gw.app, '198.51.100.1', `Bearer ${token}`, '/api/v1/individuals?limit=1')).statusCode);
  }
  t.equal(statuses.indexOf(429), PER_ADDRESS, `the first ${PER_ADDRESS} are 401, then 429`);
  t.equal(statuses.filter((s) => s === 429).length, 1_000 - PER_ADDRESS);
  const refusalBytes = logLines().join('\n').length - before;
  t.ok(refusalBytes < 20_000, `log bytes per 1,000 refused requests: ${refusalBytes}`);
  t.comment(`figures: log bytes per 1,000 refusals = ${refusalBytes}`);
  t.equal((await from(gw.app, '198.51.100.1', `Bearer ${valid}`, '/api/v1/individuals?limit=1')).statusCode, 200, 'a token verified before still passes');
  t.equal(
    (await from(gw.app, '198.51.100.2', `Bearer ${testToken('get', { sub: 'other' })}`, '/api/v1/individuals?limit=1')).statusCode,
    200,
    'other addresses are not affected',
  );
  await gw.close();
  const summary = logLines()
    .map((line) => JSON.parse(line) as { msg: string; refusals?: { address: string; count: number; not_logged: number } })
    .find((l) => l.msg === 'requests refused (summary)');
  t.ok(summary, 'a summary line is written for what was not logged line by line');
  t.equal(summary?.refusals?.address, '198.51.100.1');
  t.equal(summary?.refusals?.count, 1_000);
});

t.test('two replicas on one Redis share the budget: guesses spread over both still stop after the budget', { skip: redisServerMissing() }, async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const shared = { url: redis.url, keyPrefix: `fa${process.pid}:` };
  const [one, two] = [await budgetGateway(t, { redis: shared }), await budgetGateway(t, { redis: shared })];
  wire.reset();
  const statuses: number[] = [];
  for (let i = 0; i < 40; i++) statuses.push((await from((i % 2 === 0 ? one : two).gw.app, `10.7.0.${i}`, basic('rest_post', `guess-${i}`))).statusCode);
  t.equal(statuses.indexOf(429), PER_IDENTITY, statuses.join(','));
  t.equal(wire.logins, PER_IDENTITY, 'the Odoo logins of both replicas together stay within the budget');
  const client = redis.client();
  const keys = await client.keys(`${shared.keyPrefix}authfail:*`);
  await client.quit();
  t.ok(keys.length > 0, 'the counts are kept in Redis, hashed');
});
