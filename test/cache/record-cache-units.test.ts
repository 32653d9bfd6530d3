/**
 * RecordCache with its in-process ledger, through its own interface: the cases the suites over
 * HTTP cannot provoke at will (a write landing while a read is in flight, the byte bound, the
 * follower losing its position, the maximum age).
 */
import t from 'tap';
import { MemoryCacheLedger, partnerKey, RecordCache, type CacheMetrics } from '../../src/registry/record-cache.js';

function counting(): CacheMetrics & { counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const add = (name: string, n = 1) => void (counts[name] = (counts[name] ?? 0) + n);
  return { counts, lookup: (r) => add(r), evicted: () => add('evicted'), invalidated: (s, n) => add(`invalidated:${s}`, n), servedAge: () => add('served') };
}

const record = (id: number, name: string) => ({ value: { id, name }, version: `${id}-${name}` });

async function vouched(maxAgeMs = 60_000) {
  const ledger = new MemoryCacheLedger(maxAgeMs);
  await ledger.watching('epoch-1', 60_000, true);
  const metrics = counting();
  return { ledger, metrics, cache: new RecordCache({ enabled: true, maxBytes: 4096, maxAgeMs }, ledger, metrics) };
}

t.test('a hit after a stored read; an invalidation makes the next read go to Odoo', async (t) => {
  const { cache, metrics } = await vouched();
  let loads = 0;
  const load = async () => (loads++, record(7, `v${loads}`));
  const first = await cache.read('admin', 'individual', '7', false, load, () => [partnerKey(7)]);
  t.same(first.cache, { kind: 'forward', fwd: 'uri-miss', stored: true });
  const second = await cache.read('admin', 'individual', '7', false, load, () => [partnerKey(7)]);
  t.equal(second.cache?.kind, 'hit');
  t.equal(second.value.name, 'v1');
  t.equal(loads, 1);
  const otherAccount = await cache.read('someone', 'individual', '7', false, load, () => [partnerKey(7)]);
  t.equal(otherAccount.cache?.kind, 'forward', 'entries are per Odoo account');
  await cache.invalidate([partnerKey(7)], 'write');
  const third = await cache.read('admin', 'individual', '7', false, load, () => [partnerKey(7)]);
  t.equal(third.value.name, 'v3');
  t.same(metrics.counts, { 'uri-miss': 3, hit: 1, served: 1, 'invalidated:write': 1 });
});

t.test('a write committed while a read is in flight: the read is answered but not kept', async (t) => {
  const { cache } = await vouched();
  const slow = cache.read(
    'admin',
    'individual',
    '8',
    false,
    async () => {
      // The write lands after the read began (the read may have seen the old version).
      await cache.invalidate([partnerKey(8)], 'detector');
      return record(8, 'old');
    },
    () => [partnerKey(8)],
  );
  t.equal((await slow).value.name, 'old');
  const next = await cache.read(
    'admin',
    'individual',
    '8',
    false,
    async () => record(8, 'new'),
    () => [partnerKey(8)],
  );
  t.equal(next.value.name, 'new', 'the copy read before the write was not served');
  t.match(next.cache, { kind: 'forward', fwd: 'stale' });
});

t.test('a dependency found in the answer counts too (a membership names its individual)', async (t) => {
  const { cache } = await vouched();
  const keys = () => ['membership:3', partnerKey(20), partnerKey(21)];
  await cache.read('admin', 'membership', '20/3', false, async () => record(3, 'before'), keys);
  await cache.invalidate([partnerKey(21)], 'detector');
  const after = await cache.read('admin', 'membership', '20/3', false, async () => record(3, 'after'), keys);
  t.equal(after.value.name, 'after');
});

t.test('memory stays within maxBytes: the least recently used go', async (t) => {
  const { cache, metrics } = await vouched();
  for (let id = 1; id <= 100; id++)
    await cache.read(
      'admin',
      'individual',
      String(id),
      false,
      async () => record(id, 'x'.repeat(200)),
      () => [partnerKey(id)],
    );
  t.ok(cache.size.bytes <= 4096, `${cache.size.bytes} bytes held`);
  t.ok(cache.size.entries < 100);
  t.ok((metrics.counts.evicted ?? 0) > 0, 'evictions counted');
  const recent = await cache.read(
    'admin',
    'individual',
    '100',
    false,
    async () => record(100, 'reloaded'),
    () => [partnerKey(100)],
  );
  t.equal(recent.cache?.kind, 'hit', 'the most recent is still held');
});

