/**
 * Creates whose answer is lost after Odoo committed them (the connection drops, the body is
 * cut, or the gateway gives up waiting while Odoo finishes): a retry with the same
 * Idempotency-Key must answer with what the first attempt made, and Odoo must hold exactly one
 * registrant, counted directly in Odoo. See docs/reliability.md for how the outcome is resolved.
 */
import t from 'tap';
import { simulatorOnly } from '../support/odoo-target.js';
import { countInOdoo, eventually, person, startHarness, type Harness, type Protocol } from '../support/reliability.js';

const TIMEOUT_MS = 600;

for (const protocol of ['jsonrpc', 'xmlrpc'] as Protocol[]) {
  t.test(`lost create replies over ${protocol} (simulator: fault injection)`, { skip: simulatorOnly() }, async (t) => {
    const h: Harness = await startHarness(t, { protocol, resilience: { timeoutMs: TIMEOUT_MS, readRetries: 1, failureThreshold: 50 } });
    const sim = h.sim!;
    const gw = h.gateway;
    const faults = sim.faults;
    t.afterEach(() => faults.clear());
    const createCalls = () => sim.calls.filter((c) => c.model === 'res.partner' && c.objectMethod === 'create').length;
    let n = 0;
    const fresh = () => {
      n++;
      return { given: `Lost${n}`, key: `${h.tag}-lost-${n}` };
    };
    const post = (given: string, key: string, g = gw) => g.call('POST', '/individuals', { body: person(h.tag, given), headers: { 'idempotency-key': key } });

    t.test('connection dropped after the commit: the retry replays the registrant the first attempt made', async (t) => {
      const { given, key } = fresh();
      faults.commitThenDrop({ model: 'res.partner', method: 'create' }, 1);
      const lost = await post(given, key);
      t.ok([502, 503, 504].includes(lost.status), `the first attempt fails: ${lost.status}`);
      t.match(lost.contentType, /^application\/problem\+json/);
      t.equal(await countInOdoo(h.direct, h.tag, given), 1, 'yet Odoo committed it');
      const retry = await post(given, key);
      t.equal(retry.status, 201, 'the retry: 201');
      t.equal(retry.headers.get('idempotent-replayed'), 'true', 'marked as a replay');
      const [inOdoo] = await h.direct.search('res.partner', [
        ['family_name', '=', h.tag],
        ['given_name', '=', given],
      ]);
      t.equal(retry.body.id, inOdoo, 'with the id Odoo holds');
      t.equal(await countInOdoo(h.direct, h.tag, given), 1, 'exactly one registrant');
      const again = await post(given, key);
      t.same([again.status, again.body.id], [201, inOdoo], 'later retries replay the same');
    });

    t.test('a retry that arrives while the first attempt is still in flight waits for it, then resolves it', async (t) => {
      const { given, key } = fresh();
      faults.addLatency(300, { model: 'res.partner', method: 'create' });
      faults.commitThenDrop({ model: 'res.partner', method: 'create' }, 1);
      const before = createCalls();
      const first = post(given, key);
      t.ok(await eventually(() => createCalls() > before, 5_000), 'the first create reached Odoo');
      const [retryA, retryB] = await Promise.all([post(given, key), post(given, key)]);
      const lost = await first;
      t.ok(lost.status >= 502, `the first attempt fails: ${lost.status}`);
      const statuses = [retryA.status, retryB.status];
      t.ok(statuses.includes(201), `a waiting retry answers 201 (${statuses.join(',')})`);
      t.ok(
        statuses.every((s) => s === 201 || s === 409),
        'a second concurrent retry gets 201 or 409 "still in progress"',
      );
      const late = await post(given, key);
      t.equal(late.status, 201);
      t.equal(late.body.id, (statuses[0] === 201 ? retryA : retryB).body.id, 'every answer names one registrant');
      t.equal(await countInOdoo(h.direct, h.tag, given), 1, 'exactly one registrant');
      t.equal(createCalls() - before, 1, 'Odoo received one create in all');
    });

    t.test('truncated reply to a committed create: 502, and the retry finds it', async (t) => {
      const { given, key } = fresh();
      faults.truncateBodies({ model: 'res.partner', method: 'create' }, 1);
      const lost = await post(given, key);
      t.equal(lost.status, 502, 'a cut body: 502');
      const retry = await post(given, key);
      t.same([retry.status, retry.headers.get('idempotent-replayed')], [201, 'true']);
      t.equal(await countInOdoo(h.direct, h.tag, given), 1, 'exactly one registrant');
    });

    t.test('a create that outlives the timeout: 504; a retry after Odoo finished replays it', async (t) => {
      const { given, key } = fresh();
      faults.addLatency(TIMEOUT_MS * 2, { model: 'res.partner', method: 'create' });
      const slow = await post(given, key);
      t.equal(slow.status, 504, 'the gateway gave up: 504');
      t.match(slow.body.detail, /Idempotency-Key/, 'the problem tells the client to retry with its key');
      await faults.clear();
      t.ok(await eventually(async () => (await countInOdoo(h.direct, h.tag, given)) === 1, 10_000, 50), 'Odoo finished the create after the gateway gave up');
      const retry = await post(given, key);
      t.same([retry.status, retry.headers.get('idempotent-replayed')], [201, 'true'], 'the retry replays it');
      t.equal(await countInOdoo(h.direct, h.tag, given), 1, 'exactly one registrant');
    });

    t.test('a retry while Odoo is still running the timed-out create: 409 Retry-After, never a second registrant', async (t) => {
      const { given, key } = fresh();
      faults.addLatency(TIMEOUT_MS * 2, { model: 'res.partner', method: 'create' });
      const slow = await post(given, key);
      t.equal(slow.status, 504, 'the gateway gave up: 504');
      const early = await post(given, key);
      t.equal(early.status, 409, 'an immediate retry is told the outcome is not known yet');
      t.equal(early.headers.get('retry-after'), '1', 'with Retry-After');
      t.match(early.body.detail, /still be running/);
      t.ok(await eventually(async () => (await countInOdoo(h.direct, h.tag, given)) === 1, 10_000, 50), 'Odoo finished the first create');
      await faults.clear();
      const retry = await post(given, key);
      t.same([retry.status, retry.headers.get('idempotent-replayed')], [201, 'true'], 'a retry after it committed replays it');
      t.equal(await countInOdoo(h.direct, h.tag, given), 1, 'exactly one registrant');
    });

    t.test('the retry reaches another gateway process (or this one after a restart): still one registrant', async (t) => {
      const { given, key } = fresh();
      faults.commitThenDrop({ model: 'res.partner', method: 'create' }, 1);
      const lost = await post(given, key);
      t.ok(lost.status >= 502, `the first attempt fails: ${lost.status}`);
      const restarted = await h.startGateway();
      t.teardown(() => restarted.close());
      const retry = await post(given, key, restarted);
      t.equal(retry.status, 201, 'the retry on a gateway that never saw the key: 201');
      t.equal(await countInOdoo(h.direct, h.tag, given), 1, 'found by its marker in Odoo, not created again');
    });

    t.test('a batch whose reply is lost: the retry returns the whole batch, created once', async (t) => {
      const key = `${h.tag}-batch`;
      const body = { items: [person(h.tag, 'BatchLost1'), person(h.tag, 'BatchLost2'), person(h.tag, 'BatchLost3')] };
      faults.commitThenDrop({ model: 'res.partner', method: 'create' }, 1);
      const lost = await gw.call('POST', '/individuals/batch', { body, headers: { 'idempotency-key': key } });
      t.ok(lost.status >= 502, `the first attempt fails: ${lost.status}`);
      const retry = await gw.call('POST', '/individuals/batch', { body, headers: { 'idempotency-key': key } });
      t.equal(retry.status, 201);
      t.same(
        retry.body.items.map((i: { given_name: string }) => i.given_name),
        ['BatchLost1', 'BatchLost2', 'BatchLost3'],
        'all items, in order',
      );
      for (const given of ['BatchLost1', 'BatchLost2', 'BatchLost3']) t.equal(await countInOdoo(h.direct, h.tag, given), 1, `${given}: once`);
    });

    t.test('member adds: a lost reply is recovered by (group, individual), yet a fresh key for an existing member is still 409', async (t) => {
      const group = await gw.call('POST', '/groups', { body: { name: `Lost member group ${h.tag}`, kind: 'Household' } });
      const member = (await gw.call('POST', '/individuals', { body: person(h.tag, 'Member') })).body.id;
      faults.commitThenDrop({ model: 'g2p.group.membership', method: 'create' }, 1);
      const path = `/groups/${group.body.id}/members`;
      const lost = await gw.call('POST', path, { body: { individual: member }, headers: { 'idempotency-key': `${h.tag}-m1` } });
      t.ok(lost.status >= 502, `the first attempt fails: ${lost.status}`);
      const retry = await gw.call('POST', path, { body: { individual: member }, headers: { 'idempotency-key': `${h.tag}-m1` } });
      t.same([retry.status, retry.headers.get('idempotent-replayed')], [201, 'true'], 'the retry finds the membership');
      const fresh = await gw.call('POST', path, { body: { individual: member }, headers: { 'idempotency-key': `${h.tag}-m2` } });
      t.equal(fresh.status, 409, 'another key adding the same member: 409 duplicate member');
      t.equal(
        await h.direct.searchCount('g2p.group.membership', [
          ['group', '=', group.body.id],
          ['individual', '=', member],
        ]),
        1,
        'one membership',
      );
    });

    t.test('the same key with a different body after a lost reply: 422, nothing created', async (t) => {
      const { given, key } = fresh();
      faults.commitThenDrop({ model: 'res.partner', method: 'create' }, 1);
      await post(given, key);
      const other = await post(`${given}Other`, key);
      t.equal(other.status, 422, 'the key is bound to the first body');
      t.equal(await countInOdoo(h.direct, h.tag, `${given}Other`), 0);
    });
  });
}
