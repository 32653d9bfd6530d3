/**
 * The per-caller rate limit under load (issue 10): a noisy caller hammering the gateway is cut
 * off at its budget with 429 problem+json, Retry-After and RateLimit headers, while a quiet
 * caller on the same gateway, inside its own budget, gets every answer.
 */
import autocannon from 'autocannon';
import t from 'tap';
import { startStack } from '../support/stack.js';
import { testToken } from '../support/tokens.js';

const MAX = 60;
// Far longer than the run, so each caller's budget is exactly MAX; the bound below still
// allows for a window rolling over on a very slow machine.
const WINDOW_MS = 60_000;
const NOISY_SECONDS = 6;
const QUIET_REQUESTS = 40;

interface Refusal {
  contentType: string | undefined;
  retryAfter: number;
  limit: string | undefined;
  remaining: string | undefined;
  body: { status?: number; title?: string };
}

t.test('one noisy caller does not starve another', async (t) => {
  const stack = await startStack(t, {
    protocol: 'jsonrpc',
    households: 20,
    rateLimit: { enabled: true, max: MAX, windowMs: WINDOW_MS },
    logLevel: 'info',
    captureLogs: false,
  });
  const noisyToken = testToken('get', { sub: 'noisy-caller' });
  const quietToken = testToken('get', { sub: 'quiet-caller' });
  const path = `${new URL(stack.api).pathname}/individuals?limit=5`;

  const refusals: Refusal[] = [];
  const noisyStatuses = new Map<number, number>();
  const started = performance.now();
  const noisy = autocannon({
    url: stack.origin,
    connections: 50,
    duration: NOISY_SECONDS,
    requests: [
      {
        method: 'GET',
        path,
        headers: { authorization: `Bearer ${noisyToken}` },
        onResponse: (status, body, _context, headers) => {
          noisyStatuses.set(status, (noisyStatuses.get(status) ?? 0) + 1);
          // A sample is enough to check the shape; all are counted.
          if (status === 429 && refusals.length < 200) {
            const header = (name: string) => {
              const value = (headers as Record<string, string | string[] | undefined>)[name];
              return Array.isArray(value) ? value[0] : value;
            };
            refusals.push({
              contentType: header('content-type'),
              retryAfter: Number(header('retry-after')),
              limit: header('x-ratelimit-limit'),
              remaining: header('x-ratelimit-remaining'),
              body: JSON.parse(body) as Refusal['body'],
            });
          }
        },
      },
    ],
  });
  // The quiet caller starts once the noisy one has used up its budget, and stays inside its own.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const quietStatuses = new Map<number, number>();
  const quiet = autocannon({
    url: stack.origin,
    connections: 2,
    amount: QUIET_REQUESTS,
    overallRate: 10,
    requests: [
      {
        method: 'GET',
        path,
        headers: { authorization: `Bearer ${quietToken}` },
        onResponse: (status) => quietStatuses.set(status, (quietStatuses.get(status) ?? 0) + 1),
      },
    ],
  });
  const [noisyResult, quietResult] = await Promise.all([noisy, quiet]);
  const elapsedMs = performance.now() - started;

  const count = (statuses: Map<number, number>, status: number) => statuses.get(status) ?? 0;
  const noisyTotal = [...noisyStatuses.values()].reduce((a, b) => a + b, 0);
  const windowsElapsed = 1 + Math.floor(elapsedMs / WINDOW_MS);
  t.comment(
    `noisy caller: ${noisyTotal} requests in ${NOISY_SECONDS} s, statuses ${JSON.stringify(Object.fromEntries(noisyStatuses))}, p99 ${noisyResult.latency.p99} ms`,
  );
  t.comment(
    `quiet caller: ${QUIET_REQUESTS} requests, statuses ${JSON.stringify(Object.fromEntries(quietStatuses))}, p50 ${quietResult.latency.p50} ms, p99 ${quietResult.latency.p99} ms`,
  );

  t.equal(noisyResult.errors, 0, 'no connection errors for the noisy caller');
  t.ok(
    count(noisyStatuses, 200) > 0 && count(noisyStatuses, 200) <= MAX * windowsElapsed,
    `the noisy caller gets at most its budget (${count(noisyStatuses, 200)} of ${MAX})`,
  );
  t.ok(count(noisyStatuses, 429) > noisyTotal / 2, 'and most of its requests are refused with 429');
  t.equal(count(noisyStatuses, 200) + count(noisyStatuses, 429), noisyTotal, 'nothing but 200 and 429');

  t.ok(refusals.length > 0, 'refusals were sampled');
  t.ok(
    refusals.every((r) => /^application\/problem\+json/.test(r.contentType ?? '')),
    '429s are problem+json',
  );
  t.ok(
    refusals.every((r) => r.body.status === 429 && r.body.title === 'Too Many Requests'),
    'with status and title in the problem',
  );
  t.ok(
    refusals.every((r) => Number.isInteger(r.retryAfter) && r.retryAfter >= 1 && r.retryAfter <= WINDOW_MS / 1000),
    'with Retry-After in seconds, within the window',
  );
  t.ok(
    refusals.every((r) => r.limit === String(MAX) && r.remaining === '0'),
    'with RateLimit headers: the limit, none remaining',
  );

  t.equal(quietResult.errors, 0, 'no connection errors for the quiet caller');
  t.equal(count(quietStatuses, 200), QUIET_REQUESTS, 'every request of the quiet caller succeeds while the noisy one is throttled');
});
