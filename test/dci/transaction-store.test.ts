/**
 * The contract of a DCI transaction store, run once per store: in memory, and in a real
 * redis-server. Claims lease jobs (one claimant per job until the lease ends), a claim whose
 * lease ran out and was claimed again can neither complete nor reschedule the job, finished
 * transactions go after the retention period, and Redis claims from several connections at
 * once hand each job out exactly once.
 */
import { pino } from 'pino';
import t from 'tap';
import type { DciTransaction, DciTransactionStore, DeliveryJob } from '../../src/dci/transactions.js';
import { InMemoryTransactionStore } from '../../src/dci/transactions.js';
import { RedisTransactionStore } from '../../src/dci/redis-transactions.js';
import { isStateUnavailable, RedisStateStore } from '../../src/state/index.js';
import { redisServerMissing, startRedis, type RedisServer } from '../support/redis.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const RETENTION_MS = 300;

interface StoreKind {
  name: string;
  skip: string | false;
  /** A fresh, empty store (or another handle on the same shared one with `shared`). */
  open(shared?: boolean): Promise<DciTransactionStore>;
  durable: boolean;
}

let redis: RedisServer | undefined;
let prefixCounter = 0;
let prefix = '';
const redisStates: RedisStateStore[] = [];
const connectRedisStore = async (): Promise<RedisTransactionStore> => {
  redis ??= await startRedis();
  const state = new RedisStateStore(
    {
      url: redis.url,
      keyPrefix: prefix,
      connectTimeoutMs: 1_000,
      commandTimeoutMs: 1_000,
      leaseMs: 1_000,
      writeTimeoutMs: 200,
      marginMs: 50,
      idempotencyTtlMs: 60_000,
      replayWindowMs: 60_000,
    },
    pino({ level: 'silent' }),
  );
  redisStates.push(state);
  while (!(await state.health()).up) await sleep(20);
  return new RedisTransactionStore(state.redis, RETENTION_MS);
};
t.teardown(async () => {
  await Promise.all(redisStates.map((s) => s.close()));
  await redis?.stop();
});

const kinds: StoreKind[] = [
  { name: 'in memory', skip: false, durable: false, open: async () => new InMemoryTransactionStore(RETENTION_MS) },
  {
    name: 'Redis',
    skip: redisServerMissing(),
    durable: true,
    open: async (shared) => {
      if (!shared) prefix = `contract-${++prefixCounter}:`;
      return connectRedisStore();
    },
  },
];

const txn = (correlationId: string, senderId: string, at: number, extra: Partial<DciTransaction> = {}): DciTransaction => ({
  correlationId,
  senderId,
  transactionId: `t-${correlationId}`,
  messageId: `m-${correlationId}`,
  receivedAt: new Date(at).toISOString(),
  updatedAt: new Date(at).toISOString(),
  status: 'rcvd',
  items: [{ reference_id: `r-${correlationId}`, timestamp: new Date(at).toISOString(), status: 'rcvd' }],
  callbackUrl: 'http://127.0.0.1:9/cb/registry/on-search',
  ...extra,
});
const job = (id: string, dueAt: number): DeliveryJob => ({ id, kind: 'deliver', url: 'http://127.0.0.1:9/cb', body: { n: id }, attempts: 0, dueAt });

