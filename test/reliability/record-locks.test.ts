/**
 * The per-record serialisation behind If-Match (src/registry/record-locks.ts): one change at a
 * time per record in arrival order, others unaffected, a bounded wait answered with a retryable
 * conflict, and nothing left behind.
 */
import t from 'tap';
import { MemoryRecordLocks as RecordLocks } from '../../src/registry/record-locks.js';
import { isRegistryError } from '../../src/registry/errors.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

t.test('changes to one record run one at a time, in arrival order; other records are not held up', async (t) => {
  const locks = new RecordLocks();
  const order: string[] = [];
  const first = gate();
  const a = locks.run('r:1', async () => {
    order.push('a start');
    await first.opened;
    order.push('a end');
  });
  const b = locks.run('r:1', async () => void order.push('b'));
  const c = locks.run('r:1', async () => void order.push('c'));
  const other = locks.run('r:2', async () => void order.push('other'));
  await other;
  await tick();
  t.same(order, ['a start', 'other'], 'r:1 waiters wait; r:2 runs at once');
  first.open();
  await Promise.all([a, b, c]);
  await tick();
  t.same(order, ['a start', 'other', 'a end', 'b', 'c']);
  t.equal(locks.busy, 0, 'no entry left behind');
});

t.test('a failing change releases the record for the next one', async (t) => {
  const locks = new RecordLocks();
  await t.rejects(
    locks.run('r:1', async () => Promise.reject(new Error('odoo said no'))),
    /odoo said no/,
  );
  t.equal(await locks.run('r:1', async () => 'next ran'), 'next ran');
  await tick();
  t.equal(locks.busy, 0);
});

t.test('a waiter gives up after the bound with a retryable conflict; the one after it still waits for the holder', async (t) => {
  const locks = new RecordLocks(50);
  const holder = gate();
  const held = locks.run('r:1', () => holder.opened);
  let impatientRan = false;
  const impatient = locks.run('r:1', async () => void (impatientRan = true));
  const error = await impatient.catch((err: unknown) => err);
  t.ok(isRegistryError(error) && error.kind === 'in_flight', 'in_flight: the API answers 409 with Retry-After');
  t.notOk(impatientRan, 'its change never ran');
  let laterRan = false;
  const later = locks.run('r:1', async () => void (laterRan = true)).catch(() => undefined);
  await tick();
  t.notOk(laterRan, 'a later change does not slip in while the holder still runs');
  holder.open();
  await held;
  await later;
  t.ok(laterRan, 'it runs once the holder is done');
  await tick();
  t.equal(locks.busy, 0);
});
