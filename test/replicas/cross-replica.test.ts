/**
 * Three gateway processes behind no load balancer but the test, sending requests to the
 * replicas in turn, in front of one Odoo (the simulator, or a real Odoo with G2P_E2E_ODOO_*)
 * and one real Redis: the guarantees of one process hold across them. Each test prints the
 * figures it measured (`# figures: ...`) for the record.
 */
import t, { type Test } from 'tap';
import { message, expression } from '../dci/harness.js';
import { redisServerMissing, startRedis } from '../support/redis.js';
import { call, callerToken, startReplicas, stopReplicas, type Replica } from '../support/replicas.js';
import { startStack } from '../support/stack.js';

const skip = redisServerMissing();
const figures = (t: Test, text: string) => t.comment(`figures: ${text}`);

t.test('three replicas, one Odoo, one Redis', { skip }, async (t) => {
  const stack = await startStack(t, { protocol: 'jsonrpc', households: 3 });
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const RATE_MAX = 12;
  const replicas = await startReplicas(stack, {
    count: 3,
    redisUrl: redis.url,
    rateLimit: { enabled: true, max: RATE_MAX, windowMs: 60_000 },
    odoo: { timeoutMs: 3_000 },
  });
  t.teardown(() => stopReplicas(replicas));
  const tag = stack.runTag;
  const person = (given: string) => ({ given_name: given, family_name: tag });
  const countInOdoo = (given: string) =>
    stack.odoo.searchCount('res.partner', [
      ['family_name', '=', tag],
      ['given_name', '=', given],
      ['is_registrant', '=', true],
    ]);
  // Each test calls as its own subject, so the shared rate limit of one does not throttle another.
  let subjects = 0;
  const caller = () => callerToken(`replica-caller-${++subjects}`);

  t.test('a keyed create sent to all three replicas at once: one registrant, every answer names it', async (t) => {
    const token = caller();
    const given = 'Concurrent';
    const key = `${tag}-concurrent`;
    const answers = await Promise.all(
      [...replicas, ...replicas].map((replica) => call(replica, token, 'POST', '/individuals', { body: person(given), headers: { 'idempotency-key': key } })),
    );
    const statuses = answers.map((a) => a.status);
    t.ok(
      statuses.every((s) => s === 201 || s === 409),
      `201 or 409 "in progress" only: ${statuses.join(',')}`,
    );
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id));
    t.equal(ids.size, 1, 'every 201 names the same registrant');
    const registrants = await countInOdoo(given);
    t.equal(registrants, 1, 'exactly one registrant in Odoo');
    const later = await call(replicas[2]!, token, 'POST', '/individuals', { body: person(given), headers: { 'idempotency-key': key } });
    t.same([later.status, later.body.id, later.headers.get('idempotent-replayed')], [201, [...ids][0], 'true'], 'a later retry on any replica replays it');
    figures(t, `6 concurrent keyed creates over 3 replicas -> statuses ${statuses.join(',')}; registrants in Odoo: ${registrants}`);
  });

  t.test(
    'lost reply on one replica, retried on another (simulator fault injection: commit-then-drop)',
    { skip: stack.sim ? false : 'needs the simulator to drop a reply' },
    async (t) => {
      const token = caller();
      const given = 'LostReply';
      const key = `${tag}-lost`;
      stack.sim!.faults.commitThenDrop({ model: 'res.partner', method: 'create' }, 1);
      t.teardown(() => stack.sim!.faults.clear());
      const lost = await call(replicas[0]!, token, 'POST', '/individuals', { body: person(given), headers: { 'idempotency-key': key } });
      t.ok([502, 503, 504].includes(lost.status), `replica 1: the reply is lost (${lost.status})`);
      t.equal(await countInOdoo(given), 1, 'yet Odoo committed the create');
      const retry = await call(replicas[1]!, token, 'POST', '/individuals', { body: person(given), headers: { 'idempotency-key': key } });
      t.equal(retry.status, 201, 'replica 2: 201');
      t.equal(retry.headers.get('idempotent-replayed'), 'true', 'as a replay of the first attempt');
      const again = await call(replicas[2]!, token, 'POST', '/individuals', { body: person(given), headers: { 'idempotency-key': key } });
      t.same([again.status, again.body.id], [201, retry.body.id], 'replica 3 replays the stored answer');
      const registrants = await countInOdoo(given);
      t.equal(registrants, 1, 'exactly one registrant');
      figures(
        t,
        `lost reply on replica 1 (${lost.status}) -> retry on replica 2: ${retry.status} replayed, replica 3: ${again.status}; registrants: ${registrants}`,
      );
    },
  );

  t.test('eight concurrent PATCHes with one ETag over three replicas: exactly one 200', async (t) => {
    const token = caller();
    const created = await call(replicas[0]!, token, 'POST', '/individuals', { body: person('Patched') });
    t.equal(created.status, 201);
    const id = created.body.id as number;
    const read = await call(replicas[1]!, token, 'GET', `/individuals/${id}`);
    const etag = read.headers.get('etag')!;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(replicas[i % 3]!, token, 'PATCH', `/individuals/${id}`, { body: { occupation: `writer-${i}` }, headers: { 'if-match': etag } }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    t.equal(statuses.filter((s) => s === 200).length, 1, `exactly one 200: ${statuses.join(',')}`);
    t.equal(statuses.filter((s) => s === 412).length, 7, 'the seven others: 412 Precondition Failed');
    const winner = answers.find((a) => a.status === 200)!;
    const final = await call(replicas[2]!, token, 'GET', `/individuals/${id}`);
    t.equal(final.body.occupation, winner.body.occupation, "Odoo holds the winner's value");
    t.equal(final.headers.get('etag'), winner.headers.get('etag'), "and the winner's ETag is current");
    figures(t, `8 PATCHes with one ETag over 3 replicas -> ${statuses.filter((s) => s === 200).length}x200, ${statuses.filter((s) => s === 412).length}x412`);
  });

  t.test('the rate limit is shared: the budget is spent across replicas, not per replica', async (t) => {
    const token = caller();
    const statuses: number[] = [];
    for (let i = 0; i < RATE_MAX + 3; i++) statuses.push((await call(replicas[i % 3]!, token, 'GET', '/individuals?limit=1')).status);
    t.equal(statuses.filter((s) => s === 200).length, RATE_MAX, `${RATE_MAX} requests pass over the three replicas together`);
    t.same(statuses.slice(RATE_MAX), [429, 429, 429], 'then every replica answers 429');
    const refused = await call(replicas[0]!, token, 'GET', '/individuals?limit=1');
    t.equal(refused.status, 429);
    t.ok(Number(refused.headers.get('retry-after')) > 0, 'with Retry-After');
    const other = await call(replicas[0]!, caller(), 'GET', '/individuals?limit=1');
    t.equal(other.status, 200, 'another caller has its own budget');
    figures(
      t,
      `limit ${RATE_MAX}/min, ${RATE_MAX + 3} requests round-robin over 3 replicas -> ${statuses.filter((s) => s === 200).length}x200 then ${statuses.filter((s) => s === 429).length}x429 (a per-replica limit would have passed all ${RATE_MAX + 3})`,
    );
  });

  t.test('a DCI message_id replayed on another replica is refused', async (t) => {
    const token = caller();
    const search = message([expression('Group', { group_size: { $gt: 0 } })]);
    const dci = (replica: Replica) =>
      fetch(`${replica.origin}/registry/sync/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(search),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const first = await dci(replicas[0]!);
    t.equal(first.status, 200);
    t.equal(first.body.header.status, 'succ', 'the first sighting is answered');
    const replay = await dci(replicas[1]!);
    t.equal(replay.status, 200);
    t.match(replay.body.header, { status: 'rjct', status_reason_code: 'rjct.message_id.duplicate' }, 'the replay on replica 2 is refused as a duplicate');
    t.same(replay.body.message.search_response, [], 'with no records');
    const third = await dci(replicas[2]!);
    t.equal(third.body.header.status_reason_code, 'rjct.message_id.duplicate', 'and on replica 3');
    figures(
      t,
      `message_id on replica 1: ${first.body.header.status}; replayed on replicas 2 and 3: ${replay.body.header.status_reason_code}, ${third.body.header.status_reason_code}`,
    );
  });
});
