/**
 * The contract of the outbound delivery engine, run once per backend: in memory, and on BullMQ
 * in a real redis-server. Per receiver, messages go one at a time in queue order and a failing
 * receiver holds up nobody else; every attempt sends the same id; after the last attempt a
 * message is a dead letter (listed, replayed, discarded), and the messages queued behind it
 * follow in order. In Redis, two engines (two replicas) work a receiver one message at a time
 * and send each once, messages queued at once (one job) and stopped half-way resume where they
 * stopped, queued work survives the engine's restart and a Redis restart with its append-only
 * file, and an engine whose lock was taken over can neither complete nor dead-letter the message.
 * The engine's unordered job pool (DCI callbacks), on both backends: jobs run at once up to the
 * concurrency, one in backoff holds up nobody, the last attempt is told it is final, a job
 * submitted again by its id is worked once; in Redis, two replicas work each job once, jobs
 * survive the pool and a Redis restart, and a worker whose lock was taken over changes nothing.
 */
import { Redis } from 'ioredis';
import t from 'tap';
import type { Test } from 'tap';
import type { DeliveryOutcome } from '../../src/outbound/delivery.js';
import { BullJobPool } from '../../src/outbound/bullmq-pool.js';
import { BullOutboundQueues } from '../../src/outbound/bullmq-queues.js';
import { MemoryJobPool } from '../../src/outbound/memory-pool.js';
import { MemoryOutboundQueues } from '../../src/outbound/memory-queues.js';
import type { JobPoolOptions, OutboundJobPool, OutboundMessage, OutboundQueueOptions, OutboundQueues, PoolHandler } from '../../src/outbound/queues.js';
import { redisServerMissing, startRedis, type RedisServer } from '../support/redis.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = { warn: () => undefined, error: () => undefined };
const SCHEDULE = { attempts: 3, retryBaseMs: 20, retryMaxMs: 40 };

/** What a receiver saw: message ids in arrival order, and the most sent to it at once. */
class Recorder {
  readonly seen = new Map<string, string[]>();
  private inFlight = new Map<string, number>();
  readonly mostAtOnce = new Map<string, number>();
  /** Receivers answering 503, and how long each answer takes. */
  readonly failing = new Set<string>();
  /** Messages answered 503 wherever they go. */
  readonly failingIds = new Set<string>();
  readonly delayMs = new Map<string, number>();

  send = async (receiver: string, message: OutboundMessage<{ n: number }>): Promise<DeliveryOutcome> => {
    const now = (this.inFlight.get(receiver) ?? 0) + 1;
    this.inFlight.set(receiver, now);
    this.mostAtOnce.set(receiver, Math.max(now, this.mostAtOnce.get(receiver) ?? 0));
    await sleep(this.delayMs.get(receiver) ?? 1);
    this.inFlight.set(receiver, now - 1);
    this.seen.set(receiver, [...(this.seen.get(receiver) ?? []), message.id]);
    return this.failing.has(receiver) || this.failingIds.has(message.id) ? { ok: false, error: 'HTTP 503' } : { ok: true, status: 200 };
  };

  async waitFor(receiver: string, count: number, limitMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + limitMs;
    while ((this.seen.get(receiver)?.length ?? 0) < count) {
      if (Date.now() > deadline) throw new Error(`${receiver}: ${this.seen.get(receiver)?.length ?? 0} of ${count} arrived`);
      await sleep(10);
    }
    return this.seen.get(receiver)!;
  }
}

const messages = (prefix: string, count: number): Array<OutboundMessage<{ n: number }>> =>
  Array.from({ length: count }, (_, n) => ({ id: `${prefix}-${n}`, data: { n } }));

let redis: RedisServer | undefined;
let round = 0;

interface Backend {
  name: string;
  skip: string | false;
  /** An engine; with `shared`, another on the queues of the previous one (another replica). */
  open(recorder: Recorder, shared?: boolean, lockMs?: number): Promise<OutboundQueues<{ n: number }>>;
}

const options = (recorder: Recorder, lockMs: number): OutboundQueueOptions<{ n: number }> => ({
  schedule: SCHEDULE,
  send: recorder.send,
  maxDeadLetters: 100,
  lockMs,
  log: quiet,
});

const backends: Backend[] = [
  { name: 'memory', skip: false, open: async (recorder) => new MemoryOutboundQueues(options(recorder, 1_000)) },
  {
    name: 'redis (BullMQ)',
    skip: redisServerMissing(),
    open: async (recorder, shared = false, lockMs = 1_000) => {
      redis ??= await startRedis({ appendonly: true });
      if (!shared) round++;
      const base = new Redis(redis.url, { keyPrefix: `t${round}:`, lazyConnect: true });
      const queues = new BullOutboundQueues(base, options(recorder, lockMs));
      base.disconnect();
      return queues;
    },
  },
];
t.teardown(() => redis?.stop());

