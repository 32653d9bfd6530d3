/**
 * Replays every case of the odoo-wire recordings over a real socket through the transport that
 * would make that call, and checks (1) the request the client puts on the wire carries the same
 * call as the recorded one (path, cookie, decoded method and params) and (2) the recorded
 * response decodes to the value an independent reader finds in it, or to the exact typed error.
 */
import t from 'tap';
import { PooledHttpConnection } from '../../src/odoo/http-connection.js';
import { CallKwProtocol, JsonRpcProtocol, webSessionAuthenticate, XmlRpcProtocol, type OdooService, type RpcProtocol } from '../../src/odoo/rpc-protocols.js';
import { OdooError, type OdooErrorKind } from '../../src/odoo/errors.js';
import { loadRecordings, ReplayServer, type RecordedCase } from '../support/replay-server.js';
import { parseMethodCall, parseMethodResponse } from '../support/odoo-xmlrpc-reference.js';

/**
 * Cases whose request the client never sends. Their recorded responses are still replayed,
 * to a call over the transport matching the response's format, and must decode as expected.
 */
const RESPONSE_ONLY: Record<string, string> = {
  request_datetime_iso8601_param: 'hand-written dateTime.iso8601 param: the client sends datetimes as Odoo strings',
  request_malformed_xml: 'malformed XML: the client only sends what the xmlrpc serializer produces',
  request_empty_body: 'empty request body: never sent by the client',
  request_unknown_service: 'path /xmlrpc/2/nope: the client only calls common and object',
  request_get_method: 'GET: the client only POSTs',
  legacy_xmlrpc_v1_missing_error: 'legacy /xmlrpc/object path: the client uses /xmlrpc/2/',
  envelope_id_string: 'string id: the client sends numeric ids',
  envelope_id_null: 'null id: the client always sends an id',
  envelope_no_id: 'no id: the client always sends an id',
  envelope_method_not_call: 'envelope method other than "call": the client sends "call"',
  envelope_missing_args: 'params without args: never sent by the client',
  envelope_extra_param: 'extra params member: never sent by the client',
  envelope_no_params: 'no params: never sent by the client',
  envelope_malformed_json: 'malformed JSON: the client sends JSON.stringify output',
  envelope_batch_array: 'batch array: the client sends one call per request',
  envelope_text_plain_content_type: 'text/plain content type: the client sends application/json',
  envelope_charset_content_type: 'content type with charset: the client sends plain application/json',
  envelope_get_method: 'GET: the client only POSTs',
  call_kw_no_path_suffix: '/web/dataset/call_kw without /model/method: the client always adds the suffix',
  call_kw_no_cookie: 'call_kw without cookie: without a session the client goes through /jsonrpc',
  get_session_info_GET_with_cookie: 'GET of a web route: the client only POSTs',
  get_session_info_POST_with_cookie: 'get_session_info: not a call the client makes',
  get_session_info_no_cookie: 'get_session_info: not a call the client makes',
  session_check_with_cookie: '/web/session/check: not a call the client makes',
  session_destroy: '/web/session/destroy: not a call the client makes',
  apikey_revoke_7_destroy_session: '/web/session/destroy: not a call the client makes',
};

/** The kind each Python class must map to (the contract the HTTP layer relies on). */
const KIND_BY_CLASS: Record<string, OdooErrorKind> = {
  'odoo.exceptions.AccessDenied': 'access_denied',
  'odoo.exceptions.AccessError': 'access_error',
  'odoo.exceptions.MissingError': 'missing',
  'odoo.exceptions.ValidationError': 'validation',
  'odoo.exceptions.UserError': 'user_error',
  'odoo.http.SessionExpiredException': 'session_expired',
};

type Expected = { value: unknown } | { error: { kind: OdooErrorKind; odooClass?: string; message?: string; debug?: string; httpStatus: number } };

/** What the recordings show of a database name the server does not have. */
function unknownDatabase(text: string, status: number, debug: string): Expected | undefined {
  const named = /database "([^"\n]*)" does not exist/.exec(text);
  if (named) return { error: { kind: 'unknown_database', message: `the Odoo server has no database "${named[1]}"`, debug, httpStatus: status } };
  if (text.trim() === 'Database not found.')
    return { error: { kind: 'unknown_database', message: 'the Odoo server has no database by the name sent', debug, httpStatus: status } };
  return undefined;
}

