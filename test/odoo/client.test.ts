/**
 * Client behaviour over real sockets against a scriptable fake Odoo: the same scenarios for
 * JSON-RPC and XML-RPC (and call_kw where sessions matter): decoding, request encoding, typed
 * errors, logins and sessions, retries, timeouts, circuit breaker, concurrency bound.
 */
import t from 'tap';
import { createOdooConnection, OdooError, type OdooConnection } from '../../src/odoo/index.js';
import { OdooFaultServer, odooLike, type FakeAnswer, type FakeHandler, type FakeRequest } from '../support/odoo-fault-server.js';
import { rejectionOf } from '../support/thrown.js';

type Protocol = 'jsonrpc' | 'xmlrpc' | 'call_kw';
const RPC_PROTOCOLS: Protocol[] = ['jsonrpc', 'xmlrpc'];
const ALL_PROTOCOLS: Protocol[] = ['jsonrpc', 'xmlrpc', 'call_kw'];

const NON_ASCII = 'Åsa Ñúñez 李雷 🙂';

interface Setup {
  fake: OdooFaultServer;
  connection: OdooConnection;
}

async function setup(
  t: { teardown(fn: () => unknown): void },
  protocol: Protocol,
  handler: FakeHandler,
  overrides: Partial<Parameters<typeof createOdooConnection>[0]> = {},
): Promise<Setup> {
  const fake = await OdooFaultServer.start();
  fake.handler = handler;
  const connection = createOdooConnection({
    url: fake.url,
    db: 'g2p',
    protocol,
    timeoutMs: 2000,
    readRetries: 2,
    retryBaseDelayMs: 1,
    breaker: { failureThreshold: 100, resetAfterMs: 100 },
    ...overrides,
  });
  t.teardown(async () => {
    fake.releaseHanging();
    await connection.close();
    await fake.close();
  });
  return { fake, connection };
}

const admin = { login: 'admin', secret: 'secret' };

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, OdooError);

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

