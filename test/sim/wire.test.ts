import t from 'tap';
import { PyFloat } from '../../src/sim/pyvalues.js';
import { pythonFloatRepr, pythonJson } from '../../src/sim/wire/pyjson.js';
import { parseXml, XmlSyntaxError } from '../../src/sim/wire/xml-tree.js';
import { faultResponse, methodCall, methodResponse, parseMethodCall, XmlRpcDateTime, MarshalError } from '../../src/sim/wire/xmlrpc.js';
import { startSimulator } from '../../src/sim/index.js';
import { executeKwJson, simJsonCall, simPost } from '../support/sim-client.js';

t.test('XML-RPC codec', async (t) => {
  t.test('parses every scalar type, untyped strings, nil and nesting', async (t) => {
    const call = parseMethodCall(
      "<?xml version='1.0'?><methodCall><methodName>m</methodName><params>" +
        '<param><value>plain &amp; &lt;x&gt;</value></param>' +
        '<param><value><i4>7</i4></value></param>' +
        '<param><value><i8>1099511627776</i8></value></param>' +
        '<param><value><boolean>0</boolean></value></param>' +
        '<param><value><double>1.5</double></value></param>' +
        '<param><value><nil/></value></param>' +
        '<param><value><dateTime.iso8601>20240101T08:30:00</dateTime.iso8601></value></param>' +
        '<param><value><array><data><value><string>a</string></value><value><struct><member><name>k</name><value><int>1</int></value></member></struct></value></data></array></value></param>' +
        '<param><value></value></param>' +
        '</params></methodCall>',
    );
    t.equal(call.method, 'm');
    t.equal(call.params[0], 'plain & <x>');
    t.equal(call.params[1], 7);
    t.equal(call.params[2], 1099511627776);
    t.equal(call.params[3], false);
    t.ok(call.params[4] instanceof PyFloat && call.params[4].value === 1.5);
    t.equal(call.params[5], null);
    t.ok(call.params[6] instanceof XmlRpcDateTime);
    t.same(call.params[7], ['a', { k: 1 }]);
    t.equal(call.params[8], '');
  });

  t.test('reports expat-style errors with line and column', async (t) => {
    t.throws(() => parseXml(''), new XmlSyntaxError('no element found', 1, 0));
    t.throws(() => parseXml("<?xml version='1.0'?>\n<methodCall><methodName>version</methodName><params>"), { message: 'no element found: line 2, column 52' });
    t.throws(() => parseXml('<a><b></a>'), { message: /^mismatched tag/ });
  });

  t.test('writes responses byte-for-byte like xmlrpc.client.dumps', async (t) => {
    t.equal(
      methodResponse(2),
      "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><int>2</int></value>\n</param>\n</params>\n</methodResponse>\n",
    );
    t.equal(
      methodResponse([{ id: 1, n: 'a<&>"' }, new PyFloat(1099511627776), false]),
      "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><struct>\n<member>\n<name>id</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>n</name>\n<value><string>a&lt;&amp;&gt;\"</string></value>\n</member>\n</struct></value>\n<value><double>1099511627776.0</double></value>\n<value><boolean>0</boolean></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n",
    );
    t.match(faultResponse(3, 'Access Denied'), '<name>faultCode</name>\n<value><int>3</int></value>');
    t.throws(() => methodResponse(null), new MarshalError('builtins.TypeError', 'cannot marshal None unless allow_none is enabled'));
    t.throws(() => methodResponse(2 ** 31), { message: 'int exceeds XML-RPC limits' });
    t.same(parseMethodCall(methodCall('execute_kw', ['g2p', 2, 'pw', [1, 2]])).params, ['g2p', 2, 'pw', [1, 2]]);
  });
});

t.test('Python-style JSON', async (t) => {
  t.equal(pythonJson({ a: 1, b: [true, null], c: new PyFloat(2), d: 'é' }), '{"a": 1, "b": [true, null], "c": 2.0, "d": "é"}');
  t.equal(pythonFloatRepr(1e16), '1e+16');
  t.equal(pythonFloatRepr(1234.5), '1234.5');
  t.equal(pythonFloatRepr(1e-7), '1e-07');
});

