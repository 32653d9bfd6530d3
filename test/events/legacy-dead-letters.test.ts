/**
 * The upgrade from the events dispatcher's own dead letters (a Redis hash per receiver,
 * `events:dead:<receiver>`, no longer read) to the outbound engine's, on a real redis-server
 * seeded with letters in the old format: two gateways starting at once move them once (one
 * logs the counts), the webhook's letters are then listed, replayed and discarded through the
 * webhooks API as the engine's own, those of a receiver that no longer exists are dropped, the
 * old keys are gone; a gateway started while Redis is down moves what is left once it is up, and
 * one started later finds nothing more to move.
 */
import t from 'tap';
import { startGateway, type Gateway } from '../support/gateway.js';
import { startOdooTarget, type OdooTarget } from '../support/odoo-target.js';
import { redisServerMissing, startRedis, type RedisServer } from '../support/redis.js';
import { captureLogs } from '../support/stack.js';
import { testToken } from '../support/tokens.js';
import { startReceiver, type Receiver } from './receiver.js';

const skip = redisServerMissing();
const SECRET = 'legacy-webhook-secret-0123456789ab';
const ADMIN_ROLE = 'registry-admin';
const PREFIX = 'upgraded:';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const admin = testToken('both', { sub: 'ops', realm_access: { roles: ['registry-reader', 'registry-writer', ADMIN_ROLE] } });

/** A dead letter exactly as the dispatcher wrote it before the outbound engine (git 1182e37, src/events/store.ts). */
const legacyLetter = (id: string, recordId: number, attempts: number, failedAt: string) => ({
  id,
  event: {
    id,
    type: 'individual.updated',
    subject: `individuals/${recordId}`,
    recordId,
    time: '2026-11-30T10:00:00Z',
    detectedAt: Date.parse('2026-11-30T10:00:01Z'),
    data: { id: recordId, given_name: `Legacy${recordId}` },
  },
  attempts,
  lastError: 'HTTP 503',
  failedAt,
  replay: false,
});

let odoo: OdooTarget;
let redis: RedisServer;
let receiver: Receiver;

t.before(async () => {
  if (skip) return;
  odoo = await startOdooTarget({ households: 3 });
  redis = await startRedis({ appendonly: true });
  receiver = await startReceiver(SECRET);
});
t.teardown(async () => {
  await receiver?.close();
  await redis?.stop();
  await odoo?.close();
});