for (const kind of kinds) {
  t.test(`transaction store contract: ${kind.name}`, { skip: kind.skip }, async (t) => {
    t.test('says whether it survives a restart', async (t) => {
      t.equal((await kind.open()).durable, kind.durable);
    });

    t.test('keeps, changes and finds transactions, per sender, newest first', async (t) => {
      const store = await kind.open();
      const now = Date.now();
      await store.putTransaction(txn('c1', 'spmis-a', now - 2000));
      await store.putTransaction(txn('c2', 'spmis-a', now - 1000));
      await store.putTransaction(txn('c3', 'spmis-b', now));
      t.match(await store.getTransaction('c1'), { correlationId: 'c1', senderId: 'spmis-a', status: 'rcvd' });
      t.equal(await store.getTransaction('nope'), undefined);
      const updated = await store.updateTransaction('c1', { status: 'pdng', delivery: { state: 'pending', attempts: 1, lastError: 'ECONNREFUSED' } });
      t.match(updated, { correlationId: 'c1', status: 'pdng', delivery: { attempts: 1 } });
      t.match(await store.getTransaction('c1'), { status: 'pdng', delivery: { state: 'pending', lastError: 'ECONNREFUSED' } }, 'the change is kept');
      t.equal(await store.updateTransaction('nope', { status: 'succ' }), undefined, 'an unknown transaction is not created by a change');
      t.equal(await store.getTransaction('nope'), undefined);
      t.same(
        (await store.findTransactions('spmis-a', {})).map((x) => x.correlationId),
        ['c2', 'c1'],
      );
      t.same(
        (await store.findTransactions('spmis-a', { transactionId: 't-c1' })).map((x) => x.correlationId),
        ['c1'],
      );
      t.same(
        (await store.findTransactions('spmis-a', { correlationId: 'c2' })).map((x) => x.correlationId),
        ['c2'],
      );
      t.same(
        (await store.findTransactions('spmis-a', { referenceIds: ['r-c2', 'r-c3'] })).map((x) => x.correlationId),
        ['c2'],
      );
      t.same(await store.findTransactions('spmis-b', { correlationId: 'c1' }), [], "another sender's transaction is not found");
    });

    t.test('finished transactions go after the retention period', async (t) => {
      const store = await kind.open();
      const now = Date.now();
      await store.putTransaction(txn('old', 's', now, { status: 'succ', delivery: { state: 'delivered', attempts: 1 } }));
      t.equal((await store.findTransactions('s', {})).length, 1);
      await sleep(RETENTION_MS + 200);
      await store.putTransaction(txn('new', 's', Date.now()));
      t.same(
        (await store.findTransactions('s', {})).map((x) => x.correlationId),
        ['new'],
      );
      t.equal(await store.getTransaction('old'), undefined);
    });

    t.test('claims due jobs oldest first, leased, up to the limit', async (t) => {
      const store = await kind.open();
      const now = 1_000_000;
      await store.enqueue(job('late', now + 5000));
      await store.enqueue(job('second', now - 10));
      await store.enqueue(job('first', now - 20));
      await store.enqueue(job('third', now));
      t.equal(await store.pendingJobs(), 4);
      const claimed = await store.claimDue(now, 1000, 2);
      t.same(
        claimed.map((j) => j.id),
        ['first', 'second'],
        'oldest due first, up to the limit',
      );
      t.match(claimed[0], { kind: 'deliver', body: { n: 'first' }, attempts: 0, lease: String });
      t.same(
        (await store.claimDue(now, 1000, 10)).map((j) => j.id),
        ['third'],
        'leased jobs and jobs not yet due are left',
      );
      t.same(await store.claimDue(now + 500, 1000, 10), [], 'nothing is claimed twice within its lease');
      t.same((await store.claimDue(now + 1001, 1000, 10)).map((j) => j.id).sort(), ['first', 'second', 'third'], 'leases ran out: claimable again');
      t.equal(await store.pendingJobs(), 4, 'claiming removes nothing');
    });

    t.test('a claim whose lease ran out and was claimed again can neither complete nor reschedule', async (t) => {
      const store = await kind.open();
      const now = 2_000_000;
      await store.enqueue(job('j', now));
      const [late] = await store.claimDue(now, 1000, 1);
      const [current] = await store.claimDue(now + 1001, 1000, 1);
      t.not(late!.lease, current!.lease, 'each claim has a lease of its own');
      t.equal(await store.complete(late!), false, 'the late worker cannot complete it');
      t.equal(await store.reschedule({ ...late!, attempts: 5, dueAt: now }), false, 'nor reschedule it');
      t.equal(await store.pendingJobs(), 1, 'the job is still there');
      t.same(await store.claimDue(now + 1500, 1000, 1), [], 'and still leased to the current worker');
      t.equal(await store.reschedule({ ...current!, attempts: 1, dueAt: now + 3000 }), true, 'the current worker reschedules it');
      t.equal(await store.complete(current!), false, 'a lease ends with its reschedule');
      t.same(await store.claimDue(now + 2999, 1000, 1), [], 'not due before its new time');
      const [again] = await store.claimDue(now + 3000, 1000, 1);
      t.match(again, { id: 'j', attempts: 1, dueAt: now + 3000 }, 'the rescheduled job, as rescheduled');
      t.equal(await store.complete(again!), true);
      t.equal(await store.pendingJobs(), 0);
      t.same(await store.claimDue(now + 100_000, 1000, 10), []);
    });
  });
}

t.test('Redis: claims from many connections at once hand each job out once', { skip: redisServerMissing() }, async (t) => {
  const first = await kinds[1]!.open();
  const others = await Promise.all([1, 2, 3].map(() => kinds[1]!.open(true)));
  const now = 3_000_000;
  for (let i = 0; i < 60; i++) await first.enqueue(job(`j${i}`, now));
  const stores = [first, ...others];
  const claimed: string[] = [];
  await Promise.all(
    stores.map(async (store) => {
      for (;;) {
        const jobs = await store.claimDue(now, 60_000, 3);
        if (jobs.length === 0) return;
        claimed.push(...jobs.map((j) => j.id));
      }
    }),
  );
  t.equal(claimed.length, 60, 'every job claimed');
  t.equal(new Set(claimed).size, 60, 'none claimed twice');
});

t.test(
  'Redis down: the store refuses with StateUnavailableError; once it is back the pending job is still there',
  { skip: redisServerMissing() },
  async (t) => {
    // appendonly: a restarted Redis keeps what it acknowledged (README: run Redis with appendonly).
    const server = await startRedis({ appendonly: true });
    t.teardown(() => server.stop());
    const state = new RedisStateStore(
      {
        url: server.url,
        keyPrefix: 'down:',
        connectTimeoutMs: 1_000,
        commandTimeoutMs: 1_000,
        leaseMs: 1_000,
        writeTimeoutMs: 200,
        marginMs: 50,
        idempotencyTtlMs: 60_000,
        replayWindowMs: 60_000,
      },
      pino({ level: 'silent' }),
    );
    t.teardown(() => state.close());
    while (!(await state.health()).up) await sleep(20);
    const store = new RedisTransactionStore(state.redis, 60_000);
    await store.enqueue(job('kept', 4_000_000));
    await server.kill();
    t.ok(isStateUnavailable(await store.claimDue(4_000_000, 1000, 1).catch((err: unknown) => err)), 'claims fail as StateUnavailableError');
    t.ok(isStateUnavailable(await store.putTransaction(txn('x', 's', Date.now())).catch((err: unknown) => err)), 'so do writes');
    await server.start();
    while (!(await state.health()).up) await sleep(20);
    t.same(
      (await store.claimDue(4_000_000, 1000, 1)).map((j) => j.id),
      ['kept'],
      'the job is claimed once Redis is back, without a restart of the gateway',
    );
  },
);
