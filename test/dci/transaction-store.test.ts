/**
 * The contract of a DCI transaction store, run once per store: in memory, and in a real
 * redis-server. Transactions are kept, changed and found per sender, finished ones go after the
 * retention period, and a Redis store refuses while Redis is down and has its transactions again
 * once it is back. (The jobs of async work are the outbound engine's: test/outbound/queues.test.ts.)
 */
import { pino } from 'pino';
import t from 'tap';
import type { DciTransaction, DciTransactionStore } from '../../src/dci/transactions.js';
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
  });
}

t.test(
  'Redis down: the store refuses with StateUnavailableError; once it is back the transaction is still there',
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
    await store.putTransaction(txn('kept', 's', Date.now()));
    await server.kill();
    t.ok(isStateUnavailable(await store.getTransaction('kept').catch((err: unknown) => err)), 'reads fail as StateUnavailableError');
    t.ok(isStateUnavailable(await store.putTransaction(txn('x', 's', Date.now())).catch((err: unknown) => err)), 'so do writes');
    await server.start();
    while (!(await state.health()).up) await sleep(20);
    t.match(await store.getTransaction('kept'), { correlationId: 'kept' }, 'the transaction is read once Redis is back, without a restart of the gateway');
  },
);
