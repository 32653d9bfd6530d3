/**
 * The Redis state store's leases and fencing on a real redis-server: a holder whose lease ran
 * out (a long pause, a partition) cannot write once another holder took the record; a write
 * whose outcome is unknown keeps the record leased; an in-flight create whose replica died is
 * taken over as "unknown" and its old holder can no longer create.
 */
import { pino } from 'pino';
import t from 'tap';
import { OdooError } from '../../src/odoo/errors.js';
import { isStateUnavailable, RedisStateStore } from '../../src/state/index.js';
import { redisServerMissing, startRedis } from '../support/redis.js';

const skip = redisServerMissing();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('Redis leases and fencing', { skip }, async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const stores: RedisStateStore[] = [];
  const replica = (leaseMs: number, writeTimeoutMs = 200) => {
    const store = new RedisStateStore(
      {
        url: redis.url,
        keyPrefix: 'test:',
        connectTimeoutMs: 1_000,
        commandTimeoutMs: 1_000,
        leaseMs,
        writeTimeoutMs,
        marginMs: 50,
        idempotencyTtlMs: 60_000,
        replayWindowMs: 60_000,
      },
      pino({ level: 'silent' }),
    );
    stores.push(store);
    return store;
  };
  t.teardown(() => Promise.all(stores.map((s) => s.close())));
  const a = replica(150);
  const b = replica(150);
  while (!(await a.health()).up || !(await b.health()).up) await sleep(20);

  t.test('a holder paused past its lease is fenced off; the next holder writes', async (t) => {
    const writes: string[] = [];
    const late = a.locks.run('rec:1', async (lease) => {
      await sleep(400); // a pause longer than the 150 ms lease
      await lease.fence();
      writes.push('late');
    });
    await sleep(200);
    const fresh = b.locks.run('rec:1', async (lease) => {
      const options = await lease.fence();
      t.ok(options.signal instanceof AbortSignal, 'the write is sent with a deadline');
      writes.push('fresh');
    });
    await fresh;
    const refused = await late.then(
      () => undefined,
      (err: unknown) => err,
    );
    t.ok(isStateUnavailable(refused), 'the late holder is refused at the fence');
    t.same(writes, ['fresh'], 'only the current holder wrote');
  });

  t.test('holders of one record run one at a time across stores', async (t) => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? a : b).locks.run('rec:2', async (lease) => {
          inside++;
          most = Math.max(most, inside);
          await sleep(10);
          await lease.fence();
          order.push(i);
          inside--;
        }),
      ),
    );
    t.equal(most, 1, 'never two holders at once');
    t.equal(order.length, 6, 'every holder ran');
  });

  t.test('a write whose outcome is unknown keeps the record leased until the fence hold ends', async (t) => {
    const c = replica(200, 300);
    while (!(await c.health()).up) await sleep(20);
    const failed = await c.locks
      .run('rec:3', async (lease) => {
        await lease.fence();
        throw new OdooError({ kind: 'timeout', message: 'the write timed out' });
      })
      .catch((err: unknown) => err);
    t.equal((failed as OdooError).kind, 'timeout', 'the write timed out');
    const started = performance.now();
    await b.locks.run('rec:3', async () => undefined);
    const waited = performance.now() - started;
    t.ok(waited >= 500, `the next holder waited for the hold (2 x 300 ms write timeout + margin) to end: ${Math.round(waited)} ms`);
    t.comment(`figures: next holder after an unknown write outcome waited ${Math.round(waited)} ms (hold 650 ms)`);
  });

  t.test('a failure that proves nothing was written releases at once', async (t) => {
    await t.rejects(a.locks.run('rec:4', async () => Promise.reject(new Error('refused before writing'))));
    const started = performance.now();
    await b.locks.run('rec:4', async () => undefined);
    t.ok(performance.now() - started < 100, 'the next holder did not wait');
  });

  t.test('an in-flight create whose replica died is taken over as unknown; the old holder can no longer create', async (t) => {
    t.same(await a.idempotency.begin('key-1', 'fp'), { outcome: 'started' });
    const waiting = await b.idempotency.begin('key-1', 'fp');
    t.equal(waiting.outcome, 'in_flight', 'while the lease runs, a retry waits');
    await sleep(250);
    t.same(await b.idempotency.begin('key-1', 'fp'), { outcome: 'unknown' }, 'after it, the retry takes the key over with the outcome unknown');
    t.ok(isStateUnavailable(await a.idempotency.fence('key-1').catch((err: unknown) => err)), 'the old holder is fenced off before it could create');
    await b.idempotency.fence('key-1');
    await b.idempotency.complete('key-1', { status: 201, body: { id: 7, reg_ids: [] }, headers: { etag: '"x"' } });
    const replay = await a.idempotency.begin('key-1', 'fp');
    t.same(
      replay,
      { outcome: 'replay', response: { status: 201, body: { id: 7, reg_ids: [] }, headers: { etag: '"x"' } } },
      'every replica replays the stored answer, empty lists intact',
    );
    t.same(await a.idempotency.begin('key-1', 'other'), { outcome: 'mismatch' }, 'another body with the key: mismatch');
  });

  t.test('within one process a running holder is waited for, never taken over', async (t) => {
    t.same(await a.idempotency.begin('key-2', 'fp'), { outcome: 'started' });
    await sleep(250); // past the lease
    t.equal((await a.idempotency.begin('key-2', 'fp')).outcome, 'in_flight', 'a second request of the same process waits');
    t.same(await a.idempotency.begin('key-2', 'other'), { outcome: 'mismatch' }, 'a different body is still a mismatch');
    await a.idempotency.fence('key-2');
    t.equal((await b.idempotency.begin('key-2', 'fp')).outcome, 'in_flight', 'its fence renewed the lease: another replica waits');
    await a.idempotency.complete('key-2', { status: 201, body: { id: 8 }, headers: {} });
    t.same(await b.idempotency.begin('key-2', 'fp'), { outcome: 'replay', response: { status: 201, body: { id: 8 }, headers: {} } }, 'then replays');
  });

  t.test('the replay guard: first sighting once across stores, forgotten on request', async (t) => {
    t.equal(await a.replay.firstSighting('sender', 'm-1', Date.now()), true);
    t.equal(await b.replay.firstSighting('sender', 'm-1', Date.now()), false, 'a replay on another store is refused');
    t.equal(await b.replay.firstSighting('other', 'm-1', Date.now()), true, 'scoped by sender');
    await a.replay.forget('sender', 'm-1');
    t.equal(await b.replay.firstSighting('sender', 'm-1', Date.now()), true, 'after forget, the retry is a first sighting');
  });
});