function expectedOutcome(recorded: RecordedCase): Expected {
  const { status, body } = recorded.response;
  const contentType = String(headerOf(recorded.response.headers, 'content-type') ?? '');
  if (contentType.startsWith('text/xml') && body.includes('<methodResponse>')) {
    const parsed = parseMethodResponse(body);
    if (parsed.ok) return { value: parsed.value };
    const text = parsed.faultString;
    // A database the server lacks: a PostgreSQL traceback (fault 1) or AccessError "Database not found." (fault 4).
    if (parsed.faultCode === 1 || parsed.faultCode === 4) {
      const missingDb = unknownDatabase(text, status, text);
      if (missingDb) return missingDb;
    }
    switch (parsed.faultCode) {
      case 2:
        return text.startsWith('Record does not exist or has been deleted.')
          ? { error: { kind: 'missing', odooClass: 'odoo.exceptions.MissingError', message: text.trim(), httpStatus: status } }
          : { error: { kind: 'user_error', odooClass: 'odoo.exceptions.UserError', message: text.trim(), httpStatus: status } };
      case 3:
        return { error: { kind: 'access_denied', odooClass: 'odoo.exceptions.AccessDenied', message: text.trim(), httpStatus: status } };
      case 4:
        return { error: { kind: 'access_error', odooClass: 'odoo.exceptions.AccessError', message: text.trim(), httpStatus: status } };
      default:
        return { error: { kind: 'server_error', message: 'Odoo could not process the request', debug: text, httpStatus: status } };
    }
  }
  let envelope: { jsonrpc?: string; result?: unknown; error?: { code: number; data: { name: string; message: string; debug: string } } };
  try {
    envelope = JSON.parse(body);
  } catch {
    return { error: { kind: 'bad_response', httpStatus: status } };
  }
  if (envelope.jsonrpc !== '2.0') return { error: { kind: 'bad_response', httpStatus: status } };
  if (envelope.error) {
    const { name, message, debug } = envelope.error.data;
    if (name === 'odoo.exceptions.AccessError' || name === 'psycopg2.OperationalError') {
      const missingDb = unknownDatabase(message, status, debug);
      if (missingDb) return missingDb;
    }
    const kind = envelope.error.code === 100 ? 'session_expired' : (KIND_BY_CLASS[name] ?? 'server_error');
    return {
      error: { kind, odooClass: name, message: kind === 'server_error' ? 'Odoo could not process the request' : message.trim(), debug, httpStatus: status },
    };
  }
  return { value: envelope.result ?? null };
}

function headerOf(headers: Record<string, string | string[]>, name: string): string | string[] | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function cookieSession(recorded: RecordedCase): string | undefined {
  const cookie = headerOf(recorded.request.headers, 'cookie');
  return typeof cookie === 'string' ? /session_id=([^;]*)/.exec(cookie)?.[1] : undefined;
}

interface PlannedCall {
  run: () => Promise<unknown>;
  /** Checks the request the client sent against the recorded one; absent for response-only cases. */
  checkRequest?: (t: Asserter, received: { path: string; body: string; cookie: string | undefined }) => void;
}

/** The two assertions a request check needs (kept minimal so it does not depend on tap's plugin types). */
interface Asserter {
  equal(found: unknown, wanted: unknown, message: string): unknown;
  same(found: unknown, wanted: unknown, message: string): unknown;
}