for (const backend of backends) {
  t.test(backend.name, { skip: backend.skip }, async (t) => {
    t.test('per receiver in order, one at a time; a failing receiver holds up nobody else', async (t) => {
      const recorder = new Recorder();
      recorder.failing.add('down');
      recorder.delayMs.set('slow', 15);
      const queues = await backend.open(recorder);
      t.teardown(() => queues.close());
      await queues.work(['slow', 'fast', 'down']);
      await queues.enqueue('down', messages('d', 1));
      await queues.enqueue('slow', messages('s', 10));
      await queues.enqueue('fast', messages('f', 30));
      t.same(
        await recorder.waitFor('fast', 30),
        messages('f', 30).map((m) => m.id),
        'the fast receiver got all, in order',
      );
      t.same(
        await recorder.waitFor('slow', 10),
        messages('s', 10).map((m) => m.id),
        'the slow one too',
      );
      t.equal(recorder.mostAtOnce.get('slow'), 1, 'one message at a time per receiver');
      t.same(await recorder.waitFor('down', 3), ['d-0', 'd-0', 'd-0'], 'every attempt carries the same id');
    });

    t.test('dead letters: listed after the last attempt, replayed (one attempt), discarded', async (t) => {
      const recorder = new Recorder();
      recorder.failing.add('hook');
      const queues = await backend.open(recorder);
      t.teardown(() => queues.close());
      await queues.work(['hook']);
      await queues.enqueue('hook', messages('x', 2));
      await recorder.waitFor('hook', 6);
      let letters = await queues.deadLetters('hook');
      for (let i = 0; letters.length < 2 && i < 200; i++) {
        await sleep(10);
        letters = await queues.deadLetters('hook');
      }
      t.match(
        letters.map((l) => ({ id: l.id, attempts: l.attempts, lastError: l.lastError, data: l.data })),
        [
          { id: 'x-0', attempts: 3, lastError: 'HTTP 503', data: { n: 0 } },
          { id: 'x-1', attempts: 3, lastError: 'HTTP 503', data: { n: 1 } },
        ],
      );
      t.equal(await queues.pending('hook'), 0, 'the queue moved on');
      // Still failing: a replay is one attempt, and the letter is listed again with it counted.
      t.equal(await queues.replay('hook', ['x-0']), 1);
      await recorder.waitFor('hook', 7);
      for (let i = 0; (letters = await queues.deadLetters('hook')).length < 2 && i < 200; i++) await sleep(10);
      t.equal(letters.find((l) => l.id === 'x-0')?.attempts, 4);
      // Back up: the replayed letter is delivered and leaves the list.
      recorder.failing.delete('hook');
      t.equal(await queues.replay('hook', ['x-0']), 1);
      await recorder.waitFor('hook', 8);
      for (let i = 0; (letters = await queues.deadLetters('hook')).length > 1 && i < 200; i++) await sleep(10);
      t.same(
        letters.map((l) => l.id),
        ['x-1'],
      );
      t.equal(await queues.discard('hook', 'x-1'), true);
      t.equal(await queues.discard('hook', 'x-1'), false, 'nothing left to discard');
      t.same(await queues.deadLetters('hook'), []);
    });

    t.test('a dead letter in the middle of what was queued at once: the messages behind it follow, in order', async (t) => {
      const recorder = new Recorder();
      recorder.failingIds.add('m-2');
      const queues = await backend.open(recorder);
      t.teardown(() => queues.close());
      await queues.enqueue('mid', messages('m', 5));
      await queues.enqueue('mid', messages('n', 2));
      await queues.work(['mid']);
      t.same(await recorder.waitFor('mid', 9), ['m-0', 'm-1', 'm-2', 'm-2', 'm-2', 'm-3', 'm-4', 'n-0', 'n-1']);
      for (let i = 0; (await queues.pending('mid')) > 0 && i < 200; i++) await sleep(10);
      const letters = await queues.deadLetters('mid');
      t.same(
        letters.map((l) => ({ id: l.id, attempts: l.attempts, data: l.data })),
        [{ id: 'm-2', attempts: 3, data: { n: 2 } }],
        'only the failed message is a dead letter',
      );
      t.equal(await queues.pending('mid'), 0);
      recorder.failingIds.clear();
      t.equal(await queues.replay('mid'), 1);
      t.same((await recorder.waitFor('mid', 10)).slice(9), ['m-2'], 'replayed alone');
      await sleep(50);
      t.equal(recorder.seen.get('mid')!.length, 10, 'nothing else sent again');
    });

    t.test("dead letters kept by an earlier engine are taken in: listed as they were, never sent, replayed like the engine's own", async (t) => {
      const recorder = new Recorder();
      const queues = await backend.open(recorder);
      t.teardown(() => queues.close());
      const kept = [
        { id: 'old-1', data: { n: 1 }, attempts: 5, lastError: 'HTTP 500', failedAt: '2026-01-02T03:04:05.000Z' },
        { id: 'old-2', data: { n: 2 }, attempts: 6, lastError: 'timeout', failedAt: '2026-01-02T03:04:06.000Z' },
      ];
      await queues.enqueue('upgraded', messages('new', 2));
      await queues.importDeadLetters('upgraded', kept);
      await queues.importDeadLetters('upgraded', kept);
      await queues.work(['upgraded']);
      t.same(await recorder.waitFor('upgraded', 2), ['new-0', 'new-1'], 'the queued messages are sent, not the imported letters');
      let letters: Awaited<ReturnType<typeof queues.deadLetters>> = [];
      for (let i = 0; letters.length < 2 && i < 300; i++) {
        letters = await queues.deadLetters('upgraded');
        await sleep(10);
      }
      t.same(letters, kept, 'listed with their attempts, last error and time, once each');
      t.equal(await queues.pending('upgraded'), 0);
      t.equal(await queues.replay('upgraded', ['old-2']), 1);
      t.same(await recorder.waitFor('upgraded', 3), ['new-0', 'new-1', 'old-2'], 'a replayed one is sent');
      for (let i = 0; (await queues.pending('upgraded')) > 0 && i < 300; i++) await sleep(10);
      t.same(
        (await queues.deadLetters('upgraded')).map((letter) => letter.id),
        ['old-1'],
      );
      t.equal(await queues.discard('upgraded', 'old-1'), true);
      t.same(await queues.deadLetters('upgraded'), []);
    });

    t.test('a message queued or being worked is not queued twice', async (t) => {
      const recorder = new Recorder();
      const queues = await backend.open(recorder);
      t.teardown(() => queues.close());
      await queues.enqueue('twice', messages('t', 3));
      await queues.enqueue('twice', messages('t', 3));
      t.equal(await queues.pending('twice'), 3);
      await queues.work(['twice']);
      t.same(await recorder.waitFor('twice', 3), ['t-0', 't-1', 't-2']);
      await sleep(50);
      t.equal(recorder.seen.get('twice')!.length, 3);
    });
  });
}