for (const protocol of RPC_PROTOCOLS) {
  t.test(`${protocol}: values survive the round trip`, async (t) => {
    const records = Array.from({ length: 3000 }, (_, i) => ({
      id: i + 1,
      name: `${NON_ASCII} ${i}`,
      birthdate: i % 2 ? '1990-05-17' : false,
      income: i + 0.5,
      company_id: [1, 'My Company'],
      tags: [],
    }));
    const { fake, connection } = await setup(
      t,
      protocol,
      odooLike({
        model: (request): FakeAnswer => {
          switch (request.modelMethod) {
            case 'search_read':
              return { result: records };
            case 'search_count':
              // Odoo never sends <i8>, but other XML-RPC servers and proxies may; it must come back a number.
              return protocol === 'xmlrpc' ? { xmlValue: '<value><i8>4294967296</i8></value>' } : { result: 4294967296 };
            case 'default_get':
              return { result: { note: null, color: false } };
            default:
              return { result: 42 };
          }
        },
      }),
    );
    const client = connection.as(admin);

    const found = await client.searchRead('res.partner', [['name', 'ilike', NON_ASCII]], ['name'], {
      limit: 3000,
      order: 'id asc',
      context: { lang: 'fr_FR', tz: 'Africa/Nairobi', active_test: false },
    });
    t.same(found, records, '3,000 records with non-ASCII names, false and floats decode intact');
    const call = fake.modelCalls.at(-1)!;
    t.same(call.callArgs, [[['name', 'ilike', NON_ASCII]]], 'non-ASCII domain arrives intact');
    t.same(
      call.kwargs,
      { fields: ['name'], limit: 3000, order: 'id asc', context: { lang: 'fr_FR', tz: 'Africa/Nairobi', active_test: false } },
      'kwargs and explicit context',
    );

    t.equal(await client.searchCount('res.partner', []), 4294967296, 'big integers decode as numbers');
    t.same(await client.executeKw('res.partner', 'default_get', [['note', 'color']]), { note: null, color: false }, 'nil decodes as null');

    const id = await client.create('res.partner', {
      name: NON_ASCII,
      birthdate: undefined,
      comment: null,
      registration_date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    });
    t.equal(id, 42);
    t.same(
      fake.modelCalls.at(-1)!.callArgs,
      [{ name: NON_ASCII, comment: null, registration_date: '2024-01-02 03:04:05' }],
      'undefined dropped, null kept as nil, Date sent as Odoo UTC string',
    );

    await client.nameSearch('res.partner', 'doe', { limit: 5, operator: 'ilike' });
    t.same(fake.modelCalls.at(-1)!.kwargs, { operator: 'ilike', limit: 5 }, 'name_search kwargs');
    await client.readGroup('res.partner', [], ['gender'], ['gender'], { lazy: false });
    t.same(fake.modelCalls.at(-1)!.callArgs, [[], ['gender'], ['gender']], 'read_group positional args');
    await client.webSearchRead(
      'res.partner',
      [['is_group', '=', false]],
      { name: {}, reg_ids: { fields: { value: {} }, limit: 5 } },
      { limit: 10, offset: 20, order: 'id desc' },
    );
    t.same(
      fake.modelCalls.at(-1)!.kwargs,
      {
        domain: [['is_group', '=', false]],
        specification: { name: {}, reg_ids: { fields: { value: {} }, limit: 5 } },
        offset: 20,
        limit: 10,
        order: 'id desc',
      },
      'web_search_read kwargs',
    );
  });

  t.test(`${protocol}: Odoo errors become typed errors`, async (t) => {
    let nextError: { odooClass: string; message: string } = { odooClass: '', message: '' };
    const { fake, connection } = await setup(t, protocol, odooLike({ model: () => ({ error: nextError }) }));
    const client = connection.as(admin);
    await client.uid();
    const xml = protocol === 'xmlrpc';
    const cases: Array<[string, string, string, string]> = [
      // Odoo class, message, kind, class the client reports (XML-RPC folds UserError subclasses into fault code 2)
      [
        'odoo.exceptions.AccessError',
        "You are not allowed to access 'Group Membership' (g2p.group.membership) records.",
        'access_error',
        'odoo.exceptions.AccessError',
      ],
      [
        'odoo.exceptions.MissingError',
        'Record does not exist or has been deleted.\n(Record: res.partner(9,), User: 2)',
        'missing',
        'odoo.exceptions.MissingError',
      ],
      [
        'odoo.exceptions.ValidationError',
        'Duplication of Member is not allowed',
        xml ? 'user_error' : 'validation',
        xml ? 'odoo.exceptions.UserError' : 'odoo.exceptions.ValidationError',
      ],
      ['odoo.exceptions.UserError', 'Invalid number +15550100: probably incorrect prefix.', 'user_error', 'odoo.exceptions.UserError'],
      ['builtins.ValueError', "Invalid field 'no_such_field' on model 'res.partner'", 'server_error', 'builtins.ValueError'],
    ];
    for (const [odooClass, message, kind, reportedClass] of cases) {
      nextError = { odooClass, message };
      const before = fake.modelCalls.length;
      const err = await rejection(client.read('res.partner', [9], ['name']));
      t.equal(err.kind, kind, `${odooClass} -> ${kind}`);
      t.equal(err.odooClass, reportedClass, `${odooClass} class`);
      if (kind === 'server_error') {
        t.equal(err.message, 'Odoo could not process the request', 'technical message hidden');
        t.match(err.debug, /Traceback[\s\S]*Invalid field/, 'traceback kept in debug');
      } else {
        t.equal(err.message, message, 'business message for the caller');
      }
      t.equal(fake.modelCalls.length, before + 1, 'a business error is not retried');
    }
  });

  t.test(`${protocol}: gateway credentials`, async (t) => {
    const { fake, connection } = await setup(t, protocol, odooLike({ model: () => ({ result: [1] }) }));
    const wrong = await rejection(connection.as({ login: 'admin', secret: 'wrong' }).search('res.partner', []));
    t.equal(wrong.kind, 'access_denied', 'wrong password: access_denied');
    t.equal(fake.modelCalls.length, 0, 'no model call without a login');
    t.equal((await rejection(connection.authenticate({ login: 'admin', secret: 'wrong' }))).kind, 'access_denied');
    t.equal(await connection.authenticate({ login: 'admin', secret: 'api-key' }), 2, 'API key accepted by authenticate');
  });

  t.test(`${protocol}: transport failures`, async (t) => {
    let script: FakeAnswer[] = [];
    const { fake, connection } = await setup(t, protocol, odooLike({ model: () => script.shift() ?? { result: [7] } }), { timeoutMs: 500 });
    const client = connection.as(admin);
    await client.uid();

    script = [{ reset: true }, { reset: true }];
    t.same(await client.search('res.partner', []), [7], 'a read survives two connection resets');
    t.equal(fake.modelCalls.length, 3, 'and was sent three times');

    script = [{ reset: true }];
    const before = fake.modelCalls.length;
    const reset = await rejection(client.create('res.partner', { name: 'X' }));
    t.equal(reset.kind, 'unavailable', 'reset: unavailable');
    t.equal(fake.modelCalls.length, before + 1, 'a create is never retried');

    script = [{ raw: { status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' } }];
    const html = await rejection(client.write('res.partner', [1], { name: 'Y' }));
    t.equal(html.kind, 'bad_response', 'proxy HTML page: bad_response');
    t.equal(html.httpStatus, 502, 'carrying the HTTP status');

    script = [{ raw: { status: 200, contentType: 'text/plain', body: '' } }];
    const empty = await rejection(client.unlink('res.partner', [1]));
    t.equal(empty.kind, 'bad_response', 'empty body: bad_response');
    t.equal(empty.httpStatus, 200);

    script = [{ cut: true }];
    const cut = await rejection(client.write('res.partner', [1], { name: 'Z' }));
    t.equal(cut.kind, 'bad_response', 'body cut short: bad_response');

    script = [{ hang: true }, { hang: true }, { hang: true }];
    const hung = await rejection(client.search('res.partner', []));
    t.equal(hung.kind, 'timeout', 'no answer: timeout (after the retries)');
    fake.releaseHanging();

    await fake.stop();
    const refused = await rejection(client.search('res.partner', []));
    t.equal(refused.kind, 'unavailable', 'connection refused: unavailable');
    await fake.resume();
  });

  t.test(`${protocol}: circuit breaker opens, fails fast, probes and closes`, async (t) => {
    const events: Array<{ method: string; outcome: string; model?: string; durationMs: number }> = [];
    const { fake, connection } = await setup(t, protocol, odooLike({ model: () => ({ result: [1] }) }), {
      readRetries: 0,
      breaker: { failureThreshold: 2, resetAfterMs: 150 },
      onCall: (event) => events.push(event),
    });
    const client = connection.as(admin);
    await client.uid();
    t.equal(connection.breakerState, 'closed');

    await fake.stop();
    t.equal((await rejection(client.search('res.partner', []))).kind, 'unavailable');
    t.equal(connection.breakerState, 'closed', 'one failure is below the threshold');
    t.equal((await rejection(client.search('res.partner', []))).kind, 'unavailable');
    t.equal(connection.breakerState, 'open', 'threshold reached: open');

    await fake.resume();
    const seen = fake.requests.length;
    const fast = await rejection(client.search('res.partner', []));
    t.equal(fast.kind, 'unavailable');
    t.match(fast.message, /circuit open/);
    t.equal(fake.requests.length, seen, 'while open nothing reaches Odoo');
    t.same(
      events.at(-1),
      { model: 'res.partner', method: 'search', outcome: 'unavailable', durationMs: events.at(-1)!.durationMs },
      'the fast failure is reported to onCall',
    );

    await until(() => connection.breakerState === 'half-open');
    t.same(await client.search('res.partner', []), [1], 'the probe goes through');
    t.equal(connection.breakerState, 'closed', 'a successful probe closes it');

    await fake.stop();
    await rejection(client.search('res.partner', []));
    await rejection(client.search('res.partner', []));
    t.equal(connection.breakerState, 'open');
    await until(() => connection.breakerState === 'half-open');
    t.equal((await rejection(client.search('res.partner', []))).kind, 'unavailable', 'the probe fails');
    t.equal(connection.breakerState, 'open', 'a failed probe opens it again');
    await fake.resume();
  });

  t.test(`${protocol}: concurrency bound and caller abort`, async (t) => {
    let hang = true;
    const { fake, connection } = await setup(t, protocol, odooLike({ model: () => (hang ? { hang: true } : { result: [3] }) }), { maxConcurrent: 2 });
    const client = connection.as(admin);
    await client.uid();

    const calls = Array.from({ length: 5 }, () => client.search('res.partner', []));
    await until(() => fake.modelCalls.length === 2);
    t.equal(connection.inFlight, 2, 'two calls on the wire');
    t.equal(connection.queued, 3, 'three waiting');
    hang = false;
    fake.releaseHanging(); // the two held calls get a 503 and are retried (reads)
    t.same(await Promise.all(calls), [[3], [3], [3], [3], [3]], 'all five complete');
    t.ok(fake.maxConcurrent <= 2, `never more than two at Odoo (saw ${fake.maxConcurrent})`);

    hang = true;
    const controller = new AbortController();
    const pending = client.search('res.partner', [], { signal: controller.signal });
    const seen = fake.modelCalls.length;
    await until(() => fake.modelCalls.length === seen + 1 || fake.modelCalls.length > seen);
    controller.abort(new Error('client went away'));
    await t.rejects(pending, { message: 'client went away' }, 'the caller abort reason comes back');
    t.equal(connection.breakerState, 'closed', 'an abort does not count against Odoo');

    const beforeDeadline = fake.modelCalls.length;
    const late = await rejection(client.search('res.partner', [], { signal: AbortSignal.timeout(100) }));
    t.equal(late.kind, 'timeout', "the caller's own deadline is a timeout");
    t.equal(fake.modelCalls.length, beforeDeadline + 1, 'and is not retried past the deadline');
  });
}

for (const protocol of ALL_PROTOCOLS) {
  t.test(`${protocol}: session cookie, API key fallback, re-login on expiry`, async (t) => {
    let logins = 0;
    let expireNext = 0;
    const base = odooLike({ model: () => ({ result: [5] }) });
    const handler: FakeHandler = (request: FakeRequest) => {
      if (request.route === 'web_login') {
        const answer = base(request) as FakeAnswer;
        if ('result' in answer) return { ...answer, setSessionId: `sess-${++logins}` };
        return answer;
      }
      if (request.modelMethod && expireNext > 0) {
        expireNext--;
        return { error: { odooClass: 'odoo.http.SessionExpiredException', message: 'Session expired', code: 100 } };
      }
      return base(request);
    };
    const { fake, connection } = await setup(t, protocol, handler);
    const client = connection.as(admin);

    for (let i = 0; i < 3; i++) t.same(await client.search('res.partner', []), [5]);
    t.equal(fake.requests.filter((r) => r.route === 'web_login').length, 1, 'one web login for three calls');
    const calls = fake.modelCalls;
    t.ok(
      calls.every((r) => r.cookie === 'session_id=sess-1'),
      'every call carries the session cookie',
    );
    if (protocol === 'call_kw') {
      t.ok(
        calls.every((r) => r.route === 'call_kw' && r.path === '/web/dataset/call_kw/res.partner/search'),
        'call_kw route, authenticated by the session',
      );
    } else {
      t.ok(
        calls.every((r) => r.route === protocol && r.args[2] === 'secret'),
        'password still in the body',
      );
    }

    // Odoo answers "session expired" (JSON code 100) only on routes the cookie authenticates
    // (call_kw); XML-RPC has no such answer, the cookie there only saves set-up time.
    if (protocol !== 'xmlrpc') {
      expireNext = 1;
      t.same(await client.search('res.partner', []), [5], 'an expired session is renewed and the call repeated');
      t.equal(logins, 2, 'logged in again once');
      t.equal(fake.modelCalls.at(-1)!.cookie, 'session_id=sess-2', 'with the new cookie');

      expireNext = 5;
      const expired = await rejection(client.search('res.partner', []));
      t.equal(expired.kind, 'session_expired', 'expired again right after a fresh login: give up');
      t.equal(logins, 3, 'only one re-login per call');
      expireNext = 0;
    }

    const keyClient = connection.as({ login: 'robot', secret: 'api-key' });
    t.same(await keyClient.search('res.partner', []), [5], 'an API key account works');
    const keyCall = fake.modelCalls.at(-1)!;
    t.equal(keyCall.cookie, undefined, 'without cookie (the web login refuses API keys)');
    t.equal(keyCall.route, protocol === 'xmlrpc' ? 'xmlrpc' : 'jsonrpc', 'over plain RPC');
    t.equal(keyCall.args[2], 'api-key', 'with the key in the body');
    const refusedLogins = fake.requests.filter((r) => r.route === 'web_login' && r.params?.login === 'robot').length;
    await keyClient.search('res.partner', []);
    t.equal(
      fake.requests.filter((r) => r.route === 'web_login' && r.params?.login === 'robot').length,
      refusedLogins,
      'the refused web login is not tried again',
    );
  });
}

t.test('session cookie switched off', async (t) => {
  const { fake, connection } = await setup(t, 'jsonrpc', odooLike({ model: () => ({ result: 3 }) }), { sessionCookie: false });
  await connection.as(admin).searchCount('res.partner', []);
  t.equal(fake.requests.filter((r) => r.route === 'web_login').length, 0, 'no web login');
  t.ok(
    fake.requests.every((r) => r.cookie === undefined),
    'no cookie',
  );
  t.ok(
    fake.requests.some((r) => r.service === 'common' && r.method === 'version'),
    'version asked at first login',
  );
});

t.test('XML-RPC encoding is guarded', async (t) => {
  const { fake, connection } = await setup(t, 'xmlrpc', odooLike({ model: () => ({ result: 1 }) }));
  const client = connection.as(admin);
  await client.uid();
  const pending = client.create('res.partner', { name: 'bell\u0007' });
  t.type(pending, Promise, 'a value XML cannot carry does not throw synchronously');
  const err = await rejection(pending);
  t.equal(err.kind, 'server_error');
  t.equal(fake.modelCalls.length, 0, 'nothing was sent');
});

t.test('web_read support follows the server version', async (t) => {
  for (const major of [16, 17]) {
    const { connection } = await setup(t, 'jsonrpc', odooLike({ major, model: () => ({ result: [] }) }), { sessionCookie: false });
    t.equal(await connection.as(admin).supportsWebRead(), major >= 17, `Odoo ${major}`);
    t.equal((await connection.as(admin).version()).server_version_info[0], major);
  }
});
