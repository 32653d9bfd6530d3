/**
 * Single flight of identical reads (CallOptions.shareInFlight) over a real socket to a
 * scriptable fake Odoo that holds calls until released: who shares, who does not, copies,
 * aborts, and the default call_kw protocol's choice of route per account.
 */
import t from 'tap';
import { createOdooConnection, OdooError } from '../../src/odoo/index.js';
import { OdooFaultServer, odooLike, type FakeRequest } from '../support/odoo-fault-server.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const fake = await OdooFaultServer.start();
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const modelCalls: FakeRequest[] = [];
  fake.handler = odooLike({
    model: async (request) => {
      modelCalls.push(request);
      await gate;
      return { result: [{ id: 7, name: 'Amina', nested: [{ id: 1 }] }] };
    },
  });
  const connection = createOdooConnection({ url: fake.url, db: 'g2p', timeoutMs: 5000, readRetries: 0 });
  t.teardown(async () => {
    release();
    fake.releaseHanging();
    await connection.close();
    await fake.close();
  });
  return {
    fake,
    connection,
    modelCalls,
    open: () => {
      release();
      gate = new Promise<void>((resolve) => (release = resolve));
    },
  };
}

const admin = { login: 'admin', secret: 'secret' };
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

t.test('identical reads in flight share one call; each caller gets its own copy', async (t) => {
  const { connection, modelCalls, open } = await setup(t);
  const client = connection.as(admin);
  await client.uid();
  const read = () => client.searchRead('res.partner', [['id', '=', 7]], ['name'], { shareInFlight: true });
  const answers = [read(), read(), read()];
  await until(() => modelCalls.length === 1);
  const other = client.searchRead('res.partner', [['id', '=', 8]], ['name'], { shareInFlight: true });
  const unshared = client.searchRead('res.partner', [['id', '=', 7]], ['name']);
  await until(() => modelCalls.length === 3);
  open();
  const [a, b, c] = await Promise.all(answers);
  await Promise.all([other, unshared]);
  t.equal(modelCalls.length, 3, 'three identical shared reads: one call; another domain and an unshared read: their own');
  t.same(b, a);
  t.same(c, a);
  t.not(b, a, 'copies, not the same object');
  t.not(b![0]!.nested, a![0]!.nested, 'deep copies');
  t.equal(modelCalls[0]!.route, 'call_kw', 'the default protocol: call_kw on the web session of a password account');
});

t.test('another account does not share; nothing is kept once the call answered', async (t) => {
  const { connection, modelCalls, open } = await setup(t);
  const one = connection.as(admin);
  const two = connection.as({ login: 'other', secret: 'api-key' });
  await one.uid();
  await two.uid();
  const read = (client: typeof one) => client.read('res.partner', [7], ['name'], { shareInFlight: true });
  const pending = [read(one), read(two)];
  await until(() => modelCalls.length === 2);
  open();
  await Promise.all(pending);
  t.equal(modelCalls.length, 2, 'one call per account');
  t.equal(modelCalls[1]!.route, 'jsonrpc', 'an API key (refused by the web login) goes through /jsonrpc');
  const later = read(one);
  await until(() => modelCalls.length === 3);
  open();
  await later;
  t.equal(modelCalls.length, 3, 'a read after the answer makes its own call');
});

t.test('a read asked after a write ended does not join one that started before it', async (t) => {
  const { connection, modelCalls, open } = await setup(t);
  const client = connection.as(admin);
  await client.uid();
  const read = () => client.read('res.partner', [7], ['name'], { shareInFlight: true });
  const before = read();
  await until(() => modelCalls.length === 1);
  const write = client.write('res.partner', [7], { name: 'x' });
  await until(() => modelCalls.length === 2);
  open();
  await write;
  const after = read();
  await until(() => modelCalls.length === 3);
  open();
  await Promise.all([before, after]);
  t.equal(modelCalls.length, 3, 'the read after the write made its own call');
});

t.test('aborts: one caller leaving does not cancel the others; the last one cancels the call', async (t) => {
  const { connection, modelCalls, open, fake } = await setup(t);
  const client = connection.as(admin);
  await client.uid();
  const first = new AbortController();
  const read = (signal?: AbortSignal) => client.read('res.partner', [7], ['name'], { shareInFlight: true, signal });
  const leaving = read(first.signal);
  const staying = read();
  await until(() => modelCalls.length === 1);
  first.abort(new Error('client went away'));
  await t.rejects(leaving, { message: 'client went away' }, 'the caller who left gets its reason');
  open();
  t.same(await staying, [{ id: 7, name: 'Amina', nested: [{ id: 1 }] }], 'the one who stayed gets the answer');

  const a = new AbortController();
  const b = new AbortController();
  const both = [read(a.signal), read(b.signal)];
  await until(() => modelCalls.length === 2);
  a.abort(new Error('a left'));
  b.abort(new Error('b left'));
  await t.rejects(both[0]!, { message: 'a left' });
  await t.rejects(both[1]!, { message: 'b left' });
  const timedOut = read(AbortSignal.timeout(50));
  const err = await timedOut.catch((e: unknown) => e);
  t.ok(err instanceof OdooError && err.kind === 'timeout', "a caller's own deadline is a timeout");
  open();
  fake.releaseHanging();
});