const bull = backends[1]!;
t.test('redis (BullMQ): replicas, restarts, a lock taken over', { skip: bull.skip }, async (t) => {
  t.test('two replicas work one receiver: one message at a time, each once, in order', async (t) => {
    const recorder = new Recorder();
    const first = await bull.open(recorder);
    const second = await bull.open(recorder, true);
    t.teardown(() => Promise.all([first.close(), second.close()]));
    await Promise.all([first.work(['shared']), second.work(['shared'])]);
    await first.enqueue('shared', messages('r', 20));
    t.same(
      await recorder.waitFor('shared', 20),
      messages('r', 20).map((m) => m.id),
    );
    await sleep(100);
    t.equal(recorder.seen.get('shared')!.length, 20, 'no message twice');
    t.equal(recorder.mostAtOnce.get('shared'), 1, 'never two replicas on the receiver at once');
  });

  t.test('queued work survives the engine and a Redis restart (append-only file)', async (t) => {
    const recorder = new Recorder();
    const before = await bull.open(recorder);
    await before.enqueue('kept', messages('k', 5));
    await before.close();
    await redis!.kill();
    await redis!.start();
    const after = await bull.open(recorder, true);
    t.teardown(() => after.close());
    await after.work(['kept']);
    t.same(
      await recorder.waitFor('kept', 5),
      messages('k', 5).map((m) => m.id),
    );
  });

  t.test('messages queued at once and stopped half-way are resumed by the next engine where they stopped', async (t) => {
    const recorder = new Recorder();
    recorder.delayMs.set('halfway', 20);
    const first = await bull.open(recorder);
    await first.enqueue('halfway', messages('h', 10));
    await first.work(['halfway']);
    await recorder.waitFor('halfway', 3);
    await first.close();
    const sentBefore = recorder.seen.get('halfway')!.length;
    t.ok(sentBefore < 10, `stopped half-way (${sentBefore} sent)`);
    const second = await bull.open(recorder, true);
    t.teardown(() => second.close());
    t.equal(await second.pending('halfway'), 10 - sentBefore, 'what was sent is no longer pending');
    await second.work(['halfway']);
    t.same(
      await recorder.waitFor('halfway', 10),
      messages('h', 10).map((m) => m.id),
      'each once, in order',
    );
    await sleep(150);
    t.equal(recorder.seen.get('halfway')!.length, 10);
  });

  t.test('an engine whose lock was taken over changes nothing', async (t) => {
    const recorder = new Recorder();
    // The first engine's receiver answers 503 slowly: it would dead-letter the message (one attempt).
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const stale = new BullOutboundQueues<{ n: number }>(new Redis(redis!.url, { keyPrefix: `t${++round}:`, lazyConnect: true }), {
      ...options(recorder, 600),
      schedule: { ...SCHEDULE, attempts: 1 },
      send: async () => {
        await held;
        return { ok: false, error: 'HTTP 503' };
      },
    });
    t.teardown(() => stale.close());
    await stale.enqueue('taken', messages('l', 1));
    await stale.work(['taken']);
    const check = redis!.client();
    t.teardown(() => check.quit());
    const lockKey = `t${round}:outbound:taken:l-0:lock`;
    for (let i = 0; !(await check.exists(lockKey)) && i < 200; i++) await sleep(10);
    // Its lock runs out as if the process had paused past it (renewals stopped): dropped here.
    await check.del(lockKey);
    await check.set(lockKey, 'someone-else');
    await check.pexpire(lockKey, 1);
    const taker = await bull.open(recorder, true, 600);
    t.teardown(() => taker.close());
    await taker.work(['taken']);
    t.same(await recorder.waitFor('taken', 1), ['l-0'], 'the other engine took the message over and delivered it');
    release();
    await sleep(300);
    t.same(await taker.deadLetters('taken'), [], 'the stale engine could not dead-letter it');
    t.equal(await taker.pending('taken'), 0);
  });

  t.test('Redis going away while queues are open (worked or not) is logged through the logger, never printed past it or thrown', async (t) => {
    const recorder = new Recorder();
    const errors: string[] = [];
    const log = { warn: () => undefined, error: (_obj: object, msg: string) => void errors.push(msg) };
    redis ??= await startRedis({ appendonly: true });
    // What BullMQ prints itself when nobody listens to a queue's errors (it would go past the logger).
    const printed: unknown[] = [];
    const print = console.error;
    console.error = (...args: unknown[]) => void printed.push(args);
    t.teardown(() => void (console.error = print));
    const queues = new BullOutboundQueues<{ n: number }>(new Redis(redis!.url, { keyPrefix: `t${++round}:`, lazyConnect: true }), {
      ...options(recorder, 1_000),
      log,
    });
    t.teardown(() => queues.close());
    // One receiver worked here, one only queued to (another replica works it): both have a Queue open.
    await queues.enqueue('away-worked', messages('a', 1));
    await queues.enqueue('away-queued', messages('q', 1));
    await queues.work(['away-worked']);
    await recorder.waitFor('away-worked', 1);
    await redis!.kill();
    for (let i = 0; !errors.some((msg) => /queue error/.test(msg)) && i < 500; i++) await sleep(10);
    await redis!.start();
    t.ok(
      errors.some((msg) => /queue error/.test(msg)),
      `the queues' connection errors were logged (${errors.join('; ')})`,
    );
    t.same(printed, [], 'nothing printed past the logger');
    await queues.enqueue('away-worked', messages('b', 1));
    t.same(await recorder.waitFor('away-worked', 2), ['a-0', 'b-0'], 'work resumes once Redis is back');
    t.equal(await queues.pending('away-queued'), 1, 'the queued message is still there');
  });
});

