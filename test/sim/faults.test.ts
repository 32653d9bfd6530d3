import t from 'tap';
import { request } from 'node:http';
import { startSimulator } from '../../src/sim/index.js';
import { executeKwJson, simPost } from '../support/sim-client.js';

/** Sends one request and reports what happened on the socket, without throwing. */
function attempt(baseUrl: string, body: object, timeoutMs = 5000) {
  return new Promise<{ outcome: 'response' | 'error' | 'timeout'; status?: number; declaredLength?: number; received?: number; body?: string; code?: string }>(
    (resolve) => {
      const payload = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'call', params: body, id: 1 }));
      const req = request(
        new URL('/jsonrpc', baseUrl),
        { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } },
        (res) => {
          const chunks: Buffer[] = [];
          const declaredLength = Number(res.headers['content-length']);
          res.on('data', (c: Buffer) => chunks.push(c));
          const done = () => {
            const data = Buffer.concat(chunks);
            resolve({ outcome: 'response', status: res.statusCode ?? 0, declaredLength, received: data.length, body: data.toString('utf8') });
          };
          res.on('end', done);
          res.on('error', done);
          res.on('aborted', done);
        },
      );
      req.setTimeout(timeoutMs, () => {
        resolve({ outcome: 'timeout' });
        req.destroy();
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ outcome: 'error', code: error.code ?? error.message }));
      req.end(payload);
    },
  );
}

const searchCount = (pw: string) => ({ service: 'object', method: 'execute_kw', args: ['g2p', 2, pw, 'res.partner', 'search_count', [[]]] });

t.test('fault injection', async (t) => {
  const sim = await startSimulator({ adminPassword: 'pw', seed: 7 });
  t.teardown(() => sim.close());
  t.afterEach(() => sim.faults.clear());

  t.test('latency delays only the matching calls', async (t) => {
    sim.faults.addLatency(400, { model: 'res.partner', method: 'search_count' });
    const order: string[] = [];
    const slow = executeKwJson(sim.url, 2, 'pw', 'res.partner', 'search_count', [[]]).then(() => order.push('slow'));
    await new Promise((r) => setTimeout(r, 20));
    const fast = executeKwJson(sim.url, 2, 'pw', 'res.partner', 'search', [[]], { limit: 1 }).then(() => order.push('fast'));
    await Promise.all([slow, fast]);
    t.same(order, ['fast', 'slow']);
  });

  t.test('a fault rate of 1 answers Odoo server errors on the matching method only; the sequence is seeded', async (t) => {
    sim.faults.setFaultRate(1, { method: 'search_count' });
    const failed = await executeKwJson(sim.url, 2, 'pw', 'res.partner', 'search_count', [[]]);
    t.equal(failed.status, 200);
    t.equal(failed.json.error?.code, 200);
    t.equal(failed.json.error?.message, 'Odoo Server Error');
    t.match(failed.json.error?.data.name, /^(psycopg2\.|builtins\.)/);
    const other = await executeKwJson(sim.url, 2, 'pw', 'res.partner', 'search', [[]], { limit: 1 });
    t.ok(Array.isArray(other.json.result), 'other methods are not affected');
    await sim.faults.clear();

    const run = async () => {
      await sim.faults.clear();
      sim.faults.setFaultRate(0.5, {}, 99);
      const outcomes: boolean[] = [];
      for (let i = 0; i < 12; i++) outcomes.push((await executeKwJson(sim.url, 2, 'pw', 'res.partner', 'search_count', [[]])).json.error !== undefined);
      return outcomes;
    };
    const first = await run();
    const second = await run();
    t.same(first, second, 'same seed, same failures');
    t.ok(first.includes(true) && first.includes(false), 'a rate of 0.5 mixes failures and successes');
  });

  t.test("outage 'refuse' closes the port; clear() reopens it", async (t) => {
    await sim.faults.outage('refuse');
    const refused = await attempt(sim.url, searchCount('pw'));
    t.same([refused.outcome, refused.code], ['error', 'ECONNREFUSED']);
    await sim.faults.clear();
    const back = await attempt(sim.url, searchCount('pw'));
    t.equal(back.status, 200);
  });

  t.test("outage 'hang' accepts and never answers", async (t) => {
    await sim.faults.outage('hang');
    const hung = await attempt(sim.url, searchCount('pw'), 300);
    t.equal(hung.outcome, 'timeout');
    await sim.faults.clear();
    t.equal((await attempt(sim.url, searchCount('pw'))).status, 200);
  });

  t.test('truncated bodies announce the full length and stop halfway', async (t) => {
    sim.faults.truncateBodies({ method: 'search_count' }, 1);
    const cut = await attempt(sim.url, searchCount('pw'));
    t.equal(cut.outcome, 'response');
    t.ok(cut.received! < cut.declaredLength!, `received ${cut.received} of ${cut.declaredLength} bytes`);
    const whole = await attempt(sim.url, searchCount('pw'));
    t.equal(whole.received, whole.declaredLength, 'only the counted call is cut');
  });

  t.test('proxy HTML: a 502 page instead of JSON', async (t) => {
    sim.faults.proxyHtml({}, 1);
    const res = await attempt(sim.url, searchCount('pw'));
    t.equal(res.status, 502);
    t.match(res.body, '<title>502 Bad Gateway</title>');
  });

  t.test('commit then drop: the create happens, the answer never comes', async (t) => {
    sim.faults.commitThenDrop({ model: 'res.partner', method: 'create' });
    const lost = await attempt(sim.url, {
      service: 'object',
      method: 'execute_kw',
      args: ['g2p', 2, 'pw', 'res.partner', 'create', [{ name: 'Lost Answer 42' }]],
    });
    t.equal(lost.outcome, 'error');
    const found = await executeKwJson(sim.url, 2, 'pw', 'res.partner', 'search_count', [[['name', '=', 'Lost Answer 42']]]);
    t.equal(found.json.result, 1, 'the record exists although the client saw no answer');
  });

  t.test('the control API is not reachable over HTTP', async (t) => {
    for (const path of ['/faults', '/calls', '/control']) {
      const res = await simPost(sim.url, path, '{}', { 'Content-Type': 'application/json' });
      t.equal(res.status, 404, path);
    }
  });
});