t.test('without a live heartbeat nothing is stored or served; a new epoch discards the old entries', async (t) => {
  let now = 0;
  const ledger = new MemoryCacheLedger(60_000, () => now);
  const cache = new RecordCache({ enabled: true, maxBytes: 4096, maxAgeMs: 60_000 }, ledger);
  const read = () =>
    cache.read(
      'admin',
      'group',
      '5',
      false,
      async () => record(5, 'g'),
      () => [partnerKey(5)],
    );
  t.same((await read()).cache, { kind: 'forward', fwd: 'bypass', stored: false }, 'no heartbeat yet');
  await ledger.watching('a', 1_000, true);
  await read();
  t.equal((await read()).cache?.kind, 'hit');
  now = 2_000;
  t.same((await read()).cache, { kind: 'forward', fwd: 'bypass', stored: false }, 'heartbeat overdue: Odoo, nothing kept');
  t.equal(await ledger.watching('a', 1_000, false), true, 'the same epoch continues');
  await read();
  t.equal((await read()).cache?.kind, 'hit');
  t.equal(await ledger.watching('gone', 1_000, false), false, 'an epoch the ledger does not hold cannot continue');
  await ledger.watching('b', 1_000, true);
  t.match((await read()).cache, { kind: 'forward', fwd: 'stale' }, 'stored under epoch a, not served under b');
});

t.test('the maximum age caps every entry', async (t) => {
  const { cache } = await vouched(100);
  await cache.read(
    'admin',
    'individual',
    '9',
    false,
    async () => record(9, 'a'),
    () => [partnerKey(9)],
  );
  await new Promise((resolve) => setTimeout(resolve, 150));
  const later = await cache.read(
    'admin',
    'individual',
    '9',
    false,
    async () => record(9, 'b'),
    () => [partnerKey(9)],
  );
  t.equal(later.value.name, 'b');
});

t.test('off: every read goes to Odoo, without a Cache-Status', async (t) => {
  const cache = new RecordCache({ enabled: false, maxBytes: 4096, maxAgeMs: 1000 }, new MemoryCacheLedger(1000));
  const answer = await cache.read(
    'admin',
    'individual',
    '1',
    false,
    async () => record(1, 'a'),
    () => [partnerKey(1)],
  );
  t.equal(answer.cache, undefined);
  t.equal(cache.enabled, false);
});

t.test('the shared ledger unreachable: a write is still answered, the detector pass fails, no hit is served', async (t) => {
  const ledger = new MemoryCacheLedger(60_000);
  await ledger.watching('e', 60_000, true);
  const errors: unknown[] = [];
  const cache = new RecordCache({ enabled: true, maxBytes: 4096, maxAgeMs: 60_000 }, ledger, undefined, Date.now, (err) => errors.push(err));
  await cache.read(
    'admin',
    'individual',
    '4',
    false,
    async () => record(4, 'a'),
    () => [partnerKey(4)],
  );
  const down = new Error('ledger down');
  ledger.invalidate = async () => {
    throw down;
  };
  ledger.isCurrent = async () => {
    throw down;
  };
  await cache.invalidate([partnerKey(4)], 'write');
  t.same(errors, [down], 'reported, not thrown to the writer');
  await t.rejects(cache.invalidate([partnerKey(4)], 'detector'), down);
  await cache.read(
    'admin',
    'individual',
    '5',
    false,
    async () => record(5, 'a'),
    () => [partnerKey(5)],
  );
  const answer = await cache.read(
    'admin',
    'individual',
    '5',
    false,
    async () => record(5, 'b'),
    () => [partnerKey(5)],
  );
  t.equal(answer.value.name, 'b', 'a held entry is not served while the ledger cannot be asked');
});