t.test('HTTP behaviour', async (t) => {
  const sim = await startSimulator({ adminPassword: 'pw', sessionTtlMs: 60_000 });
  t.teardown(() => sim.close());

  t.test('every response closes the connection and names Werkzeug', async (t) => {
    const res = await simPost(sim.url, '/xmlrpc/2/common', methodCall('version', []), { 'Content-Type': 'text/xml' });
    t.equal(res.headers.connection, 'close');
    t.match(res.headers.server, /^Werkzeug\//);
    t.equal(res.headers['content-type'], 'text/xml; charset=utf-8');
    const missing = await simPost(sim.url, '/nope', '');
    t.equal(missing.status, 404);
    t.match(missing.body, '<title>404 Not Found</title>');
  });

  t.test('API keys work for RPC but not for the web login', async (t) => {
    sim.database.userById(2)!.apiKeys.push('key-123');
    t.teardown(() => sim.database.userById(2)!.apiKeys.pop());
    const login = await simJsonCall(sim.url, '/jsonrpc', { service: 'common', method: 'login', args: ['g2p', 'admin', 'key-123'] });
    t.equal(login.json.result, 2);
    const count = await executeKwJson(sim.url, 2, 'key-123', 'res.partner', 'search_count', [[]]);
    t.type(count.json.result, 'number');
    const web = await simJsonCall(sim.url, '/web/session/authenticate', { db: 'g2p', login: 'admin', password: 'key-123' });
    t.equal(web.json.error?.data.name, 'odoo.exceptions.AccessDenied');
    t.equal(web.headers['set-cookie'], undefined);
  });

  t.test('sessions: cookie, call_kw, expiry through the control API, destroy', async (t) => {
    const auth = await simJsonCall(sim.url, '/web/session/authenticate', { db: 'g2p', login: 'admin', password: 'pw' });
    const setCookie = String(auth.headers['set-cookie']);
    t.match(setCookie, /^session_id=[A-Za-z0-9_-]{40}; Expires=.+ GMT; Max-Age=604800; HttpOnly; Path=\/$/);
    const cookie = setCookie.split(';')[0]!;
    const ok = await simJsonCall(
      sim.url,
      '/web/dataset/call_kw/res.partner/search_count',
      { model: 'res.partner', method: 'search_count', args: [[]], kwargs: {} },
      cookie,
    );
    t.type(ok.json.result, 'number');
    t.same(sim.calls.at(-1), { protocol: 'call_kw', service: 'object', method: 'call_kw', model: 'res.partner', objectMethod: 'search_count', uid: 2 });

    sim.expireSessions();
    const expired = await simJsonCall(sim.url, '/web/dataset/call_kw', { model: 'res.partner', method: 'search_count', args: [[]], kwargs: {} }, cookie);
    t.equal(expired.json.id, null);
    t.equal(expired.json.error?.code, 100);
    t.equal(expired.json.error?.data.name, 'odoo.http.SessionExpiredException');
    t.same(
      sim.calls.at(-1),
      { protocol: 'call_kw', service: 'object', method: 'call_kw', model: 'res.partner', objectMethod: 'search_count' },
      'refused calls are logged too, without a uid',
    );

    const again = await simJsonCall(sim.url, '/web/session/authenticate', { db: 'g2p', login: 'admin', password: 'pw' });
    const cookie2 = String(again.headers['set-cookie']).split(';')[0]!;
    const destroy = await simJsonCall(sim.url, '/web/session/destroy', {}, cookie2);
    t.equal(destroy.body, '{"jsonrpc": "2.0", "id": 1}');
    const after = await simJsonCall(sim.url, '/web/session/check', {}, cookie2);
    t.equal(after.json.error?.code, 100);
  });

  t.test('a session expires after sessionTtlMs of inactivity', async (t) => {
    const short = await startSimulator({ adminPassword: 'pw', sessionTtlMs: 1 });
    t.teardown(() => short.close());
    const auth = await simJsonCall(short.url, '/web/session/authenticate', { db: 'g2p', login: 'admin', password: 'pw' });
    const cookie = String(auth.headers['set-cookie']).split(';')[0]!;
    await new Promise((r) => setTimeout(r, 20));
    const res = await simJsonCall(short.url, '/web/session/get_session_info', {}, cookie);
    t.equal(res.json.error?.data.name, 'odoo.http.SessionExpiredException');
  });

  t.test('the call log records logins and object calls in order, and resets', async (t) => {
    sim.resetCalls();
    await simJsonCall(sim.url, '/jsonrpc', { service: 'common', method: 'authenticate', args: ['g2p', 'noaccess', 'noaccess', {}] });
    await simPost(sim.url, '/xmlrpc/2/object', methodCall('execute_kw', ['g2p', 6, 'noaccess', 'g2p.group.membership', 'search', [[]]]), {
      'Content-Type': 'text/xml',
    });
    t.same(sim.calls, [
      { protocol: 'jsonrpc', service: 'common', method: 'authenticate', login: 'noaccess' },
      { protocol: 'xmlrpc', service: 'object', method: 'execute_kw', uid: 6, model: 'g2p.group.membership', objectMethod: 'search' },
    ]);
    sim.resetCalls();
    t.same(sim.calls, []);
  });

  t.test('XML-RPC None results and oversized ints are faults, as on the real server', async (t) => {
    const res = await simPost(sim.url, '/xmlrpc/2/object', methodCall('execute_kw', ['g2p', 2, 'pw', 'res.partner', 'search', [[]], { limit: 1 }]), {
      'Content-Type': 'text/xml',
    });
    const id = Number(/<int>(\d+)<\/int>/.exec(res.body)?.[1]);
    const archived = await simPost(sim.url, '/xmlrpc/2/object', methodCall('execute_kw', ['g2p', 2, 'pw', 'res.partner', 'action_archive', [[id]]]), {
      'Content-Type': 'text/xml',
    });
    t.match(archived.body, 'TypeError: cannot marshal None unless allow_none is enabled');
    t.match(archived.body, '<value><int>1</int></value>');
  });
});