function plan(recorded: RecordedCase, http: PooledHttpConnection): PlannedCall {
  const { path, body } = recorded.request;
  const sessionId = cookieSession(recorded);
  const options = { timeoutMs: 5000, sessionId };
  const xml = new XmlRpcProtocol(http);
  const json = new JsonRpcProtocol(http);
  const callKw = new CallKwProtocol(http);

  if (RESPONSE_ONLY[recorded.case] !== undefined) {
    const isXml = String(headerOf(recorded.response.headers, 'content-type') ?? '').startsWith('text/xml');
    const protocol: RpcProtocol = isXml ? xml : json;
    return { run: () => protocol.call('common', 'version', [], { timeoutMs: 5000 }).then((r) => r.value) };
  }
  const checkCookie = (tt: Asserter, cookie: string | undefined) =>
    tt.equal(cookie, headerOf(recorded.request.headers, 'cookie'), 'same Cookie header as recorded');

  const xmlPath = /^\/xmlrpc\/2\/(common|object)$/.exec(path);
  if (xmlPath) {
    const call = parseMethodCall(body!);
    return {
      run: () => xml.call(xmlPath[1] as OdooService, call.methodName, call.params, options).then((r) => r.value),
      checkRequest: (tt, received) => {
        tt.equal(received.path, path, 'same path');
        tt.same(parseMethodCall(received.body), call, 'same decoded methodCall');
        checkCookie(tt, received.cookie);
      },
    };
  }
  const params = JSON.parse(body!).params as Record<string, unknown>;
  if (path === '/jsonrpc') {
    return {
      run: () => json.call(params.service as OdooService, params.method as string, params.args as unknown[], options).then((r) => r.value),
      checkRequest: (tt, received) => {
        tt.equal(received.path, path, 'same path');
        tt.same(JSON.parse(received.body).params, params, 'same JSON-RPC params');
        checkCookie(tt, received.cookie);
      },
    };
  }
  if (path.startsWith('/web/dataset/call_kw/')) {
    const args = ['g2p', 2, '<password>', params.model, params.method, params.args, params.kwargs];
    return {
      run: () => callKw.call('object', 'execute_kw', args, options).then((r) => r.value),
      checkRequest: (tt, received) => {
        tt.equal(received.path, path, 'same path');
        tt.same(JSON.parse(received.body).params, params, 'same call_kw params');
        checkCookie(tt, received.cookie);
      },
    };
  }
  if (path === '/web/session/authenticate') {
    return {
      run: () => webSessionAuthenticate(http, params.db as string, params.login as string, params.password as string, { timeoutMs: 5000 }),
      checkRequest: (tt, received) => {
        tt.equal(received.path, path, 'same path');
        tt.same(JSON.parse(received.body).params, params, 'same login params');
        tt.equal(received.cookie, undefined, 'no cookie on login');
      },
    };
  }
  throw new Error(`case ${recorded.case}: no planned call for ${recorded.request.method} ${path} (add it to RESPONSE_ONLY with a reason)`);
}

const FILES = ['xmlrpc-2.json', 'jsonrpc.json', 'web-session.json', 'web-read.json'];

t.test('odoo-wire recordings replayed through the transports', async (t) => {
  const server = await ReplayServer.start();
  const http = new PooledHttpConnection(server.url, 4);
  t.teardown(async () => {
    await http.close();
    await server.close();
  });

  let replayed = 0;
  for (const file of FILES) {
    for (const recorded of loadRecordings(file)) {
      replayed++;
      await t.test(`${file} ${recorded.case}`, async (t) => {
        const planned = plan(recorded, http);
        server.serve(recorded);
        let expected = expectedOutcome(recorded);
        if (recorded.request.path === '/web/session/authenticate' && 'value' in expected) {
          const result = expected.value as { uid: number; server_version_info: unknown[] };
          expected = { value: { uid: result.uid, sessionId: '<session_id>', serverVersionInfo: result.server_version_info } };
        }
        let outcome: { value: unknown } | { thrown: unknown };
        try {
          outcome = { value: await planned.run() };
        } catch (err) {
          outcome = { thrown: err };
        }
        const received = server.lastReceived!;
        planned.checkRequest?.(
          { equal: (a, b, m) => t.equal(a, b, m), same: (a, b, m) => t.same(a, b, m) },
          { path: received.path, body: received.body, cookie: received.headers.cookie },
        );
        if ('value' in expected) {
          t.ok('value' in outcome, 'resolves', { thrown: 'thrown' in outcome ? String(outcome.thrown) : undefined });
          if ('value' in outcome) t.same(outcome.value, expected.value, 'decoded value');
          return;
        }
        t.ok('thrown' in outcome && outcome.thrown instanceof OdooError, 'rejects with OdooError');
        if (!('thrown' in outcome) || !(outcome.thrown instanceof OdooError)) return;
        const err = outcome.thrown;
        t.equal(err.kind, expected.error.kind, 'kind');
        t.equal(err.httpStatus, expected.error.httpStatus, 'httpStatus');
        if (expected.error.odooClass !== undefined) t.equal(err.odooClass, expected.error.odooClass, 'odooClass');
        if (expected.error.message !== undefined) t.equal(err.message, expected.error.message, 'caller-safe message');
        if (expected.error.debug !== undefined) t.equal(err.debug, expected.error.debug, 'traceback kept for logs');
        t.notMatch(err.message, /Traceback|File "/, 'no traceback in the message');
      });
    }
  }
  t.equal(replayed, 122 + 68 + 45 + 9, 'every recorded case was replayed');
});
