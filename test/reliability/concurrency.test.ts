/**
 * Concurrent writers through the gateway, over real sockets: If-Match gives exactly one winner
 * per version and no update is silently lost; concurrent batch creates are each all-or-nothing
 * and never seen half-done; concurrent creates of the same person with different keys are
 * allowed (as Odoo allows them). Odoo calls are slowed a little so that the requests overlap
 * inside the gateway instead of running one after another by chance (on the simulator: a real
 * Odoo's own call times already make them overlap).
 */
import t from 'tap';
import { countInOdoo, person, startHarness, type Answer, type Harness } from '../support/reliability.js';

const WRITERS = 8;

t.test('concurrent writers', async (t) => {
  const h: Harness = await startHarness(t, { protocol: 'jsonrpc', resilience: { timeoutMs: 10_000 } });
  const gw = h.gateway;
  // The real server needs no added latency: its calls take tens of milliseconds by themselves.
  const faults = h.sim?.faults;
  t.afterEach(() => faults?.clear());

  const newIndividual = async (given: string, extra: Record<string, unknown> = {}) => {
    const created = await gw.call('POST', '/individuals', { body: person(h.tag, given, extra) });
    if (created.status !== 201) throw new Error(`fixture: ${created.status} ${JSON.stringify(created.body)}`);
    return { id: created.body.id as number, etag: created.headers.get('etag')! };
  };

  t.test('N PATCHes with the same ETag: exactly one wins, the others get 412, the record holds the winner', async (t) => {
    const { id, etag } = await newIndividual('Race');
    // Slow reads and writes widen the window between the If-Match check and the write.
    faults?.addLatency(40, { model: 'res.partner', method: 'web_search_read' });
    faults?.addLatency(40, { model: 'res.partner', method: 'write' });
    const answers = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => gw.call('PATCH', `/individuals/${id}`, { body: { occupation: `writer ${i}` }, headers: { 'if-match': etag } })),
    );
    const statuses = answers.map((a) => a.status);
    t.equal(statuses.filter((s) => s === 200).length, 1, `exactly one 2xx (statuses ${statuses.join(',')})`);
    t.equal(statuses.filter((s) => s === 412).length, WRITERS - 1, 'every other writer: 412');
    for (const stale of answers.filter((a) => a.status === 412)) t.match(stale.contentType, /^application\/problem\+json/);
    const winner = answers.find((a) => a.status === 200)!;
    await faults?.clear();
    const final = await gw.call('GET', `/individuals/${id}`);
    t.equal(final.body.occupation, winner.body.occupation, `the record holds the winner's write (${winner.body.occupation})`);
    t.equal(final.headers.get('etag'), winner.headers.get('etag'), "the winner's ETag is the current one");
  });

  t.test('PATCH and DELETE racing on one ETag: one wins', async (t) => {
    const { id, etag } = await newIndividual('RaceDelete');
    faults?.addLatency(40, { model: 'res.partner', method: 'web_search_read' });
    const [patch, del] = await Promise.all([
      gw.call('PATCH', `/individuals/${id}`, { body: { occupation: 'patched' }, headers: { 'if-match': etag } }),
      gw.call('DELETE', `/individuals/${id}`, { headers: { 'if-match': etag } }),
    ]);
    t.same([patch.status, del.status].filter((s) => s < 300).length, 1, `one of PATCH (${patch.status}) and DELETE (${del.status}) wins`);
    t.ok([patch.status, del.status].includes(412), 'the other gets 412');
  });

  t.test('read-modify-write loops retrying on 412: every increment lands, none is lost', async (t) => {
    const { id } = await newIndividual('Counter', { income: 0 });
    faults?.addLatency(15, { model: 'res.partner', method: 'write' });
    const increments = 3;
    let conflicts = 0;
    const worker = async () => {
      for (let done = 0; done < increments;) {
        const current = await gw.call('GET', `/individuals/${id}`);
        const next = await gw.call('PATCH', `/individuals/${id}`, {
          body: { income: (current.body.income as number) + 1 },
          headers: { 'if-match': current.headers.get('etag')! },
        });
        if (next.status === 200) done++;
        else if (next.status === 412) conflicts++;
        else throw new Error(`unexpected ${next.status}: ${JSON.stringify(next.body)}`);
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, worker));
    const final = await h.direct.read('res.partner', [id], ['income']);
    t.equal(final[0]!.income, WRITERS * increments, `income = ${WRITERS} writers × ${increments} increments (${conflicts} conflicts retried)`);
    t.ok(conflicts > 0, 'the writers did collide (the test exercised the race)');
  });

  t.test('groups: N PATCHes with the same ETag, exactly one wins', async (t) => {
    const group = await gw.call('POST', '/groups', { body: { name: `Race group ${h.tag}`, kind: 'Household' } });
    t.equal(group.status, 201);
    faults?.addLatency(40, { model: 'res.partner', method: 'write' });
    const answers = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        gw.call('PATCH', `/groups/${group.body.id}`, { body: { name: `Race group ${h.tag} ${i}` }, headers: { 'if-match': group.headers.get('etag')! } }),
      ),
    );
    t.equal(answers.filter((a) => a.status === 200).length, 1, `exactly one 2xx (statuses ${answers.map((a) => a.status).join(',')})`);
    t.equal(answers.filter((a) => a.status === 412).length, WRITERS - 1);
  });

  t.test('concurrent adds of a Head to one group: exactly one becomes head', async (t) => {
    const group = await gw.call('POST', '/groups', { body: { name: `Head race ${h.tag}`, kind: 'Household' } });
    const people = await Promise.all(Array.from({ length: 4 }, (_, i) => newIndividual(`Head${i}`)));
    faults?.addLatency(40, { model: 'g2p.group.membership', method: 'create' });
    const answers = await Promise.all(people.map((p) => gw.call('POST', `/groups/${group.body.id}/members`, { body: { individual: p.id, kinds: ['Head'] } })));
    t.equal(answers.filter((a) => a.status === 201).length, 1, `one head (statuses ${answers.map((a) => a.status).join(',')})`);
    t.equal(answers.filter((a) => a.status === 409).length, people.length - 1, 'the others: 409');
    await faults?.clear();
    const heads = await h.direct.searchCount('g2p.group.membership', [
      ['group', '=', group.body.id],
      ['kind.name', '=', 'Head'],
    ]);
    t.equal(heads, 1, 'Odoo holds one head membership');
  });

  t.test('concurrent creates of the same person with different keys: one holds the National ID (api.uniqueIdTypes)', async (t) => {
    const nid = `NID-${h.tag}-twin`;
    const body = person(h.tag, 'Twin', { reg_ids: [{ id_type: 'National ID', value: nid }] });
    const answers = await Promise.all(['a', 'b'].map((k) => gw.call('POST', '/individuals', { body, headers: { 'idempotency-key': `${h.tag}-twin-${k}` } })));
    t.same(answers.map((a) => a.status).sort(), [201, 409], 'one created, the other refused: Odoo has no uniqueness on ID values, the gateway does');
    const created = answers.find((a) => a.status === 201)!;
    const refused = answers.find((a) => a.status === 409)!;
    t.equal(refused.body.holder?.id, created.body.id, 'the refusal names the holder');
    t.equal(await h.direct.searchCount('g2p.reg.id', [['value', '=', nid]]), 1, 'Odoo holds one such ID');
    const lookUp = await gw.call('GET', `/individuals/by-reg-id/National%20ID/${nid}`);
    t.equal(lookUp.status, 200, 'the look-up by ID finds the one holder');
    t.equal(lookUp.body.id, created.body.id);
  });

  t.test('concurrent batch creates: each batch all or nothing, a failing one leaves nothing, none is seen half-done', async (t) => {
    const batches = 6;
    const size = 5;
    const failing = 3;
    const family = (b: number) => `${h.tag}B${b}`;
    const item = (b: number, i: number) => ({
      given_name: `Item${i}`,
      family_name: family(b),
      gender: 'Male',
      // Odoo refuses this phone number: the failing batch's last item, after its others were created in the same call.
      ...(b === failing && i === size - 1 ? { phone_numbers: [{ phone_no: '+15550100' }] } : {}),
    });
    faults?.addLatency(60, { model: 'res.partner', method: 'create' });

    // A reader polls while the batches run: every batch it sees is complete.
    let running = true;
    const partial: string[] = [];
    let polls = 0;
    const reader = (async () => {
      while (running) {
        const page = await gw.call('GET', `/individuals?name=${h.tag}B&limit=100`);
        polls++;
        const perFamily = new Map<string, number>();
        for (const p of page.body.items as Array<{ family_name: string }>) perFamily.set(p.family_name, (perFamily.get(p.family_name) ?? 0) + 1);
        for (const [name, count] of perFamily) if (count !== size) partial.push(`${name}: ${count}`);
      }
    })();
    const answers: Answer[] = await Promise.all(
      Array.from({ length: batches }, (_, b) => gw.call('POST', '/individuals/batch', { body: { items: Array.from({ length: size }, (_, i) => item(b, i)) } })),
    );
    running = false;
    await reader;

    for (const [b, answer] of answers.entries()) {
      const count = await h.direct.searchCount('res.partner', [['family_name', '=', family(b)]], { context: { active_test: false } });
      if (b === failing) {
        t.equal(answer.status, 422, 'the batch Odoo refused: 422');
        t.equal(count, 0, 'and none of its items exists');
      } else {
        t.equal(answer.status, 201, `batch ${b}: 201`);
        t.same(
          answer.body.items.map((i: { family_name: string }) => i.family_name),
          Array(size).fill(family(b)),
          `batch ${b}: only its own items`,
        );
        t.equal(count, size, `batch ${b}: all ${size} items exist`);
      }
    }
    t.same(partial, [], `no reader saw a batch half-done (${polls} polls)`);
    t.ok(polls > 0, 'the reader ran');
    t.equal(await countInOdoo(h.direct, `${h.tag}B${failing}`, 'Item0'), 0, 'the first item of the refused batch was rolled back too');
  });
});
