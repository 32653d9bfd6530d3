/**
 * Odoo misbehaving in every way the simulator can inject, over a real port, on both
 * protocols: every request still gets a problem+json answer with a request id, within the
 * configured per-call deadline, the circuit breaker opens and closes, and after the fault
 * ends everything works again without a restart. The closing comment of each protocol's run
 * lists the figures: requests per fault kind and the statuses seen.
 */
import t, { type Test } from 'tap';
import { simulatorOnly } from '../support/odoo-target.js';
import {
  countInOdoo,
  eventually,
  FaultTally,
  person,
  startHarness,
  type Answer,
  type Gateway,
  type Harness,
  type Protocol,
  type Resilience,
} from '../support/reliability.js';

const RESILIENCE: Resilience = {
  timeoutMs: 400,
  readRetries: 1,
  retryBaseDelayMs: 20,
  failureThreshold: 3,
  resetAfterMs: 500,
  maxConcurrent: 16,
};

/** Added to every deadline bound: the machine is shared and noisy; the bound is about hangs, not speed. */
const MARGIN_MS = 3_000;

/**
 * The longest a request may take while every Odoo call fails: its first call, tried
 * readRetries + 1 times with backoff in between, then the request ends.
 */
function deadlineMs(r: Resilience): number {
  let backoff = 0;
  for (let attempt = 0; attempt < r.readRetries; attempt++) backoff += r.retryBaseDelayMs * 2 ** attempt;
  return (r.readRetries + 1) * r.timeoutMs + backoff + MARGIN_MS;
}

const FAULT_STATUSES: Record<string, number[]> = {
  refuse: [503],
  hang: [503, 504],
  slow: [503, 504],
  'html-page': [502, 503],
  truncated: [502, 503],
  random: [502],
  'circuit-open': [503],
  'circuit-half-open': [503],
};