// ---- the job pool ------------------------------------------------------------------------

/** What a pool's handler saw: each attempt as `id#attempt` (`!` when final), and the most run at once. */
class PoolRecorder {
  readonly runs: string[] = [];
  /** Jobs that throw at every attempt. */
  readonly failing = new Set<string>();
  /** What a failing job throws, when not `HTTP 503`. */
  readonly errors = new Map<string, string>();
  delayMs = 5;
  private inFlight = 0;
  mostAtOnce = 0;

  handler: PoolHandler<{ id: string }> = async ({ id }, { attempt, final }) => {
    this.mostAtOnce = Math.max(this.mostAtOnce, ++this.inFlight);
    await sleep(this.delayMs);
    this.inFlight--;
    this.runs.push(`${id}#${attempt}${final ? '!' : ''}`);
    if (this.failing.has(id)) throw new Error(this.errors.get(id) ?? 'HTTP 503');
  };

  async waitFor(count: number, limitMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + limitMs;
    while (this.runs.length < count) {
      if (Date.now() > deadline) throw new Error(`${this.runs.length} of ${count} runs: ${this.runs.join(' ')}`);
      await sleep(10);
    }
    return this.runs;
  }
}

const poolOptions = (lockMs = 1_000): JobPoolOptions => ({ concurrency: 2, retryBaseMs: 150, retryMaxMs: 300, lockMs, log: quiet });
const job = (id: string, attempts = 3) => ({ id, data: { id }, attempts });

