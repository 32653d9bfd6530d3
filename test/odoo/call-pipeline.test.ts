/**
 * The call pipeline's retries and circuit breaker with the HTTP connection injected: an
 * in-memory Odoo answering JSON-RPC, which fails exactly the calls a test says, as the pooled
 * connection reports a refused socket. client.test.ts runs the same behaviours over the wire.
 */
import t from 'tap';
import { createOdooConnection, OdooError, type HttpConnection, type HttpReply, type OdooCallEvent } from '../../src/odoo/index.js';

interface ModelCall {
  model: string;
  method: string;
}

/** Odoo 17 behind an in-memory HTTP connection: logins succeed, ORM calls answer `[7]` unless the next planned outcome is a failure. */
class MemoryOdoo implements HttpConnection {
  readonly modelCalls: ModelCall[] = [];
  /** Outcomes of the next ORM calls, in order; when empty, calls succeed. */
  readonly planned: Array<'fail' | 'ok'> = [];

  async post(path: string, body: string): Promise<HttpReply> {
    if (path !== '/jsonrpc') throw new Error(`unexpected path ${path}`);
    const { id, params } = JSON.parse(body) as { id: number; params: { service: string; method: string; args: unknown[] } };
    return { status: 200, contentType: 'application/json', text: JSON.stringify({ jsonrpc: '2.0', id, result: this.answer(params) }), setSessionId: undefined };
  }

  async close(): Promise<void> {}

  private answer({ service, method, args }: { service: string; method: string; args: unknown[] }): unknown {
    if (service === 'common' && method === 'authenticate') return 2;
    if (service === 'common' && method === 'version')
      return { server_version: '17.0', server_version_info: [17, 0, 0, 'final', 0, ''], server_serie: '17.0', protocol_version: 1 };
    if (service !== 'object' || method !== 'execute_kw') throw new Error(`unexpected call ${service}.${method}`);
    this.modelCalls.push({ model: args[3] as string, method: args[4] as string });
    if (this.planned.shift() === 'fail') throw new OdooError({ kind: 'unavailable', message: 'Odoo is unreachable (ECONNREFUSED)' });
    return args[4] === 'create' ? 42 : [7];
  }
}

t.test('in memory: reads are retried after a transport failure, writes are not, and the breaker opens, fails fast and closes', async (t) => {
  const odoo = new MemoryOdoo();
  const events: OdooCallEvent[] = [];
  const connection = createOdooConnection({
    url: 'http://odoo.invalid',
    db: 'g2p',
    protocol: 'jsonrpc',
    sessionCookie: false,
    http: odoo,
    readRetries: 2,
    retryBaseDelayMs: 1,
    breaker: { failureThreshold: 3, resetAfterMs: 100 },
    onCall: (event) => events.push(event),
  });
  t.teardown(() => connection.close());
  const client = connection.as({ login: 'admin', secret: 'admin' });
  await client.uid();
  const searchOutcomes = () => events.filter((event) => event.method === 'search').map((event) => event.outcome);

  odoo.planned.push('fail', 'fail');
  t.same(await client.search('res.partner', []), [7], 'the third attempt answers');
  t.equal(odoo.modelCalls.length, 3, 'two retries reached Odoo');
  t.same(searchOutcomes(), ['unavailable', 'unavailable', 'ok'], 'each attempt is reported to onCall');
  t.equal(connection.breakerState, 'closed', 'two failures then a success: closed');

  odoo.planned.push('fail');
  await t.rejects(client.create('res.partner', { name: 'X' }), { message: /unreachable/, kind: 'unavailable' }, 'the write fails');
  t.equal(odoo.modelCalls.length, 4, 'a write is never retried: it may have happened');
  t.same(await client.search('res.partner', []), [7]);

  odoo.planned.push('fail', 'fail', 'fail');
  await t.rejects(client.search('res.partner', []), { message: /unreachable/, kind: 'unavailable' }, 'every attempt failed');
  t.equal(odoo.modelCalls.length, 8, 'one attempt and two retries');
  t.equal(connection.breakerState, 'open', 'three failures in a row open the breaker');

  await t.rejects(client.search('res.partner', []), { kind: 'unavailable', message: /circuit open/ }, 'fails fast');
  t.equal(odoo.modelCalls.length, 8, 'while open nothing reaches Odoo, not even a retry');
  t.same(searchOutcomes().slice(-1), ['unavailable'], 'the fast failure is reported to onCall');

  while (connection.breakerState !== 'half-open') await new Promise((resolve) => setTimeout(resolve, 10));
  t.same(await client.search('res.partner', []), [7], 'the probe goes through');
  t.equal(connection.breakerState, 'closed', 'its success closes the breaker');
  t.same(odoo.modelCalls.at(-1), { model: 'res.partner', method: 'search' });
});