t.test('earlier dead letters are moved into the outbound engine at start-up, once, whatever the replicas', { skip }, async (t) => {
  const seed = redis.client();
  // Redis is down for a while below: the seeding client reconnects on its own.
  seed.on('error', () => undefined);
  t.teardown(() => seed.quit());
  const kept = [legacyLetter('evt-legacy-1', 101, 8, '2026-11-30T10:05:00.000Z'), legacyLetter('evt-legacy-2', 102, 8, '2026-11-30T10:06:00.000Z')];
  await seed.hset(`${PREFIX}events:dead:legacy-hook`, ...kept.flatMap((letter) => [letter.id, JSON.stringify(letter)]));
  const orphan = legacyLetter('evt-orphan', 103, 8, '2026-11-30T10:07:00.000Z');
  await seed.hset(`${PREFIX}events:dead:deleted-hook`, orphan.id, JSON.stringify(orphan));

  const logs: Array<ReturnType<typeof captureLogs>> = [];
  const gateway = () =>
    startGateway(t, {
      odoo,
      protocol: 'jsonrpc',
      before: (app) => void logs.push(captureLogs(app)),
      config: {
        log: { level: 'info' },
        redis: { url: redis.url, keyPrefix: PREFIX },
        auth: { administrators: [{ claim: 'realm_access.roles', includes: ADMIN_ROLE }] },
        events: {
          enabled: true,
          pollIntervalMs: 100,
          leaseMs: 1_500,
          delivery: { attempts: 2, retryBaseMs: 50, retryMaxMs: 100 },
          webhooks: { subscriptions: [{ id: 'legacy-hook', url: receiver.url, secret: SECRET }] },
        },
      },
    });
  const asAdmin = (gw: Gateway, method: string, path: string, body?: unknown) =>
    gw.request(method, `/api/v1${path}`, {
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });
  const migrationLines = () => logs.flatMap((log) => log.logLines().filter((line) => line.includes('dead letters of the previous delivery engine moved')));

  const replicas = await Promise.all([gateway(), gateway()]);
  let letters: any[] = [];
  for (let i = 0; letters.length < 2 && i < 400; i++) {
    await sleep(50);
    letters = (await asAdmin(replicas[i % 2]!, 'GET', '/webhooks/legacy-hook/dead-letters')).body?.items ?? [];
  }
  t.match(
    letters,
    kept.map((letter) => ({
      id: letter.id,
      type: 'individual.updated',
      subject: letter.event.subject,
      attempts: 8,
      last_error: 'HTTP 503',
      failed_at: letter.failedAt,
      event: { id: letter.id, type: 'org.openg2p.registry.individual.updated', subject: letter.event.subject, data: letter.event.data },
    })),
    "the webhook's letters are the engine's dead letters now, as they were",
  );
  t.equal(letters.length, 2);
  t.same(await seed.keys(`${PREFIX}events:dead:*`), [], 'the old keys are gone (the deleted receiver’s letters dropped)');
  t.equal(migrationLines().length, 1, 'moved by one of the two replicas started at once');
  t.match(JSON.parse(migrationLines()[0]!), { events: { legacyDeadLetters: { receivers: 2, moved: 2, dropped: 1 } } }, 'logged with its counts');
  t.equal(receiver.events.length, 0, 'nothing was sent by moving them');

  // One more written by a gateway of the earlier version, then a gateway started while Redis is down: it moves it once Redis is back.
  const late = legacyLetter('evt-legacy-3', 104, 8, '2026-11-30T10:08:00.000Z');
  await seed.hset(`${PREFIX}events:dead:legacy-hook`, late.id, JSON.stringify(late));
  await Promise.all(replicas.map((replica) => replica.close()));
  await redis.kill();
  const later = await gateway();
  await sleep(500);
  await redis.start();
  for (let i = 0; letters.length < 3 && i < 400; i++) {
    await sleep(50);
    letters = (await asAdmin(later, 'GET', '/webhooks/legacy-hook/dead-letters')).body?.items ?? [];
  }
  t.same(
    letters.map((letter) => letter.id),
    ['evt-legacy-1', 'evt-legacy-2', 'evt-legacy-3'],
    'a gateway that started before Redis was up moves them once it is',
  );
  t.match(JSON.parse(migrationLines()[1]!), { events: { legacyDeadLetters: { receivers: 1, moved: 1, dropped: 0 } } });
  const last = await gateway();
  await sleep(1_000);
  t.equal(migrationLines().length, 2, 'a gateway started later finds nothing more to move');
  t.equal((await asAdmin(last, 'GET', '/webhooks/legacy-hook/dead-letters')).body.items.length, 3, 'nor doubles any');

  const replayed = await asAdmin(later, 'POST', '/webhooks/legacy-hook/dead-letters/replay', { ids: ['evt-legacy-1'] });
  t.equal(replayed.status, 202);
  const [arrived] = await receiver.waitFor((event) => event.id === 'evt-legacy-1', 1, 20_000);
  t.match(arrived!.event, { type: 'org.openg2p.registry.individual.updated', data: { given_name: 'Legacy101' } }, 'replayed, signed, with its event id');
  for (const id of ['evt-legacy-2', 'evt-legacy-3'])
    t.equal((await asAdmin(later, 'DELETE', `/webhooks/legacy-hook/dead-letters/${id}`)).status, 204, 'discarded');
  let left: any[] = letters;
  for (let i = 0; left.length > 0 && i < 100; i++) {
    await sleep(50);
    left = (await asAdmin(later, 'GET', '/webhooks/legacy-hook/dead-letters')).body.items;
  }
  t.same(left, []);
});