interface PoolBackend {
  name: string;
  skip: string | false;
  /** A pool; with `shared`, another on the jobs of the previous one (another replica). */
  open(t: Test, shared?: boolean, lockMs?: number): Promise<OutboundJobPool<{ id: string }>>;
}

let poolRound = 0;
const pools: PoolBackend[] = [
  { name: 'memory', skip: false, open: async () => new MemoryJobPool(poolOptions()) },
  {
    name: 'redis (BullMQ)',
    skip: redisServerMissing(),
    open: async (t, shared = false, lockMs = 1_000) => {
      redis ??= await startRedis({ appendonly: true });
      if (!shared) poolRound++;
      const base = new Redis(redis.url, { keyPrefix: `p${poolRound}:` });
      t.teardown(() => base.quit());
      return new BullJobPool<{ id: string }>(base, 'pool', poolOptions(lockMs));
    },
  },
];

for (const backend of pools) {
  t.test(`job pool: ${backend.name}`, { skip: backend.skip }, async (t) => {
    t.test('jobs run at once up to the concurrency; one in backoff holds up nobody; the last attempt is told so', async (t) => {
      const recorder = new PoolRecorder();
      recorder.failing.add('a');
      const pool = await backend.open(t);
      t.teardown(() => pool.close());
      await pool.submit(job('a'));
      for (const id of ['b', 'c', 'd', 'e', 'f']) await pool.submit(job(id));
      t.equal(await pool.pending(), 6, 'every job is pending before it is worked');
      pool.work(recorder.handler);
      await recorder.waitFor(8);
      const runs = recorder.runs;
      t.same(
        runs.filter((run) => run.startsWith('a')),
        ['a#1', 'a#2', 'a#3!'],
        'a failing job is tried its attempts, the last one told it is final',
      );
      t.ok(
        ['b', 'c', 'd', 'e', 'f'].every((id) => runs.indexOf(`${id}#1`) < runs.indexOf('a#2')),
        `the others ran while it waited for its next attempt (${runs.join(' ')})`,
      );
      t.ok(recorder.mostAtOnce <= 2, `never more than the concurrency at once (${recorder.mostAtOnce})`);
      for (let i = 0; (await pool.pending()) > 0 && i < 200; i++) await sleep(10);
      t.equal(await pool.pending(), 0, 'a job whose last attempt failed leaves the pool');
    });

    t.test('a job submitted again by its id while in the pool is worked once', async (t) => {
      const recorder = new PoolRecorder();
      const pool = await backend.open(t);
      t.teardown(() => pool.close());
      await pool.submit(job('same'));
      await pool.submit(job('same'));
      await pool.submit({ data: { id: 'anonymous' }, attempts: 1 });
      await pool.submit({ data: { id: 'anonymous' }, attempts: 1 });
      t.equal(await pool.pending(), 3);
      pool.work(recorder.handler);
      await recorder.waitFor(3);
      await sleep(100);
      t.same([...recorder.runs].sort(), ['anonymous#1!', 'anonymous#1!', 'same#1']);
    });

    t.test('dead letters: a job whose last attempt threw is listed, replayed (one final attempt) or discarded', async (t) => {
      const recorder = new PoolRecorder();
      recorder.failing.add('x');
      recorder.failing.add('y');
      const pool = await backend.open(t);
      t.teardown(() => pool.close());
      t.same(await pool.deadLetters(), [], 'none at first');
      await pool.submit(job('x', 2));
      await pool.submit(job('y', 1));
      await pool.submit(job('ok', 2));
      pool.work(recorder.handler);
      await recorder.waitFor(4);
      for (let i = 0; (await pool.pending()) > 0 && i < 200; i++) await sleep(10);
      const letters = await pool.deadLetters();
      t.same(
        letters.map(({ id, data, attempts, lastError }) => ({ id, data, attempts, lastError })).sort((a, b) => a.id.localeCompare(b.id)),
        [
          { id: 'x', data: { id: 'x' }, attempts: 2, lastError: 'HTTP 503' },
          { id: 'y', data: { id: 'y' }, attempts: 1, lastError: 'HTTP 503' },
        ],
        'the two given up, with their attempts and last error; the delivered one is not',
      );
      t.ok(
        letters.every((letter) => Date.parse(letter.failedAt) <= Date.now() && letter.failedAt <= letters.at(-1)!.failedAt),
        'each with when it failed, oldest first',
      );
      await pool.submit(job('x', 2));
      await sleep(100);
      t.equal(recorder.runs.filter((run) => run.startsWith('x')).length, 2, 'a job submitted again by a dead letter id is not queued');

      recorder.failing.delete('x');
      t.equal(await pool.replay('x'), true, 'replayed');
      t.equal(await pool.replay('x'), false, 'no longer a dead letter: a second replay finds none');
      await recorder.waitFor(5);
      t.equal(recorder.runs.at(-1), 'x#3!', 'one more attempt, told it is final, counted after the others');
      for (let i = 0; (await pool.pending()) > 0 && i < 200; i++) await sleep(10);
      t.same(
        (await pool.deadLetters()).map((letter) => letter.id),
        ['y'],
        'delivered this time: no longer a dead letter',
      );

      t.equal(await pool.replay('y'), true);
      await recorder.waitFor(6);
      for (let i = 0; (await pool.pending()) > 0 && i < 200; i++) await sleep(10);
      t.match(await pool.deadLetters(), [{ id: 'y', attempts: 2, lastError: 'HTTP 503' }], 'failing again: a dead letter again, its attempts counted');
      t.equal(recorder.runs.at(-1), 'y#2!');

      t.equal(await pool.discard('y'), true, 'discarded');
      t.equal(await pool.discard('y'), false, 'a second discard finds none');
      t.equal(await pool.replay('never'), false, 'no dead letter by an unknown id');
      t.same(await pool.deadLetters(), []);
      await sleep(100);
      t.equal(recorder.runs.length, 6, 'nothing discarded was worked again');
    });

    t.test('dead letters of jobs submitted at once: each given-up job its own, listed, replayed and discarded alone', async (t) => {
      const recorder = new PoolRecorder();
      for (const id of ['a', 'b', 'c', 'f']) recorder.failing.add(id);
      recorder.errors.set('b', 'timeout');
      const pool = await backend.open(t);
      t.teardown(() => pool.close());
      // Two batches in Redis: a-e with two attempts each, f and g with one.
      await Promise.all([
        ...['a', 'b', 'c', 'd', 'e'].map((id) => pool.submit({ data: { id }, attempts: 2 })),
        ...['f', 'g'].map((id) => pool.submit({ data: { id }, attempts: 1 })),
      ]);
      pool.work(recorder.handler);
      await recorder.waitFor(10);
      for (let i = 0; (await pool.pending()) > 0 && i < 300; i++) await sleep(10);
      t.same(
        [...recorder.runs].sort(),
        ['a#1', 'a#2!', 'b#1', 'b#2!', 'c#1', 'c#2!', 'd#1', 'e#1', 'f#1!', 'g#1!'],
        'each worked its own attempts, those delivered once',
      );
      const letters = await pool.deadLetters();
      const byJob = new Map(letters.map((letter) => [letter.data.id, letter]));
      t.same(
        letters.map(({ data, attempts, lastError }) => ({ job: data.id, attempts, lastError })).sort((x, y) => x.job.localeCompare(y.job)),
        [
          { job: 'a', attempts: 2, lastError: 'HTTP 503' },
          { job: 'b', attempts: 2, lastError: 'timeout' },
          { job: 'c', attempts: 2, lastError: 'HTTP 503' },
          { job: 'f', attempts: 1, lastError: 'HTTP 503' },
        ],
        'one dead letter per job given up, with its own attempts and last error',
      );
      t.equal(new Set(letters.map((letter) => letter.id)).size, 4, 'each by an id of its own');
      t.ok(
        letters.every((letter) => Date.parse(letter.failedAt) <= Date.now() && letter.failedAt <= letters.at(-1)!.failedAt),
        'each with when it failed, oldest first',
      );

      recorder.failing.delete('b');
      t.equal(await pool.replay(byJob.get('b')!.id), true, 'one of a batch replayed');
      t.equal(await pool.replay(byJob.get('b')!.id), false, 'a second replay finds none');
      await recorder.waitFor(11);
      await sleep(200);
      t.same(recorder.runs.slice(10), ['b#3!'], 'that one alone, one more attempt, told it is final, counted after its others');
      t.equal(await pool.replay(byJob.get('f')!.id), true, 'one given up at its only attempt replayed');
      await recorder.waitFor(12);
      for (let i = 0; (await pool.pending()) > 0 && i < 300; i++) await sleep(10);
      t.equal(recorder.runs.at(-1), 'f#2!', 'worked this time, told it is final');
      t.match(
        (await pool.deadLetters()).filter((letter) => letter.data.id === 'f'),
        [{ id: byJob.get('f')!.id, attempts: 2, lastError: 'HTTP 503' }],
        'failing again: a dead letter again, by the same id, its attempts counted',
      );

      t.equal(await pool.discard(byJob.get('c')!.id), true, 'one of a batch discarded');
      t.equal(await pool.discard(byJob.get('c')!.id), false, 'a second discard finds none');
      t.same((await pool.deadLetters()).map((letter) => letter.data.id).sort(), ['a', 'f'], 'the others of its batch still dead letters');
      t.match(
        (await pool.deadLetters()).find((letter) => letter.data.id === 'a'),
        { id: byJob.get('a')!.id, attempts: 2 },
      );
      await sleep(200);
      t.equal(recorder.runs.length, 12, 'nothing discarded or left alone was worked again');
    });

    t.test('jobs submitted at once: each worked once; one failing among them is tried again alone, its attempts its own', async (t) => {
      const recorder = new PoolRecorder();
      recorder.failing.add('m3');
      const pool = await backend.open(t);
      t.teardown(() => pool.close());
      const ids = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
      await Promise.all(ids.map((id) => pool.submit({ data: { id }, attempts: 3 })));
      t.equal(await pool.pending(), 6, 'every job submitted is pending, however they are carried');
      pool.work(recorder.handler);
      await recorder.waitFor(8);
      await sleep(300);
      t.same(
        recorder.runs.filter((run) => run.startsWith('m3')),
        ['m3#1', 'm3#2', 'm3#3!'],
        'the failing job is tried its attempts, the last one told it is final',
      );
      t.same(
        recorder.runs.filter((run) => !run.startsWith('m3')).sort(),
        ['m1#1', 'm2#1', 'm4#1', 'm5#1', 'm6#1'],
        'the others once each, not again with its retries',
      );
      t.ok(recorder.mostAtOnce <= 2, `never more than the concurrency at once (${recorder.mostAtOnce})`);
      for (let i = 0; (await pool.pending()) > 0 && i < 200; i++) await sleep(10);
      t.equal(await pool.pending(), 0, 'a job whose last attempt failed leaves the pool');
    });
  });
}

