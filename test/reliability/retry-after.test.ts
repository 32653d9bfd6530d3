/**
 * `Retry-After` on a 503 while the circuit breaker is open is the breaker's real remaining
 * wait, in whole seconds rounded up and never below 1: carried from the breaker on the Odoo
 * error to the problem, over a real socket, and shrinking as the open time runs out; the REST
 * API, the DCI routes and the compatibility routes each answer it in their shape with that wait.
 */
import t from 'tap';
import { odooProblem } from '../../src/http/odoo-errors.js';
import { OdooError } from '../../src/odoo/errors.js';
import { CircuitBreaker } from '../../src/odoo/resilience.js';
import { simulatorOnly } from '../support/odoo-target.js';
import { person, sleep, startHarness, writerToken } from '../support/reliability.js';
import { expression, message } from '../dci/harness.js';

/** What the breaker refuses a call with, or undefined when it lets the call out. */
function refusal(breaker: CircuitBreaker): OdooError | undefined {
  try {
    breaker.admit();
    return undefined;
  } catch (err) {
    return err as OdooError;
  }
}

const retryAfterOf = (err: OdooError | undefined) => (err ? odooProblem(err)?.headers?.['retry-after'] : undefined);

t.test('the breaker: Retry-After is the remaining open time, rounded up, at least 1 s', async (t) => {
  let now = 1_000_000;
  const breaker = new CircuitBreaker(1, 5_000, () => now);
  breaker.admit()('failure');
  t.equal(breaker.state, 'open');
  t.equal(refusal(breaker)?.retryAfterMs, 5_000, 'just opened: the whole open time');
  t.equal(retryAfterOf(refusal(breaker)), '5');
  now += 1_200;
  t.equal(refusal(breaker)?.retryAfterMs, 3_800);
  t.equal(retryAfterOf(refusal(breaker)), '4', '3.8 s left: 4');
  now += 3_799;
  t.equal(retryAfterOf(refusal(breaker)), '1', '1 ms left: 1, never 0');
  now += 1;
  const probe = breaker.admit();
  t.equal(breaker.state, 'half-open', 'the open time is over: one probe goes out');
  const behindProbe = refusal(breaker);
  t.equal(behindProbe?.retryAfterMs, 0, 'a call behind the probe: nothing left of the open time');
  t.equal(retryAfterOf(behindProbe), '1', 'and is told to retry in 1 s');
  probe('failure');
  now += 2_500;
  t.equal(retryAfterOf(refusal(breaker)), '3', 'a failed probe opens it again for the whole open time');
});

t.test('over HTTP: the 503 of an open breaker carries its remaining wait (simulator: fault injection)', { skip: simulatorOnly() }, async (t) => {
  const resetAfterMs = 20_000;
  const h = await startHarness(t, { protocol: 'jsonrpc', resilience: { failureThreshold: 1, resetAfterMs, readRetries: 0, timeoutMs: 2_000 } });
  const gw = h.gateway;
  const created = await gw.call('POST', '/individuals', { body: person(h.tag, 'RetryAfter') });
  t.equal(created.status, 201, 'fixture created (and logged in)');
  const read = `/individuals/${created.body.id}`;

  await h.sim!.faults.outage('refuse');
  const openedFrom = Date.now();
  const opening = await gw.call('GET', read);
  const openedBy = Date.now();
  t.equal(opening.status, 503, 'the refused connection: 503');
  t.equal(gw.odoo.breakerState, 'open', 'and the breaker opened');
  t.equal(opening.headers.get('retry-after'), String(resetAfterMs / 1000), 'the failure that opened it already carries the whole open time');

  /** The Retry-After an answer between `from` and `to` may carry, given when the breaker opened. */
  const window = (from: number, to: number) => ({
    least: Math.max(1, Math.ceil((openedFrom + resetAfterMs - to) / 1000)),
    most: Math.max(1, Math.ceil((openedBy + resetAfterMs - from) / 1000)),
  });
  const askedFrom = Date.now();
  const refused = await gw.call('GET', read);
  const { least, most } = window(askedFrom, Date.now());
  t.equal(refused.status, 503, 'with the breaker open: 503');
  t.equal(refused.contentType, 'application/problem+json; charset=utf-8');
  const first = Number(refused.headers.get('retry-after'));
  t.ok(first >= least && first <= most, `Retry-After ${first} s is the remaining open time (${least}–${most} s)`);

  await sleep(2_100);
  const laterFrom = Date.now();
  const later = await gw.call('GET', read);
  const bounds = window(laterFrom, Date.now());
  const second = Number(later.headers.get('retry-after'));
  t.equal(later.status, 503);
  t.ok(second >= bounds.least && second <= bounds.most, `2.1 s later: Retry-After ${second} s (${bounds.least}–${bounds.most} s)`);
  t.ok(second <= first - 2, 'it counts down with the open time');

  // One classification, each surface's own shape, the same wait.
  const origin = new URL(gw.api).origin;
  const asked = async (path: string, init: RequestInit = {}) => {
    const from = Date.now();
    const response = await fetch(`${origin}${path}`, { ...init, headers: { authorization: `Bearer ${writerToken}`, ...init.headers } });
    return { response, body: await response.json(), ...window(from, Date.now()) };
  };
  const dci = await asked('/registry/sync/search', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message([expression('Member', { given_name: { $eq: 'RetryAfter' } }, { pagination: { page_size: 5, page_number: 1 } })])),
  });
  t.equal(dci.response.status, 503, 'DCI: 503');
  t.match(
    dci.body,
    {
      status: 503,
      detail: 'The registry is unreachable; retry later.',
      errors: [{ code: 'err.service.unavailable', message: 'The registry is unreachable; retry later.' }],
    },
    'DCI: the HttpErrorResponse, also an RFC 9457 problem',
  );
  t.equal((dci.body as { errors: unknown[] }).errors.length, 1, 'one error');
  const dciWait = Number(dci.response.headers.get('retry-after'));
  t.ok(dciWait >= dci.least && dciWait <= dci.most, `DCI: Retry-After ${dciWait} s (${dci.least}–${dci.most} s)`);
  const compat = await asked(`/api/v1/registry/individual/${created.body.id}`);
  t.equal(compat.response.status, 503, 'compatibility surface: 503');
  t.same(compat.body, { detail: 'The registry is unreachable; retry later.' }, 'compatibility surface: {detail}');
  const compatWait = Number(compat.response.headers.get('retry-after'));
  t.ok(compatWait >= compat.least && compatWait <= compat.most, `compatibility surface: Retry-After ${compatWait} s (${compat.least}–${compat.most} s)`);
});
