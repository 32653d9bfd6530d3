import { randomUUID, sign as edSign } from 'node:crypto';
import t, { type Test } from 'tap';
import { hashSecret } from '../../src/http/auth/secret-hash.js';
import { startStack, type Stack } from '../support/stack.js';
import { DciClientStandIn } from './client-stand-in.js';
import { ed25519Pair, signEnvelope, uniqueId } from './harness.js';
import { requestProblems, responseProblems } from './standard-schemas.js';

/**
 * DCI end to end as a social protection system integrates by the standard, on the simulator
 * or the real Odoo (test/support/stack.ts): a client-credentials token, an async search
 * acknowledged at once, the signed answer on the client's callback, and the transaction's
 * status, sync and async. Every message both ways is held to the standard's own OpenAPI
 * schemas; callbacks are verified against the keys the gateway publishes.
 */

const SENDER = 'spmis-e2e';
const spmisKey = ed25519Pair();
const dciKey = ed25519Pair();
const tokenKeyNew = ed25519Pair();
const tokenKeyOld = ed25519Pair();
const SECRET = `secret-${randomUUID()}`;
const STATUS_SECRET = `status-${randomUUID()}`;
const receiver = new DciClientStandIn();
let stack: Stack;
let tag: string;
let surname: string;

t.teardown(() => receiver.stop());
t.before(async () => {
  await receiver.start();
  stack = await startStack(t, {
    protocol: 'jsonrpc',
    logLevel: 'info',
    dci: {
      registryId: 'g2p-e2e-registry',
      signingKey: dciKey.privatePem,
      keyId: 'dci-1',
      senders: { [SENDER]: { publicKeys: { k1: spmisKey.publicPem }, requireSignature: true, callbackUrl: `${receiver.origin}/spmis` } },
      async: { retryBaseMs: 150, retryMaxMs: 600, deliveryAttempts: 4, deliveryTimeoutMs: 2000 },
    },
    auth: {
      clientCredentials: {
        clients: {
          [SENDER]: { secretHash: await hashSecret(SECRET), roles: ['Rest API GET'], senderId: SENDER },
          'status-only': { secretHash: await hashSecret(STATUS_SECRET), roles: ['Rest API GET'], scopes: ['registry.status'], senderId: SENDER },
        },
        signingKeys: [
          { kid: 'tok-2', privateKey: tokenKeyNew.privatePem },
          { kid: 'tok-1', privateKey: tokenKeyOld.privatePem },
        ],
        tokenTtlSeconds: 120,
      },
    },
  });
  tag = stack.runTag;
  surname = `Async${tag}`;
  // Before the stack closes (teardowns run last registered first).
  t.teardown(async () => {
    const mine = await stack.odoo.search('res.partner', [['name', 'ilike', tag]], { context: { active_test: false } });
    if (mine.length) await stack.odoo.write('res.partner', mine, { active: false });
  });
  // One registrant to find, made through the gateway's own REST API (the same on both servers).
  const created = await fetch(`${stack.api}/individuals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.token('writer')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ given_name: 'Wanjiru', family_name: surname, gender: stack.reference.gender, birthdate: '1988-02-03' }),
  });
  if (created.status !== 201) throw new Error(`fixture: ${created.status} ${await created.text()}`);
  await receiver.trust(`${stack.origin}/.well-known/jwks.json`);
});

// The standard's MsgHeader: sender_uri is the callback URL itself (its example: `.../callback/on-search`).
const onSearchUrl = () => `${receiver.origin}/spmis/callback/on-search`;
const onStatusUrl = () => `${receiver.origin}/spmis/callback/txn/on-status`;

/** A header member given as `undefined` is left out (as a partner that does not send it). */
const defined = <T extends Record<string, unknown>>(header: T): T => Object.fromEntries(Object.entries(header).filter(([, value]) => value !== undefined)) as T;

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function tokenRequest(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.origin}/oauth2/client/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

async function token(clientId = SENDER, secret = SECRET): Promise<string> {
  const answer = await tokenRequest(form({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }));
  if (answer.status !== 200) throw new Error(`token: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.access_token;
}

async function post(path: string, body: unknown, bearer: string) {
  const started = performance.now();
  const response = await fetch(`${stack.origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, ms: performance.now() - started };
}

/** A signed async search for the fixture's surname (a predicate query: the form the standard's schema accepts unambiguously). */
function searchMessage(header: Record<string, unknown> = {}) {
  const now = new Date().toISOString();
  const envelope = {
    header: defined({
      version: '1.0.0',
      message_id: uniqueId(),
      message_ts: now,
      action: 'search',
      sender_id: SENDER,
      sender_uri: onSearchUrl(),
      receiver_id: 'g2p-e2e-registry',
      total_count: 1,
      is_msg_encrypted: false,
      ...header,
    }),
    message: {
      transaction_id: uniqueId('txn'),
      search_request: [
        {
          reference_id: uniqueId('ref'),
          timestamp: now,
          search_criteria: {
            version: '1.0.0',
            query_type: 'predicate',
            response_entity: 'Member',
            query: [{ seq_num: 1, expression1: { attribute_name: 'surname', operator: 'eq', attribute_value: surname } }],
            pagination: { page_size: 10, page_number: 1 },
          },
        },
      ],
    },
  };
  return { signature: signEnvelope(envelope, { senderId: SENDER, keyId: 'k1', key: spmisKey.privateKey }), ...envelope };
}

function statusMessage(
  attributeType: 'transaction_id' | 'reference_id_list' | 'correlation_id',
  value: string | string[],
  header: Record<string, unknown> = {},
) {
  const envelope = {
    header: defined({
      version: '1.0.0',
      message_id: uniqueId(),
      message_ts: new Date().toISOString(),
      action: 'txn-status',
      sender_id: SENDER,
      sender_uri: onStatusUrl(),
      receiver_id: 'g2p-e2e-registry',
      total_count: 1,
      is_msg_encrypted: false,
      ...header,
    }),
    message: {
      transaction_id: uniqueId('txn-status'),
      txnstatus_request: { reference_id: uniqueId('status-ref'), txn_type: 'search', attribute_type: attributeType, attribute_value: value },
    },
  };
  return { signature: signEnvelope(envelope, { senderId: SENDER, keyId: 'k1', key: spmisKey.privateKey }), ...envelope };
}

async function syncStatus(t: Test, transactionId: string, bearer: string) {
  const request = statusMessage('transaction_id', transactionId);
  t.same(requestProblems('social', '/registry/sync/txn/status', request), [], 'status request conforms');
  const answer = await post('/registry/sync/txn/status', request, bearer);
  t.equal(answer.status, 200);
  t.same(responseProblems('social', '/registry/sync/txn/status', 200, answer.body), [], 'status answer conforms');
  return answer.body;
}

/** Polls the sync status until the delivery reaches a final state. */
async function deliveryOutcome(t: Test, transactionId: string, bearer: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await syncStatus(t, transactionId, bearer);
    const state = status.header.meta?.delivery?.state;
    if (state === 'delivered' || state === 'failed' || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

t.test('token, async search, ACK, signed callback, status: one full exchange', async (t) => {
  const timings: Record<string, number> = {};
  let started = performance.now();
  const tokenAnswer = await tokenRequest(form({ grant_type: 'client_credentials', client_id: SENDER, client_secret: SECRET }));
  timings.token_ms = performance.now() - started;
  t.equal(tokenAnswer.status, 200);
  t.same(responseProblems('authz', '/oauth2/client/token', 200, tokenAnswer.body), [], 'token answer conforms to the authz schema');
  t.same(
    requestProblems(
      'authz',
      '/oauth2/client/token',
      { grant_type: 'client_credentials', client_id: SENDER, client_secret: SECRET },
      'application/x-www-form-urlencoded',
    ),
    [],
    'token request conforms',
  );
  t.match(tokenAnswer.body, { token_type: 'Bearer', expires_in: '120', scope: 'registry.search registry.status registry.subscribe' });
  t.equal(tokenAnswer.headers.get('cache-control'), 'no-store');
  const bearer: string = tokenAnswer.body.access_token;
  const header = JSON.parse(Buffer.from(bearer.split('.')[0]!, 'base64url').toString());
  t.match(header, { alg: 'EdDSA', kid: 'tok-2' }, 'signed with the current key');

  const jwksResponse = await fetch(`${stack.origin}/.well-known/jwks.json`);
  const jwks = await jwksResponse.json();
  t.same(responseProblems('jwks', '/.well-known/jwks.json', 200, jwks, 'get'), [], 'JWKS conforms');
  t.same(
    (jwks as any).keys.map((k: any) => k.kid),
    ['dci-1', 'tok-2', 'tok-1'],
    'DCI key and both token keys published',
  );

  const request = searchMessage();
  t.same(requestProblems('social', '/registry/search', request), [], 'search request conforms');
  started = performance.now();
  const ack = await post('/registry/search', request, bearer);
  timings.ack_ms = ack.ms;
  t.equal(ack.status, 200);
  t.same(responseProblems('social', '/registry/search', 200, ack.body), [], 'ACK conforms');
  t.equal(ack.body.message.ack_status, 'ACK');
  const correlationId = ack.body.message.correlation_id;

  const callback = await receiver.waitFor('/spmis/callback/on-search', (c) => c.body?.message?.correlation_id === correlationId);
  timings.callback_after_request_ms = callback.receivedAt - (performance.timeOrigin + started);
  t.ok(callback.signatureValid, 'callback signature verifies against the published DCI key');
  t.equal(callback.kid, 'dci-1');
  t.same(requestProblems('social', '/registry/on-search', callback.body), [], 'on-search callback conforms');
  t.match(callback.body.header, {
    action: 'on-search',
    status: 'succ',
    message_id: request.header.message_id,
    sender_id: 'g2p-e2e-registry',
    receiver_id: SENDER,
  });
  t.equal(callback.body.message.transaction_id, request.message.transaction_id);
  const [item] = callback.body.message.search_response;
  t.equal(item.reference_id, request.message.search_request[0]!.reference_id);
  t.equal(item.status, 'succ');
  t.equal(item.pagination.total_count, 1, 'the fixture is found');
  t.equal(item.data.reg_records[0].name?.surname ?? item.data.reg_records[0].demographic_info?.name?.surname ?? surname, surname);

  started = performance.now();
  const status = await deliveryOutcome(t, request.message.transaction_id, bearer);
  timings.sync_status_ms = performance.now() - started;
  t.match(status.header, { action: 'txn-on-status', status: 'succ', meta: { delivery: { state: 'delivered', attempts: 1, correlation_id: correlationId } } });
  t.match(status.message.txnstatus_response.txn_status, {
    transaction_id: request.message.transaction_id,
    correlation_id: correlationId,
    search_response: [{ reference_id: item.reference_id, status: 'succ' }],
  });

  const byReference = await post('/registry/sync/txn/status', statusMessage('reference_id_list', [item.reference_id, 'ref-nobody-sent']), bearer);
  t.same(responseProblems('social', '/registry/sync/txn/status', 200, byReference.body), []);
  t.match(byReference.body.message.txnstatus_response.txn_status.search_response, [
    { reference_id: item.reference_id, status: 'succ' },
    { reference_id: 'ref-nobody-sent', status: 'rjct', status_reason_code: 'rjct.reference_id.invalid' },
  ]);

  const asyncStatus = statusMessage('correlation_id', correlationId);
  t.same(requestProblems('social', '/registry/txn/status', asyncStatus), []);
  const statusAck = await post('/registry/txn/status', asyncStatus, bearer);
  t.equal(statusAck.body.message.ack_status, 'ACK');
  t.same(responseProblems('social', '/registry/txn/status', 200, statusAck.body), []);
  const onStatus = await receiver.waitFor('/spmis/callback/txn/on-status', (c) => c.body?.message?.correlation_id === statusAck.body.message.correlation_id);
  t.ok(onStatus.signatureValid, 'txn-on-status signature verifies');
  t.same(requestProblems('social', '/registry/txn/on-status', onStatus.body), [], 'txn-on-status callback conforms');
  t.match(onStatus.body.message.txnstatus_response.txn_status, { correlation_id: correlationId, search_response: [{ status: 'succ' }] });

  t.comment(
    `exchange (${stack.sim ? 'simulator' : 'real Odoo'}): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 10) / 10])))}`,
  );
  t.comment(`token answer: ${JSON.stringify({ ...tokenAnswer.body, access_token: `${bearer.slice(0, 24)}…` })}`);
  t.comment(`ACK: ${JSON.stringify(ack.body)}`);
  t.comment(
    `callback header: ${JSON.stringify(callback.body.header)} items: ${JSON.stringify(callback.body.message.search_response.map((i: any) => ({ reference_id: i.reference_id, status: i.status, pagination: i.pagination })))}`,
  );
  t.comment(`status header: ${JSON.stringify(status.header)} txn_status: ${JSON.stringify(status.message.txnstatus_response.txn_status)}`);
});

t.test('sender_uri is the callback URL itself; without one, the registered URL plus the standard path', async (t) => {
  const bearer = await token();
  const named = searchMessage();
  const namedAck = await post('/registry/search', named, bearer);
  t.equal(namedAck.body.message.ack_status, 'ACK');
  const namedStatus = statusMessage('correlation_id', namedAck.body.message.correlation_id);
  const namedStatusAck = await post('/registry/txn/status', namedStatus, bearer);
  t.equal(namedStatusAck.body.message.ack_status, 'ACK');
  const onSearch = await receiver.waitFor(
    new URL(named.header.sender_uri).pathname,
    (c) => c.body?.message?.correlation_id === namedAck.body.message.correlation_id,
  );
  t.equal(onSearch.body.header.action, 'on-search', 'on-search arrives at the URL the request named');
  const onStatus = await receiver.waitFor(
    new URL(namedStatus.header.sender_uri).pathname,
    (c) => c.body?.message?.correlation_id === namedStatusAck.body.message.correlation_id,
  );
  t.equal(onStatus.body.header.action, 'txn-on-status', 'txn-on-status arrives at the URL the request named');
  t.notOk(
    receiver.hits.some((path) => path.startsWith('/spmis/callback/') && path.includes('/registry/')),
    'nothing is appended to a sender_uri',
  );

  const unnamed = searchMessage({ sender_uri: undefined });
  const unnamedAck = await post('/registry/search', unnamed, bearer);
  t.equal(unnamedAck.body.message.ack_status, 'ACK');
  const unnamedStatusAck = await post(
    '/registry/txn/status',
    statusMessage('correlation_id', unnamedAck.body.message.correlation_id, { sender_uri: undefined }),
    bearer,
  );
  t.equal(unnamedStatusAck.body.message.ack_status, 'ACK');
  await receiver.waitFor('/spmis/registry/on-search', (c) => c.body?.message?.correlation_id === unnamedAck.body.message.correlation_id);
  await receiver.waitFor('/spmis/registry/txn/on-status', (c) => c.body?.message?.correlation_id === unnamedStatusAck.body.message.correlation_id);
  t.pass('without sender_uri: {callbackUrl}/registry/on-search and /registry/txn/on-status');
});

t.test('a receiver that is down gets the answer when it comes back; one that stays down is recorded as failed', async (t) => {
  const bearer = await token();
  await receiver.stop();
  const request = searchMessage();
  const ack = await post('/registry/search', request, bearer);
  t.equal(ack.body.message.ack_status, 'ACK', 'acknowledged while the receiver is down');
  // Wait until at least one attempt has failed, then bring the receiver back.
  const deadline = Date.now() + 10_000;
  let pending: any;
  do {
    pending = await syncStatus(t, request.message.transaction_id, bearer);
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while ((pending.header.meta?.delivery?.attempts ?? 0) < 1 && Date.now() < deadline);
  t.match(
    pending.header.meta.delivery,
    { state: 'pending', last_error: /ECONNREFUSED|connect/ },
    `delivery pending after a failed attempt: ${JSON.stringify(pending.header.meta.delivery)}`,
  );
  await receiver.start();
  const callback = await receiver.waitFor('/spmis/callback/on-search', (c) => c.body?.message?.correlation_id === ack.body.message.correlation_id);
  t.ok(callback.signatureValid, 'the late delivery is signed (signed anew at each attempt)');
  const delivered = await deliveryOutcome(t, request.message.transaction_id, bearer);
  t.equal(delivered.header.meta.delivery.state, 'delivered');
  t.ok(delivered.header.meta.delivery.attempts >= 2, `delivered at attempt ${delivered.header.meta.delivery.attempts}`);
  t.comment(`down then back: ${JSON.stringify(delivered.header.meta.delivery)}`);

  await receiver.stop();
  const lost = searchMessage();
  const lostAck = await post('/registry/search', lost, bearer);
  t.equal(lostAck.body.message.ack_status, 'ACK');
  const failed = await deliveryOutcome(t, lost.message.transaction_id, bearer);
  t.match(failed.header.meta.delivery, { state: 'failed', attempts: 4 }, 'four attempts, then failed');
  t.match(failed.message.txnstatus_response.txn_status.search_response, [{ status: 'succ' }], 'the search itself succeeded');
  t.comment(`stays down: ${JSON.stringify(failed.header.meta.delivery)}`);
  await receiver.start();
});

t.test('refusals: sender_uri elsewhere, replay, sender and scope of the token, expired and forged tokens', async (t) => {
  const bearer = await token();
  const refusals: string[] = [];
  const expectErr = async (name: string, body: unknown, code: string, path = '/registry/search', with_ = bearer) => {
    const answer = await post(path, body, with_);
    t.equal(answer.status, 400, `${name}: 400`);
    t.same(responseProblems('social', path, 400, answer.body), [], `${name}: conforms`);
    t.equal(answer.body.message?.ack_status, 'ERR', `${name}: ERR`);
    t.equal(answer.body.message?.error?.code, code, `${name}: ${code}`);
    refusals.push(`${name} -> ${answer.status} ${JSON.stringify(answer.body.message.error)}`);
  };
  const port = new URL(receiver.origin).port;
  const elsewhere = [
    ['another host', 'http://127.0.0.2:' + port + '/spmis'],
    ['another port', `http://127.0.0.1:${Number(port) + 1}/spmis`],
    ['https instead of http', `https://127.0.0.1:${port}/spmis`],
    ['a sibling path sharing the prefix', `${receiver.origin}/spmis-evil`],
    ['a path climbing out with ..', `${receiver.origin}/spmis/../admin`],
    ['climbing out with %2e%2e', `${receiver.origin}/spmis/%2e%2e/admin`],
    ['userinfo', `http://127.0.0.1:${port}@attacker.example/spmis`],
    ['a query', `${receiver.origin}/spmis?next=http://attacker.example`],
  ];
  const before = receiver.hits.length;
  for (const [name, uri] of elsewhere) await expectErr(`sender_uri ${name}`, searchMessage({ sender_uri: uri }), 'err.sender_uri.invalid');
  await expectErr('sender_uri not a URL', searchMessage({ sender_uri: 'not a url' }), 'err.sender_uri.invalid');
  t.equal(receiver.hits.length, before, 'nothing was sent anywhere');

  const below = await post('/registry/search', searchMessage({ sender_uri: `${receiver.origin}/spmis/tenant-7/on-search` }), bearer);
  t.equal(below.body.message.ack_status, 'ACK', 'a path below the registered callback URL is followed');
  await receiver.waitFor('/spmis/tenant-7/on-search', (c) => c.body?.message?.correlation_id === below.body.message.correlation_id);

  const once = searchMessage();
  t.equal((await post('/registry/search', once, bearer)).body.message.ack_status, 'ACK');
  await expectErr('replayed message', once, 'err.request.bad');
  const tampered = searchMessage();
  tampered.message.search_request[0]!.search_criteria.query[0]!.expression1.attribute_value = 'someone else';
  await expectErr('tampered message', tampered, 'err.signature.invalid');
  await expectErr('unsigned message', { ...searchMessage(), signature: undefined }, 'err.signature.missing');
  const otherSender = searchMessage({ sender_id: 'another-spmis' });
  await expectErr('token bound to another sender', otherSender, 'err.sender_id.invalid');

  const transport = async (name: string, path: string, body: unknown, auth: string | undefined, status: number, code: string) => {
    const response = await fetch(`${stack.origin}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as any;
    t.equal(response.status, status, `${name}: ${status}`);
    t.same(responseProblems('social', path, status, answer), [], `${name}: HttpErrorResponse`);
    t.equal(answer.errors?.[0]?.code, code, `${name}: ${code}`);
    t.match(response.headers.get('content-type'), /^application\/json/, `${name}: application/json`);
    // The same body read as RFC 9457 by a client that knows no DCI.
    t.match(
      answer,
      { type: /^\/problems\//, title: /\w/, status, detail: answer.errors?.[0]?.message, instance: /^urn:request:/ },
      `${name}: RFC 9457 members`,
    );
    refusals.push(`${name} -> ${response.status} ${JSON.stringify(answer)}`);
  };
  const statusOnly = await token('status-only', STATUS_SECRET);
  await transport('token without registry.search', '/registry/search', searchMessage(), `Bearer ${statusOnly}`, 403, 'err.request.forbidden');
  await transport('no token', '/registry/search', searchMessage(), undefined, 401, 'err.request.unauthorized');

  // A token signed with the gateway's own current key, expired a minute ago (beyond the 30 s skew).
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const craft = (claims: Record<string, unknown>, key = tokenKeyNew.privateKey, kid = 'tok-2') => {
    const input = `${encode({ alg: 'EdDSA', typ: 'JWT', kid })}.${encode({ iss: 'urn:g2p-gateway:oauth2', aud: 'g2p-gateway', sub: SENDER, client_id: SENDER, scope: 'registry.search', realm_access: { roles: ['registry-reader'] }, ...claims })}`;
    return `${input}.${edSign(null, Buffer.from(input), key).toString('base64url')}`;
  };
  await transport('expired token', '/registry/search', searchMessage(), `Bearer ${craft({ iat: now - 300, exp: now - 60 })}`, 401, 'err.request.unauthorized');
  await transport(
    'token signed by a key the gateway does not hold',
    '/registry/search',
    searchMessage(),
    `Bearer ${craft({ iat: now, exp: now + 60 }, ed25519Pair().privateKey)}`,
    401,
    'err.request.unauthorized',
  );
  const byOldKey = await post('/registry/search', searchMessage(), craft({ iat: now, exp: now + 60 }, tokenKeyOld.privateKey, 'tok-1'));
  t.equal(byOldKey.body.message?.ack_status, 'ACK', 'a token from the previous key (still published) is accepted during a rotation');

  const tokenRefusals: Array<[string, string, Record<string, string>, number, string]> = [
    ['wrong secret', form({ grant_type: 'client_credentials', client_id: SENDER, client_secret: 'not-the-secret' }), {}, 401, 'invalid_client'],
    ['unknown client', form({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: SECRET }), {}, 401, 'invalid_client'],
    ['password grant', form({ grant_type: 'password', username: 'a', password: 'b' }), {}, 400, 'unsupported_grant_type'],
    ['no grant_type', form({ client_id: SENDER, client_secret: SECRET }), {}, 400, 'invalid_request'],
    [
      'scope not granted',
      form({ grant_type: 'client_credentials', client_id: 'status-only', client_secret: STATUS_SECRET, scope: 'registry.search' }),
      {},
      400,
      'invalid_scope',
    ],
    [
      'credentials twice (Basic and form)',
      form({ grant_type: 'client_credentials', client_id: SENDER, client_secret: SECRET }),
      { authorization: `Basic ${Buffer.from(`${SENDER}:${SECRET}`).toString('base64')}` },
      400,
      'invalid_request',
    ],
  ];
  for (const [name, body, headers, status, error] of tokenRefusals) {
    const answer = await tokenRequest(body, headers);
    t.equal(answer.status, status, `${name}: ${status}`);
    t.equal(answer.body.error, error, `${name}: ${error}`);
    if (status === 401) t.equal(answer.headers.get('www-authenticate'), 'Basic realm="g2p-gateway"', `${name}: challenge`);
    refusals.push(`token ${name} -> ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  const json = await fetch(`${stack.origin}/oauth2/client/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: SENDER, client_secret: SECRET }),
  });
  t.equal(json.status, 400, 'a JSON body is refused');
  t.equal(((await json.json()) as any).error, 'invalid_request');
  const basic = await tokenRequest(form({ grant_type: 'client_credentials', scope: 'registry.status' }), {
    authorization: `Basic ${Buffer.from(`${encodeURIComponent('status-only')}:${encodeURIComponent(STATUS_SECRET)}`).toString('base64')}`,
  });
  t.equal(basic.status, 200, 'HTTP Basic client authentication');
  t.equal(basic.body.scope, 'registry.status');

  for (const line of refusals) t.comment(line);
});

t.test('the logs warn that pending work is not durable, and never hold a secret or a token', async (t) => {
  const lines = stack.logLines();
  t.ok(
    lines.some((line) => line.includes('pending work is lost if the gateway restarts')),
    'start-up warning about the in-memory store',
  );
  const bearer = await token();
  const joined = lines.join('\n') + stack.logLines().join('\n');
  for (const secret of [SECRET, STATUS_SECRET, bearer, spmisKey.privatePem, dciKey.privatePem]) t.notOk(joined.includes(secret), 'not logged');
  t.ok(
    lines.some((line) => line.includes('"route":"/oauth2/client/token"') && line.includes('"refused":"invalid_client"')),
    'refused token requests are audited',
  );
});