const bullPool = pools[1]!;
t.test('job pool, redis (BullMQ): replicas, restarts, a lock taken over', { skip: bullPool.skip }, async (t) => {
  t.test('two replicas work the pool: each job once', async (t) => {
    const recorder = new PoolRecorder();
    const first = await bullPool.open(t);
    const second = await bullPool.open(t, true);
    t.teardown(() => Promise.all([first.close(), second.close()]));
    const ids = Array.from({ length: 30 }, (_, n) => `r${n}`);
    for (const id of ids) await first.submit(job(id));
    first.work(recorder.handler);
    second.work(recorder.handler);
    await recorder.waitFor(30);
    await sleep(200);
    t.same([...recorder.runs].sort(), ids.map((id) => `${id}#1`).sort(), 'every job once');
  });

  t.test('jobs submitted together go to Redis in one BullMQ job, those submitted meanwhile in the next', async (t) => {
    const recorder = new PoolRecorder();
    const pool = await bullPool.open(t);
    t.teardown(() => pool.close());
    const first = Promise.all(['t1', 't2', 't3'].map((id) => pool.submit({ data: { id }, attempts: 2 })));
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([first, ...['t4', 't5'].map((id) => pool.submit({ data: { id }, attempts: 2 }))]);
    const check = redis!.client();
    t.teardown(() => check.quit());
    t.equal(await check.llen(`p${poolRound}:outbound:pool:wait`), 2, 'one BullMQ job for t1-t3, one for t4 and t5');
    t.equal(await pool.pending(), 5);
    pool.work(recorder.handler);
    await recorder.waitFor(5);
    t.same([...recorder.runs].sort(), ['t1#1', 't2#1', 't3#1', 't4#1', 't5#1']);
  });

  t.test('jobs survive the pool and a Redis restart (append-only file)', async (t) => {
    const recorder = new PoolRecorder();
    const before = await bullPool.open(t);
    await before.submit(job('kept'));
    await before.close();
    await redis!.kill();
    await redis!.start();
    const after = await bullPool.open(t, true);
    t.teardown(() => after.close());
    t.equal(await after.pending(), 1);
    after.work(recorder.handler);
    t.same(await recorder.waitFor(1), ['kept#1']);
  });

  t.test('a worker whose lock was taken over changes nothing', async (t) => {
    const recorder = new PoolRecorder();
    // The stale worker's attempt fails once released: were its failure taken, the job would be tried again.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let staleRuns = 0;
    // One job at a time: busy with the one held, it cannot take the job back once it is put back.
    const base = new Redis(redis!.url, { keyPrefix: `p${++poolRound}:` });
    t.teardown(() => base.quit());
    const stale = new BullJobPool<{ id: string }>(base, 'pool', { ...poolOptions(600), concurrency: 1 });
    t.teardown(() => stale.close());
    await stale.submit(job('l'));
    stale.work(async () => {
      staleRuns++;
      await held;
      throw new Error('HTTP 503');
    });
    const check = redis!.client();
    t.teardown(() => check.quit());
    const lockKey = `p${poolRound}:outbound:pool:l:lock`;
    for (let i = 0; !(await check.exists(lockKey)) && i < 200; i++) await sleep(10);
    // Its lock runs out as if the process had paused past it (renewals stopped): dropped here.
    await check.del(lockKey);
    await check.set(lockKey, 'someone-else');
    await check.pexpire(lockKey, 1);
    const taker = await bullPool.open(t, true, 600);
    t.teardown(() => taker.close());
    taker.work(recorder.handler);
    t.same(await recorder.waitFor(1), ['l#1'], 'another worker took the job over and worked it');
    release();
    await sleep(600);
    t.equal(staleRuns, 1);
    t.same(recorder.runs, ['l#1'], 'the stale worker could not ask for another attempt');
    t.equal(await taker.pending(), 0);
  });

  /**
   * A stale worker holds a BullMQ job carrying `x` and `y`: it delivers `x`, and fails `y` only
   * once its lock was taken over and the taker is working the job (it then stops, as a worker cut
   * from Redis would). Were its splitting of `y` into a job of its own written, `y` would be
   * worked once more than the taker's own outcome asks.
   */
  async function staleBatch(t: Test, takerFails: boolean) {
    const recorder = new PoolRecorder();
    if (takerFails) for (const id of ['x', 'y']) recorder.failing.add(id);
    recorder.delayMs = 300;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const staleRuns: string[] = [];
    const base = new Redis(redis!.url, { keyPrefix: `p${++poolRound}:` });
    t.teardown(() => base.quit());
    const stale = new BullJobPool<{ id: string }>(base, 'pool', { ...poolOptions(600), concurrency: 1 });
    t.teardown(() => stale.close());
    await Promise.all(['x', 'y'].map((id) => stale.submit({ data: { id }, attempts: 2 })));
    stale.work(async ({ id }) => {
      staleRuns.push(id);
      if (id !== 'y') return;
      await held;
      void stale.close();
      throw new Error('HTTP 503');
    });
    const check = redis!.client();
    t.teardown(() => check.quit());
    for (let i = 0; !staleRuns.includes('y') && i < 300; i++) await sleep(10);
    const [lockKey] = await check.keys(`p${poolRound}:outbound:pool:batch-*:lock`);
    t.ok(lockKey, 'the stale worker holds the job carrying x and y');
    await check.del(lockKey!);
    await check.set(lockKey!, 'someone-else');
    await check.pexpire(lockKey!, 1);
    const taker = await bullPool.open(t, true, 600);
    t.teardown(() => taker.close());
    taker.work(recorder.handler);
    for (let i = 0; recorder.mostAtOnce === 0 && i < 300; i++) await sleep(10);
    release();
    return { recorder, staleRuns, taker };
  }

  t.test('a worker whose lock on a job carrying several was taken over changes nothing', async (t) => {
    const { recorder, staleRuns, taker } = await staleBatch(t, true);
    t.same([...(await recorder.waitFor(4))].sort(), ['x#1', 'x#2!', 'y#1', 'y#2!'], 'the taker worked both, twice: the job as it was');
    await sleep(300);
    t.same(staleRuns, ['x', 'y']);
    t.equal(recorder.runs.length, 4, 'the stale worker could not ask for another attempt');
    for (let i = 0; (await taker.pending()) > 0 && i < 100; i++) await sleep(10);
    t.equal(await taker.pending(), 0);
  });

  t.test('a worker whose lock on a job carrying several was taken over cannot split off its failures', async (t) => {
    const { recorder, staleRuns, taker } = await staleBatch(t, false);
    t.same([...(await recorder.waitFor(2))].sort(), ['x#1', 'y#1'], 'the taker delivered both');
    await sleep(1_000);
    t.same(staleRuns, ['x', 'y']);
    t.same(recorder.runs.length, 2, 'y, failed by the stale worker, is not worked again');
    t.equal(await taker.pending(), 0);
    t.same(await taker.deadLetters(), [], 'nor given up');
  });
});