for (const protocol of ['jsonrpc', 'xmlrpc'] as Protocol[]) {
  t.test(`Odoo faults over ${protocol} (simulator: fault injection)`, { skip: simulatorOnly() }, async (t) => {
    const h: Harness = await startHarness(t, { protocol, resilience: RESILIENCE });
    const sim = h.sim!;
    const tally = new FaultTally();
    const gw = h.gateway;
    const faults = sim.faults;
    const bound = deadlineMs(RESILIENCE);

    const created = await gw.call('POST', '/individuals', { body: person(h.tag, 'Fixture') });
    t.equal(created.status, 201, 'fixture created');
    const someone: number = created.body.id;
    let seq = 0;

    /** One request of a mixed workload: reads, a create with a key, a patch. */
    const request = (g: Gateway, which: number): Promise<Answer> => {
      switch (which % 4) {
        case 0:
          return g.call('GET', `/individuals/${someone}`);
        case 1:
          return g.call('GET', `/individuals?family_name=${h.tag}&limit=5`);
        case 2: {
          const n = ++seq;
          return g.call('POST', '/individuals', { body: person(h.tag, `W${n}`), headers: { 'idempotency-key': `${h.tag}-w-${n}` } });
        }
        default:
          return g.call('PATCH', `/individuals/${someone}`, { body: { occupation: `job ${++seq}` } });
      }
    };

    /** Every failed answer is a problem with a request id, of a status this fault may produce, in time. */
    const checkAnswer = (t: Test, kind: string, answer: Answer, what: string) => {
      tally.record(kind, answer.status);
      t.ok(answer.ms < bound, `${what}: answered in ${Math.round(answer.ms)} ms, under the ${bound} ms bound`);
      if (answer.status < 400) return;
      t.ok(FAULT_STATUSES[kind]!.includes(answer.status), `${what}: ${answer.status} is one of ${FAULT_STATUSES[kind]!.join('/')}`);
      t.match(answer.contentType, /^application\/problem\+json/, `${what}: problem+json`);
      t.equal(answer.body.status, answer.status, `${what}: status in the body`);
      t.match(answer.body.instance, /^urn:request:.+/, `${what}: instance names the request`);
      t.equal(answer.body.instance, `urn:request:${answer.headers.get('x-request-id')}`, `${what}: same id as X-Request-Id`);
      t.notMatch(JSON.stringify(answer.body), /Traceback|psycopg2|<html|<\/?[a-z]+>/i, `${what}: no traceback or HTML leaks`);
      if (answer.status === 503) t.match(answer.headers.get('retry-after'), /^\d+$/, `${what}: 503 carries Retry-After`);
    };

    /** The fault is gone: the same gateway answers 200 again (breaker closes after its reset time) with no restart. */
    const recovers = async (t: Test, g: Gateway = gw) => {
      await faults.clear();
      let last: Answer | undefined;
      const back = await eventually(async () => (last = await g.call('GET', `/individuals/${someone}`)).status === 200, 10_000, 100);
      t.ok(back, `works again after the fault ends (last status ${last?.status})`);
      t.equal(g.odoo.breakerState, 'closed', 'breaker closed');
      const write = await g.call('PATCH', `/individuals/${someone}`, { body: { occupation: `after ${++seq}` } });
      t.equal(write.status, 200, 'writes work again too');
    };

    const runWorkload = async (t: Test, kind: string, count: number, concurrent = true) => {
      const answers: Answer[] = [];
      if (concurrent) answers.push(...(await Promise.all(Array.from({ length: count }, (_, i) => request(gw, i)))));
      else for (let i = 0; i < count; i++) answers.push(await request(gw, i));
      answers.forEach((a, i) => checkAnswer(t, kind, a, `${kind} #${i}`));
      return answers;
    };

    t.test('refused connections: 503 with Retry-After, then the circuit opens', async (t) => {
      await faults.outage('refuse');
      const answers = await runWorkload(t, 'refuse', 12, false);
      t.ok(
        answers.every((a) => a.status === 503),
        'every request 503',
      );
      t.equal(gw.odoo.breakerState, 'open', 'the breaker opened');
      await recovers(t);
    });

    t.test('a hanging Odoo (accepts, never answers): 504, then 503 once the circuit opens', async (t) => {
      await faults.outage('hang');
      const first = await gw.call('GET', `/individuals/${someone}`);
      checkAnswer(t, 'hang', first, 'first read');
      t.equal(first.status, 504, 'a read that timed out on every attempt: 504');
      await runWorkload(t, 'hang', 8);
      const later = await runWorkload(t, 'hang', 4, false);
      t.ok(
        later.every((a) => a.status === 503),
        'with the breaker open: 503 at once',
      );
      await recovers(t);
    });

    t.test('a burst larger than maxConcurrent against a hanging Odoo is still answered within the deadline', async (t) => {
      const narrow = await h.startGateway({ maxConcurrent: 2 });
      t.teardown(() => narrow.close());
      t.equal((await narrow.call('GET', `/individuals/${someone}`)).status, 200, 'warm: logged in');
      await faults.outage('hang');
      const answers = await Promise.all(Array.from({ length: 32 }, () => narrow.call('GET', `/individuals/${someone}`)));
      answers.forEach((a, i) => checkAnswer(t, 'hang', a, `burst #${i}`));
      await recovers(t, narrow);
    });

    t.test('a slow Odoo (each call longer than the timeout): 504, then 503', async (t) => {
      faults.addLatency(RESILIENCE.timeoutMs * 3);
      const first = await gw.call('GET', `/individuals/${someone}`);
      checkAnswer(t, 'slow', first, 'first read');
      t.equal(first.status, 504, 'a read that timed out on every attempt: 504');
      await runWorkload(t, 'slow', 8);
      await recovers(t);
    });

    t.test('a slow Odoo within the timeout: answers are merely late', async (t) => {
      faults.addLatency(RESILIENCE.timeoutMs / 4);
      const answers = await runWorkload(t, 'slow-within-timeout', 4, false);
      t.same(
        answers.map((a) => a.status),
        [200, 200, 201, 200],
      );
      await faults.clear();
    });

    t.test("a proxy's HTML error page: 502; a single one is retried away on reads", async (t) => {
      faults.proxyHtml({ method: 'web_search_read' }, 1);
      const once = await gw.call('GET', `/individuals/${someone}`);
      checkAnswer(t, 'html-page', once, 'single HTML page on a read');
      t.equal(once.status, 200, 'a read is retried after a transport failure');
      faults.proxyHtml();
      const answers = await runWorkload(t, 'html-page', 8, false);
      t.ok(
        answers.some((a) => a.status === 502),
        '502 seen',
      );
      t.ok(
        answers.every((a) => a.status >= 500),
        'every request fails while every call gets HTML',
      );
      await recovers(t);
    });

    t.test('truncated bodies: 502, then 503 once the circuit opens', async (t) => {
      faults.truncateBodies();
      const answers = await runWorkload(t, 'truncated', 8, false);
      t.ok(
        answers.some((a) => a.status === 502),
        '502 seen',
      );
      await recovers(t);
    });

    t.test('random server errors on a fraction of calls: 502 for those, the rest succeed, the circuit stays closed', async (t) => {
      faults.setFaultRate(0.3, {}, 42);
      const answers = await runWorkload(t, 'random', 40, false);
      const failed = answers.filter((a) => a.status >= 400).length;
      t.ok(failed > 0 && failed < answers.length, `a mix: ${failed} of ${answers.length} failed`);
      t.equal(gw.odoo.breakerState, 'closed', 'server errors prove Odoo is up: the breaker stays closed');

      // Creates under random faults, then each failed one retried with its key once Odoo is well:
      // a 502 can hide a committed create (the read-back failed), so the retry must find it.
      const keyed = Array.from({ length: 12 }, (_, i) => ({ given: `R${i}`, key: `${h.tag}-r-${i}` }));
      const first = [];
      for (const k of keyed) first.push(await gw.call('POST', '/individuals', { body: person(h.tag, k.given), headers: { 'idempotency-key': k.key } }));
      first.forEach((a, i) => checkAnswer(t, 'random', a, `keyed create #${i}`));
      t.ok(
        first.some((a) => a.status === 502),
        'some creates failed',
      );
      await faults.clear();
      for (const [i, k] of keyed.entries()) {
        if (first[i]!.status === 201) continue;
        const retry = await gw.call('POST', '/individuals', { body: person(h.tag, k.given), headers: { 'idempotency-key': k.key } });
        t.equal(retry.status, 201, `retry of failed create ${k.given} with its key: 201`);
      }
      for (const k of keyed) t.equal(await countInOdoo(h.direct, h.tag, k.given), 1, `${k.given}: exactly one registrant in Odoo`);
      await recovers(t);
    });

    t.test('circuit breaker: open fails fast without calling Odoo, half-open lets one probe through, success closes it', async (t) => {
      faults.proxyHtml();
      while (gw.odoo.breakerState !== 'open') checkAnswer(t, 'html-page', await gw.call('GET', `/individuals/${someone}`), 'opening');
      sim.resetCalls();
      const fast = await Promise.all(Array.from({ length: 5 }, () => gw.call('GET', `/individuals/${someone}`)));
      fast.forEach((a, i) => checkAnswer(t, 'circuit-open', a, `open #${i}`));
      t.ok(
        fast.every((a) => a.status === 503),
        'open: 503 for every request',
      );
      t.equal(sim.calls.length, 0, 'open: Odoo is not called at all');

      t.ok(await eventually(() => gw.odoo.breakerState === 'half-open', RESILIENCE.resetAfterMs + 5_000), 'half-open after resetAfterMs');
      const failedProbe = await gw.call('GET', `/individuals/${someone}`);
      checkAnswer(t, 'html-page', failedProbe, 'failed probe');
      t.equal(sim.calls.length, 1, 'half-open: exactly one probe reached Odoo (its retry was refused by the reopened breaker)');
      t.equal(gw.odoo.breakerState, 'open', 'a failed probe opens the breaker again');

      await faults.clear();
      faults.addLatency(RESILIENCE.timeoutMs / 2); // slow, yet within the timeout: the probe succeeds
      t.ok(await eventually(() => gw.odoo.breakerState === 'half-open', RESILIENCE.resetAfterMs + 5_000), 'half-open again');
      sim.resetCalls();
      const probing = await Promise.all(Array.from({ length: 4 }, () => gw.call('GET', `/individuals/${someone}`)));
      probing.forEach((a, i) => checkAnswer(t, 'circuit-half-open', a, `half-open #${i}`));
      t.same(probing.map((a) => a.status).sort(), [200, 503, 503, 503], 'one slow probe succeeds; the others are turned away while it runs');
      t.equal(sim.calls.length, 1, 'only the probe reached Odoo');
      t.equal(gw.odoo.breakerState, 'closed', 'its success closes the breaker');
      await recovers(t);
    });

    t.test('a gateway started while Odoo is down logs in once it comes back, without a restart', async (t) => {
      await faults.outage('refuse');
      const late = await h.startGateway();
      t.teardown(() => late.close());
      const down = await late.call('GET', `/individuals/${someone}`);
      checkAnswer(t, 'refuse', down, 'first request of a fresh gateway');
      t.equal(down.status, 503);
      await recovers(t, late);
    });

    t.test('figures', async (t) => {
      for (const line of tally.lines()) t.comment(`${protocol} ${line}`);
      t.pass('figures listed');
    });
  });
}
