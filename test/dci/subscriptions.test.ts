/**
 * DCI subscriptions end to end, on the simulator or a real Odoo (G2P_E2E_ODOO_*): a social
 * protection system subscribes with a client-credentials token, gets its signed on-subscribe,
 * and changes made directly in Odoo (RPC as the administrator, not through the gateway) reach
 * it as signed `notify` messages, verified by the client stand-in against the keys the gateway
 * publishes and held to the standard's own schemas. Then: filters honoured, refusals in the
 * standard's shapes, unsubscribe, and (with redis-server) a subscription surviving a gateway
 * restart. Figures are printed as `# figures: ...`.
 */
import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { hashSecret } from '../../src/http/auth/secret-hash.js';
import { startGateway, type ListeningGateway } from '../support/gateway.js';
import { redisServerMissing, startRedis, type RedisServer } from '../support/redis.js';
import { startStack, type Stack } from '../support/stack.js';
import { testToken } from '../support/tokens.js';
import { watchGatewayCalls } from '../support/call-shapes.js';
import { DciClientStandIn, type ReceivedCallback } from './client-stand-in.js';
import { ed25519Pair, signEnvelope, uniqueId } from './harness.js';
import { requestProblems, responseProblems } from './standard-schemas.js';

const SENDER = 'spmis-subscriber';
const OTHER = 'other-spmis';
const REGISTRY = 'g2p-subscriptions-registry';
const spmisKey = ed25519Pair();
const dciKey = ed25519Pair();
const tokenKey = ed25519Pair();
const SECRET = `secret-${randomUUID()}`;
const REGISTRATIONS_SECRET = 'registrations-secret-0123456789abcdef';
const OTHER_SECRET = `other-${randomUUID()}`;
const redisMissing = redisServerMissing();
/** The realm role auth.administrators names: its holders manage every sender's subscriptions. */
const ADMIN_ROLE = 'registry-admin';
const figures = (t: Test, text: string) => t.comment(`figures: ${text}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const receiver = new DciClientStandIn();
/** The other sender's callback server: taken down to play a slow subscriber. */
const otherReceiver = new DciClientStandIn();
let stack: Stack;
let redis: RedisServer | undefined;
let gateway: ListeningGateway;
let origin: string;
let surname: string;

async function startSubscriptionGateway(): Promise<ListeningGateway> {
  const started = await startGateway(t, {
    odoo: stack.target,
    protocol: 'jsonrpc',
    listen: true,
    config: {
      ...(redis ? { redis: { url: redis.url } } : {}),
      api: { syncSettleMs: 1000 },
      events: {
        enabled: true,
        pollIntervalMs: 100,
        leaseMs: 1_500,
        delivery: { attempts: 12, retryBaseMs: 50, retryMaxMs: 500, timeoutMs: 2_000 },
        // Tells the test when the detector has seen a creation (see registrationSeen).
        webhooks: {
          subscriptions: [
            { id: 'registrations', url: `${receiver.origin}/hooks`, secret: REGISTRATIONS_SECRET, types: ['individual.registered'], payload: 'ids' },
          ],
        },
      },
      dci: {
        registryId: REGISTRY,
        signingKey: dciKey.privatePem,
        keyId: 'dci-sub-1',
        senders: {
          [SENDER]: { publicKeys: { k1: spmisKey.publicPem }, requireSignature: true, callbackUrl: `${receiver.origin}/spmis` },
          [OTHER]: { publicKeys: { k1: spmisKey.publicPem }, requireSignature: true, callbackUrl: `${otherReceiver.origin}/other` },
        },
        async: { retryBaseMs: 100, retryMaxMs: 400, deliveryAttempts: 4, deliveryTimeoutMs: 2000 },
      },
      // A partner shown surnames and given names only (the field-scope cell).
      fieldScopes: {
        names: {
          individuals: ['family_name', 'given_name'],
          groups: [],
          memberships: [],
          grantedTo: { claims: [{ claim: 'scope', includes: 'registry:names' }], clients: [], basicLogins: [] },
        },
      },
      auth: {
        administrators: [{ claim: 'realm_access.roles', includes: ADMIN_ROLE }],
        clientCredentials: {
          clients: {
            [SENDER]: { secretHash: await hashSecret(SECRET), roles: ['Rest API GET'], senderId: SENDER },
            [OTHER]: { secretHash: await hashSecret(OTHER_SECRET), roles: ['Rest API GET'], senderId: OTHER },
          },
          signingKeys: [{ kid: 'tok-sub', privateKey: tokenKey.privatePem }],
        },
      },
    },
  });
  for (let i = 0; !started.app.changeDetector?.leading; i++) {
    if (i > 200) throw new Error('the detector never took the lease');
    await sleep(25);
  }
  return started;
}

t.before(async () => {
  await receiver.start();
  await otherReceiver.start();
  stack = await startStack(t, { protocol: 'jsonrpc', households: 2 });
  // Before the stack closes (teardowns run last registered first).
  t.teardown(async () => {
    const mine = await stack.odoo.search('res.partner', [['name', 'ilike', stack.runTag]], { context: { active_test: false } });
    if (mine.length) await stack.odoo.write('res.partner', mine, { active: false });
  });
  if (!redisMissing) redis = await startRedis();
  surname = `Subscribed${stack.runTag}`;
  gateway = await startSubscriptionGateway();
  origin = gateway.origin;
  await receiver.trust(`${origin}/.well-known/jwks.json`);
  await otherReceiver.trust(`${origin}/.well-known/jwks.json`);
});

t.teardown(async () => {
  await redis?.stop();
  await receiver.stop();
  await otherReceiver.stop();
});

async function token(clientId = SENDER, secret = SECRET): Promise<string> {
  const response = await fetch(`${origin}/oauth2/client/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString(),
  });
  const body = (await response.json()) as { access_token: string };
  if (response.status !== 200) throw new Error(`token: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function post(path: string, body: unknown, bearer: string) {
  const response = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** The callback a request of `action` names in sender_uri: the whole URL, as the standard's MsgHeader defines it. */
const CALLBACK_OF: Record<string, string> = { subscribe: 'on-subscribe', unsubscribe: 'on-unsubscribe', 'txn-status': 'txn/on-status' };

/** A signed envelope from `sender` (its own callback URL for the action unless `header` says otherwise). */
function signed(action: string, message: Record<string, unknown>, header: Record<string, unknown> = {}, sender = SENDER) {
  const envelope = {
    header: {
      version: '1.0.0',
      message_id: uniqueId(),
      message_ts: new Date().toISOString(),
      action,
      sender_id: sender,
      sender_uri: `${sender === SENDER ? `${receiver.origin}/spmis` : `${otherReceiver.origin}/other`}/callback/${CALLBACK_OF[action]}`,
      receiver_id: REGISTRY,
      total_count: 1,
      is_msg_encrypted: false,
      ...header,
    },
    message,
  };
  // A member given as undefined is left out, as a partner that does not send it.
  for (const [key, value] of Object.entries(envelope.header)) if (value === undefined) delete (envelope.header as Record<string, unknown>)[key];
  return { signature: signEnvelope(envelope, { senderId: String(envelope.header.sender_id), keyId: 'k1', key: spmisKey.privateKey }), ...envelope };
}

const criteria = (eventType: string, query: unknown, extra: Record<string, unknown> = {}) => ({
  reference_id: uniqueId('ref'),
  timestamp: new Date().toISOString(),
  subscribe_criteria: { version: '1.0.0', reg_event_type: eventType, filter_type: 'predicate', filter: query, notify_record_type: 'Member', ...extra },
});
const surnameIs = (value: string) => [{ seq_num: 1, expression1: { attribute_name: 'surname', operator: 'eq', attribute_value: value } }];

function subscribeMessage(items: unknown[], header: Record<string, unknown> = {}, sender = SENDER) {
  return signed('subscribe', { transaction_id: uniqueId('txn'), subscribe_request: items }, { total_count: items.length, ...header }, sender);
}

/** Subscribes and waits for the on-subscribe callback of that transaction. */
async function subscribe(items: unknown[], bearer: string): Promise<{ ack: any; callback: ReceivedCallback }> {
  const message = subscribeMessage(items);
  const answer = await post('/registry/subscribe', message, bearer);
  if (answer.status !== 200) throw new Error(`subscribe: ${answer.status} ${JSON.stringify(answer.body)}`);
  const callback = await receiver.waitFor('/spmis/callback/on-subscribe', (c) => c.body?.message?.transaction_id === message.message.transaction_id);
  return { ack: answer.body, callback };
}

const notifies = () => receiver.received.filter((c) => c.path === '/spmis/registry/notify');
/**
 * Waits until the detector has announced a record just created in Odoo as registered: a change
 * within about syncSettleMs of the creation, or before the detector's pass that saw it, is part
 * of the same detected version (announced as `registered`, not `updated`; see the README). A
 * webhook for registrations says when that pass has happened, where a fixed wait would not hold
 * on a loaded machine (a slow first poll).
 */
const registrationSeen = (id: number) =>
  receiver.waitFor('/hooks', (c) => c.body?.type === 'org.openg2p.registry.individual.registered' && c.body?.subject === `individuals/${id}`, 30_000);

let subscriptionCode = '';
/** The first subscribe's on-subscribe callback body: its status must show this answer. */
let firstOnSubscribe: any;
let watched = 0;
let unwatched = 0;

t.test('subscribe, then a change made in Odoo reaches the subscriber as a signed notify', async (t) => {
  watched = await stack.odoo.create('res.partner', {
    name: `${surname}, Amina`,
    given_name: 'Amina',
    family_name: surname,
    is_registrant: true,
    is_group: false,
  });
  unwatched = await stack.odoo.create('res.partner', {
    name: `Other${stack.runTag}, Baraka`,
    given_name: 'Baraka',
    family_name: `Other${stack.runTag}`,
    is_registrant: true,
    is_group: false,
  });
  const bearer = await token();
  const item = criteria('updated', surnameIs(surname));
  const { ack, callback } = await subscribe([item], bearer);
  t.same(responseProblems('registry', '/registry/subscribe', 200, ack), [], "the ACK is the standard's Response");
  t.equal(ack.message.ack_status, 'ACK');
  t.ok(callback.signatureValid, 'on-subscribe signed with the published key');
  t.same(requestProblems('registry', '/registry/on-subscribe', callback.body), [], 'on-subscribe conforms to the standard');
  t.match(callback.body, {
    header: { action: 'on-subscribe', status: 'succ', sender_id: REGISTRY, receiver_id: SENDER },
    message: {
      correlation_id: ack.message.correlation_id,
      subscribe_response: [
        { reference_id: item.reference_id, status: 'succ', subscriptions: [{ status: 'subscribe', reg_event_type: 'updated', notify_record_type: 'Member' }] },
      ],
    },
  });
  subscriptionCode = callback.body.message.subscribe_response[0].subscriptions[0].code;
  firstOnSubscribe = callback.body;
  t.match(subscriptionCode, /^[0-9a-f-]{36}$/);
  await registrationSeen(watched);
  await registrationSeen(unwatched);

  // Written directly in Odoo: first the record outside the filter, then the one inside it.
  await stack.odoo.write('res.partner', [unwatched], { given_name: 'BarakaChanged' });
  const writtenAt = Date.now();
  await stack.odoo.write('res.partner', [watched], { given_name: 'AminaChanged' });
  const notify = await receiver.waitFor(
    '/spmis/registry/notify',
    (c) => c.body?.message?.notify_event?.[0]?.data?.reg_records?.demographic_info?.name?.given_name === 'AminaChanged',
    30_000,
  );
  t.ok(notify.signatureValid, "notify signed: verified against the published key, not with the gateway's code");
  t.same(requestProblems('registry', '/registry/notify', notify.body), [], 'notify conforms to the standard');
  t.match(notify.body, {
    header: { action: 'notify', status: 'succ', sender_id: REGISTRY, receiver_id: SENDER, message_id: /^[\w-]{32}$/ },
    message: {
      transaction_id: /^txn-/,
      notify_event: [
        {
          reference_id: item.reference_id,
          data: { reg_event_type: 'updated', reg_record_type: 'Member', reg_records: { demographic_info: { name: { surname } } } },
        },
      ],
    },
  });
  const others = notifies().filter((c) => JSON.stringify(c.body).includes(`Other${stack.runTag}`));
  t.same(others, [], 'a change outside the filter is not notified (it was in the log before the one that was)');
  figures(t, `direct Odoo write -> DCI notify in ${notify.receivedAt - writtenAt} ms (${stack.sim ? 'simulator' : 'real Odoo'})`);
});

t.test('a subscriber holding a field scope: notify payloads cut to it, Odoo asked for its fields only, a filter on a hidden attribute refused', async (t) => {
  const scopedSurname = `Scoped${stack.runTag}`;
  const id = await stack.odoo.create('res.partner', {
    name: `${scopedSurname}, Zawadi`,
    given_name: 'Zawadi',
    family_name: scopedSurname,
    birthdate: '1991-05-06',
    is_registrant: true,
    is_group: false,
  });
  const calls = watchGatewayCalls();
  t.teardown(() => calls.stop());
  // A token of another issuer holding the `names` field scope: not bound to a sender, it signs as SENDER.
  const bearer = testToken('get', { scope: 'registry:names' });
  const item = criteria('updated', surnameIs(scopedSurname));
  const hidden = criteria('updated', [{ seq_num: 1, expression1: { attribute_name: 'birth_date', operator: 'eq', attribute_value: '1991-05-06' } }]);
  const { callback } = await subscribe([item, hidden], bearer);
  const answers = Object.fromEntries(callback.body.message.subscribe_response.map((r: any) => [r.reference_id, r]));
  t.equal(answers[item.reference_id].status, 'succ', 'a filter on what the scope shows is accepted');
  t.equal(answers[hidden.reference_id].status_reason_code, 'rjct.notify_details.invalid');
  t.match(answers[hidden.reference_id].status_reason_message, /"birth_date" reads birthdate, which is outside your field scope \(names\)/);
  await registrationSeen(id);
  calls.reset();
  await stack.odoo.write('res.partner', [id], { given_name: 'ZawadiChanged' });
  const notify = await receiver.waitFor('/spmis/registry/notify', (c) => c.body?.message?.notify_event?.[0]?.reference_id === item.reference_id, 30_000);
  t.ok(notify.signatureValid);
  const record = notify.body.message.notify_event[0].data.reg_records;
  t.same(Object.keys(record).sort(), ['@id', '@type', 'demographic_info'], 'attributes outside the scope are absent');
  t.same(record.demographic_info, { '@type': 'SRPerson', name: { '@type': 'Name', surname: scopedSurname, given_name: 'ZawadiChanged' } });
  const asked = calls
    .calls()
    .filter((c) => c.model === 'res.partner' && c.method === 'web_search_read' && JSON.stringify(c.kwargs.domain ?? c.args).includes(scopedSurname))
    .map((c) => Object.keys((c.kwargs.specification ?? {}) as object).sort());
  t.ok(asked.length > 0, 'the subscription read the changed record');
  t.same(
    asked,
    asked.map(() => ['family_name', 'given_name']),
    'Odoo was asked for the scope’s fields only',
  );
  const unsubscribed = await post(
    '/registry/unsubscribe',
    signed('unsubscribe', {
      transaction_id: uniqueId('txn'),
      timestamp: new Date().toISOString(),
      subscription_codes: [answers[item.reference_id].subscriptions[0].code],
    }),
    bearer,
  );
  t.equal(unsubscribed.status, 200, JSON.stringify(unsubscribed.body));
});

t.test("bad subscriptions are refused in the standard's shapes", async (t) => {
  const bearer = await token();
  const unknownType = criteria('teleported', surnameIs(surname));
  const badFilter = criteria('updated', [{ seq_num: 1, expression1: { attribute_name: 'shoe_size', operator: 'eq', attribute_value: 42 } }]);
  const badRecordType = criteria('updated', surnameIs(surname), { notify_record_type: 'Spaceship' });
  const duplicate = criteria('updated', surnameIs(surname));
  const { callback } = await subscribe([unknownType, badFilter, badRecordType, duplicate], bearer);
  t.same(requestProblems('registry', '/registry/on-subscribe', callback.body), [], 'on-subscribe with rejections conforms');
  t.equal(callback.body.header.status, 'rjct', 'nothing accepted: the message is rjct');
  const reasons = Object.fromEntries(callback.body.message.subscribe_response.map((r: any) => [r.reference_id, [r.status, r.status_reason_code]]));
  t.same(reasons[unknownType.reference_id], ['rjct', 'rjct.notify_types.invalid'], 'unknown event type');
  t.same(reasons[badFilter.reference_id], ['rjct', 'rjct.notify_details.invalid'], 'a filter on an attribute the registry does not know');
  t.same(reasons[badRecordType.reference_id], ['rjct', 'rjct.notify_details.invalid'], 'an unknown record type');
  t.same(reasons[duplicate.reference_id], ['rjct', 'rjct.event.already_subscribed'], 'the same criteria twice');

  const elsewhere = await post(
    '/registry/subscribe',
    subscribeMessage([criteria('updated', surnameIs(surname))], { sender_uri: 'http://169.254.169.254/spmis' }),
    bearer,
  );
  t.equal(elsewhere.status, 400, "a callback URL outside the sender's registered one: refused at once");
  t.match(elsewhere.body, { message: { ack_status: 'ERR', error: { code: 'err.sender_uri.invalid' } } });
  t.same(responseProblems('registry', '/registry/subscribe', 400, elsewhere.body), []);

  // Without sender_uri: the registered callback URL plus the standard's path of each callback.
  const unnamed = subscribeMessage([criteria('teleported', surnameIs(surname))], { sender_uri: undefined });
  t.equal((await post('/registry/subscribe', unnamed, bearer)).body.message.ack_status, 'ACK');
  await receiver.waitFor('/spmis/registry/on-subscribe', (c) => c.body?.message?.transaction_id === unnamed.message.transaction_id);
  const unnamedOff = signed(
    'unsubscribe',
    { transaction_id: uniqueId('txn'), timestamp: new Date().toISOString(), subscription_codes: ['no-such-code'] },
    { sender_uri: undefined },
  );
  t.equal((await post('/registry/unsubscribe', unnamedOff, bearer)).body.message.ack_status, 'ACK');
  await receiver.waitFor('/spmis/registry/on-unsubscribe', (c) => c.body?.message?.transaction_id === unnamedOff.message.transaction_id);
  t.pass('on-subscribe and on-unsubscribe at {callbackUrl}/registry/on-subscribe and /registry/on-unsubscribe');

  const asOther = await post('/registry/subscribe', subscribeMessage([criteria('updated', surnameIs(surname))], {}, OTHER), bearer);
  t.equal(asOther.status, 400, 'a token bound to one sender cannot subscribe as another');
  t.match(asOther.body, { message: { ack_status: 'ERR', error: { code: 'err.sender_id.invalid' } } });

  const unsigned = subscribeMessage([criteria('updated', surnameIs(surname))]);
  const forged = await post('/registry/subscribe', { ...unsigned, signature: unsigned.signature.replace(/signature="[^"]+"/, 'signature="AAAA"') }, bearer);
  t.equal(forged.status, 400, 'a bad signature');
  t.match(forged.body, { message: { ack_status: 'ERR', error: { code: 'err.signature.invalid' } } });

  const noToken = await fetch(`${origin}/registry/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(subscribeMessage([criteria('updated', surnameIs(surname))])),
  });
  t.equal(noToken.status, 401);
  t.same(responseProblems('registry', '/registry/subscribe', 401, await noToken.json()), []);
});

function statusMessage(txnType: 'subscribe' | 'unsubscribe', attributeType: string, value: string | string[], sender = SENDER) {
  return signed(
    'txn-status',
    {
      transaction_id: uniqueId('txn-status'),
      txnstatus_request: { reference_id: uniqueId('status-ref'), txn_type: txnType, attribute_type: attributeType, attribute_value: value },
    },
    {},
    sender,
  );
}

/** A status asked on the sync route, held to the standard's request and response schemas. */
async function syncStatus(t: Test, request: ReturnType<typeof statusMessage>, bearer: string) {
  t.same(requestProblems('registry', '/registry/sync/txn/status', request), [], 'the status request conforms');
  const answer = await post('/registry/sync/txn/status', request, bearer);
  t.equal(answer.status, 200);
  t.same(responseProblems('registry', '/registry/sync/txn/status', 200, answer.body), [], 'the status answer conforms');
  return answer.body;
}

t.test('the status of a subscribe: its on-subscribe answer, to its sender only', async (t) => {
  const bearer = await token();
  const { transaction_id: transactionId, correlation_id: correlationId } = firstOnSubscribe.message;
  const byTransaction = await syncStatus(t, statusMessage('subscribe', 'transaction_id', transactionId), bearer);
  t.match(
    byTransaction.header,
    { action: 'txn-on-status', status: 'succ', meta: { delivery: { state: 'delivered', attempts: 1, correlation_id: correlationId } } },
    'the callback is reported delivered',
  );
  t.equal(byTransaction.message.txnstatus_response.txn_type, 'on-subscribe');
  t.same(byTransaction.message.txnstatus_response.txn_status, firstOnSubscribe.message, 'by transaction_id: the on-subscribe message as it was sent');
  const byCorrelation = await syncStatus(t, statusMessage('subscribe', 'correlation_id', correlationId), bearer);
  t.same(byCorrelation.message.txnstatus_response.txn_status, firstOnSubscribe.message, 'by correlation_id: the same');
  const referenceId = firstOnSubscribe.message.subscribe_response[0].reference_id;
  const byReference = await syncStatus(t, statusMessage('subscribe', 'reference_id_list', [referenceId, 'ref-nobody-sent']), bearer);
  t.match(byReference.message.txnstatus_response.txn_status.subscribe_response, [
    { reference_id: referenceId, status: 'succ', subscriptions: [{ code: subscriptionCode }] },
    { reference_id: 'ref-nobody-sent', status: 'rjct', status_reason_code: 'rjct.reference_id.invalid' },
  ]);

  const byCode = await syncStatus(t, statusMessage('subscribe', 'subscription_code_list', [subscriptionCode, 'no-such-code']), bearer);
  t.equal(byCode.header.status, 'succ');
  t.match(
    byCode.message.txnstatus_response,
    {
      txn_type: 'on-subscribe',
      txn_status: {
        subscribe_response: [
          { reference_id: referenceId, status: 'succ', subscriptions: [{ code: subscriptionCode, status: 'subscribe', reg_event_type: 'updated' }] },
          { reference_id: 'no-such-code', status: 'rjct', status_reason_code: 'rjct.reference_id.invalid' },
        ],
      },
    },
    'subscription_code_list: held now; an unknown code rejected on its own',
  );

  const otherBearer = await token(OTHER, OTHER_SECRET);
  for (const [attributeType, value] of [
    ['transaction_id', transactionId],
    ['correlation_id', correlationId],
    ['subscription_code_list', [subscriptionCode]],
  ] as const) {
    const stranger = await syncStatus(t, statusMessage('subscribe', attributeType, value, OTHER), otherBearer);
    t.equal(stranger.header.status, 'rjct', `another sender sees nothing by ${attributeType}`);
    t.notOk(JSON.stringify(stranger).includes(surname), `nothing of the subscription leaks by ${attributeType}`);
    t.notOk(stranger.header.meta, 'nor its delivery');
  }
});

t.test("administrators list every sender's subscriptions and cancel any; notifications stop", async (t) => {
  const ADMIN_PATH = '/api/v1/admin/dci/subscriptions';
  const admin = testToken('both', { sub: 'ops', realm_access: { roles: ['registry-reader', 'registry-writer', ADMIN_ROLE] } });
  const asCaller = (method: string, path: string, bearer: string) =>
    fetch(`${origin}${path}`, { method, headers: { authorization: `Bearer ${bearer}` } }).then(async (r) => ({
      status: r.status,
      type: r.headers.get('content-type'),
      body: (r.status === 204 ? undefined : await r.json()) as any,
    }));
  const otherBearer = await token(OTHER, OTHER_SECRET);
  const otherSurname = `Other${stack.runTag}`;
  const message = subscribeMessage([criteria('updated', surnameIs(otherSurname))], {}, OTHER);
  t.equal((await post('/registry/subscribe', message, otherBearer)).status, 200);
  const accepted = await otherReceiver.waitFor('/other/callback/on-subscribe', (c) => c.body?.message?.transaction_id === message.message.transaction_id);
  const otherCode: string = accepted.body.message.subscribe_response[0].subscriptions[0].code;

  for (const [label, bearer] of [
    ["a sender's own token", await token()],
    ['a token with both API roles', testToken('both')],
  ] as const) {
    const listed = await asCaller('GET', ADMIN_PATH, bearer);
    t.equal(listed.status, 403, `${label} cannot list them`);
    t.match(listed.type, /^application\/problem\+json/);
    t.equal((await asCaller('DELETE', `${ADMIN_PATH}/${otherCode}`, bearer)).status, 403, `nor cancel one (${label})`);
  }

  const all = await asCaller('GET', ADMIN_PATH, admin);
  t.equal(all.status, 200);
  const held = (items: Array<{ code: string; sender_id: string }>) => items.map((s) => [s.sender_id, s.code]);
  t.same(
    held(all.body.items).filter(([, code]) => code === subscriptionCode || code === otherCode),
    [
      [SENDER, subscriptionCode],
      [OTHER, otherCode],
    ],
    'an administrator sees both senders',
  );
  t.match(
    all.body.items.find((s: { code: string }) => s.code === otherCode),
    {
      reg_event_type: 'updated',
      notify_record_type: 'Member',
      notify_url: `${otherReceiver.origin}/other/registry/notify`,
      subscribe_criteria: { filter: surnameIs(otherSurname) },
    },
  );
  const ofOther = await asCaller('GET', `${ADMIN_PATH}?sender_id=${OTHER}`, admin);
  t.ok(ofOther.body.items.length > 0 && ofOther.body.items.every((s: { sender_id: string }) => s.sender_id === OTHER), 'filtered by sender');

  // Notified while it holds, so the silence after cancelling is the cancellation's doing.
  const notifiesOfOther = () => otherReceiver.received.filter((c) => c.path === '/other/registry/notify' && JSON.stringify(c.body).includes(otherSurname));
  await stack.odoo.write('res.partner', [unwatched], { given_name: 'BeforeCancel' });
  await otherReceiver.waitFor('/other/registry/notify', (c) => JSON.stringify(c.body).includes('BeforeCancel'), 30_000);

  t.equal((await asCaller('DELETE', `${ADMIN_PATH}/${otherCode}`, admin)).status, 204, "an administrator cancels another sender's subscription");
  t.equal((await asCaller('DELETE', `${ADMIN_PATH}/${otherCode}`, admin)).status, 404, 'gone: a second cancel is 404');
  t.notOk(
    held((await asCaller('GET', ADMIN_PATH, admin)).body.items).some(([, code]) => code === otherCode),
    'no longer listed',
  );
  const before = notifiesOfOther().length;
  await stack.odoo.write('res.partner', [unwatched], { given_name: 'AfterCancel' });
  await stack.odoo.write('res.partner', [watched], { given_name: 'AminaAfterCancel' });
  // The sender still subscribed is notified of the later write: the change was detected and delivered.
  await receiver.waitFor('/spmis/registry/notify', (c) => JSON.stringify(c.body).includes('AminaAfterCancel'), 30_000);
  await sleep(1_000);
  t.equal(notifiesOfOther().length, before, 'no notify for the cancelled subscription');
});

t.test('unsubscribe: only the holder can, and notifications stop', async (t) => {
  const otherBearer = await token(OTHER, OTHER_SECRET);
  const stranger = signed(
    'unsubscribe',
    { transaction_id: uniqueId('txn'), timestamp: new Date().toISOString(), subscription_codes: [subscriptionCode] },
    {},
    OTHER,
  );
  t.equal((await post('/registry/unsubscribe', stranger, otherBearer)).status, 200);
  const refused = await otherReceiver.waitFor('/other/callback/on-unsubscribe', (c) => c.body?.message?.transaction_id === stranger.message.transaction_id);
  t.same(requestProblems('registry', '/registry/on-unsubscribe', refused.body), []);
  t.match(
    refused.body.message,
    { status: 'rjct', status_reason_code: 'rjct.requester.invalid', subscription_status: [] },
    "another sender's subscription is not theirs to remove",
  );

  const bearer = await token();
  const message = signed('unsubscribe', {
    transaction_id: uniqueId('txn'),
    timestamp: new Date().toISOString(),
    subscription_codes: [subscriptionCode, 'no-such-code'],
  });
  const ack = await post('/registry/unsubscribe', message, bearer);
  t.equal(ack.status, 200);
  t.same(responseProblems('registry', '/registry/unsubscribe', 200, ack.body), []);
  const callback = await receiver.waitFor('/spmis/callback/on-unsubscribe', (c) => c.body?.message?.transaction_id === message.message.transaction_id);
  t.ok(callback.signatureValid);
  t.same(requestProblems('registry', '/registry/on-unsubscribe', callback.body), []);
  t.match(
    callback.body.message,
    { status: 'rjct', status_reason_code: 'rjct.subscription_code.invalid', subscription_status: [{ code: subscriptionCode, status: 'unsubscribe' }] },
    'the held one removed, the unknown one reported',
  );

  const before = notifies().length;
  await stack.odoo.write('res.partner', [watched], { given_name: 'AfterUnsubscribe' });
  // Long enough for the change to be detected (settle 1 s, poll 100 ms) and delivered had the subscription remained.
  await sleep(5_000);
  t.equal(notifies().length, before, 'no notify after unsubscribing');
});

t.test("after unsubscribe: the code shows unsubscribed, and the unsubscribe's own status (sync and async)", async (t) => {
  const bearer = await token();
  const byCode = await syncStatus(t, statusMessage('subscribe', 'subscription_code_list', [subscriptionCode]), bearer);
  t.match(
    byCode.message.txnstatus_response.txn_status.subscribe_response,
    [{ status: 'succ', subscriptions: [{ code: subscriptionCode, status: 'unsubscribe', reg_event_type: 'updated' }] }],
    'unsubscribed now',
  );
  const asUnsubscribe = await syncStatus(t, statusMessage('unsubscribe', 'subscription_code_list', [subscriptionCode, 'no-such-code']), bearer);
  t.match(asUnsubscribe.message.txnstatus_response, {
    txn_type: 'on-unsubscribe',
    txn_status: {
      status: 'rjct',
      status_reason_code: 'rjct.subscription_code.invalid',
      subscription_status: [{ code: subscriptionCode, status: 'unsubscribe' }],
    },
  });
  const byReference = await syncStatus(t, statusMessage('unsubscribe', 'reference_id_list', ['ref-1']), bearer);
  t.match(byReference.header, { status: 'rjct', status_reason_message: /no reference ids/ }, 'an unsubscribe has no reference ids to ask by');
  const otherBearer = await token(OTHER, OTHER_SECRET);
  const stranger = await syncStatus(t, statusMessage('unsubscribe', 'subscription_code_list', [subscriptionCode], OTHER), otherBearer);
  t.match(
    stranger.message.txnstatus_response.txn_status,
    { status: 'rjct', subscription_status: [] },
    'another sender does not learn the code was unsubscribed',
  );

  const onUnsubscribe = receiver.received.filter((c) => c.path === '/spmis/callback/on-unsubscribe').at(-1)!;
  const request = statusMessage('unsubscribe', 'transaction_id', onUnsubscribe.body.message.transaction_id);
  t.same(requestProblems('registry', '/registry/txn/status', request), []);
  const ack = await post('/registry/txn/status', request, bearer);
  t.equal(ack.status, 200);
  t.same(responseProblems('registry', '/registry/txn/status', 200, ack.body), []);
  const onStatus = await receiver.waitFor('/spmis/callback/txn/on-status', (c) => c.body?.message?.correlation_id === ack.body.message.correlation_id);
  t.ok(onStatus.signatureValid, 'txn-on-status signed');
  t.same(requestProblems('registry', '/registry/txn/on-status', onStatus.body), [], 'txn-on-status conforms');
  t.match(onStatus.body.header, { action: 'txn-on-status', status: 'succ', meta: { delivery: { state: 'delivered' } } });
  t.equal(onStatus.body.message.txnstatus_response.txn_type, 'on-unsubscribe');
  t.same(onStatus.body.message.txnstatus_response.txn_status, onUnsubscribe.body.message, 'the on-unsubscribe message as it was sent');
});

t.test('a subscription survives a gateway restart on Redis', { skip: redisMissing }, async (t) => {
  const bearer = await token();
  const { callback } = await subscribe([criteria('updated', surnameIs(surname))], bearer);
  t.equal(callback.body.header.status, 'succ');
  await gateway.close();
  gateway = await startSubscriptionGateway();
  origin = gateway.origin;
  await receiver.trust(`${origin}/.well-known/jwks.json`);
  await otherReceiver.trust(`${origin}/.well-known/jwks.json`);
  const writtenAt = Date.now();
  await stack.odoo.write('res.partner', [watched], { given_name: 'AfterRestart' });
  const notify = await receiver.waitFor(
    '/spmis/registry/notify',
    (c) => c.body?.message?.notify_event?.[0]?.data?.reg_records?.demographic_info?.name?.given_name === 'AfterRestart',
    30_000,
  );
  t.ok(notify.signatureValid);
  figures(t, `subscription kept in Redis across a gateway restart: Odoo write -> notify ${notify.receivedAt - writtenAt} ms after the new gateway was up`);
});

t.test('time from an Odoo write to notify delivery', async (t) => {
  const bearer = await token();
  const surnameLatency = `${surname}L`;
  const id = await stack.odoo.create('res.partner', {
    name: `${surnameLatency}, Latency`,
    given_name: 'Latency',
    family_name: surnameLatency,
    is_registrant: true,
    is_group: false,
  });
  await subscribe([criteria('updated', surnameIs(surnameLatency))], bearer);
  await registrationSeen(id);
  const samples: number[] = [];
  const rounds = 20;
  for (let i = 0; i < rounds; i++) {
    const given = `Latency${i}`;
    // Writes land anywhere within a second, as real ones do (write_date has one-second precision).
    await sleep(Math.random() * 1000);
    const writtenAt = Date.now();
    await stack.odoo.write('res.partner', [id], { given_name: given });
    const got = await receiver.waitFor(
      '/spmis/registry/notify',
      (c) => c.body?.message?.notify_event?.[0]?.data?.reg_records?.demographic_info?.name?.given_name === given,
      30_000,
    );
    samples.push(got.receivedAt - writtenAt);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  t.equal(samples.length, rounds);
  t.ok(
    notifies().every((c) => c.signatureValid),
    'every notify verified',
  );
  figures(
    t,
    `Odoo write -> DCI notify over ${rounds} direct writes (${stack.sim ? 'simulator' : 'real Odoo'}${redis ? ', Redis' : ', memory'}, syncSettleMs 1000, poll 100 ms): median ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms`,
  );
});

t.test('a subscriber that is down delays no other, and gets its notify once back', async (t) => {
  const otherBearer = await token(OTHER, OTHER_SECRET);
  const surnameLatency = `${surname}L`;
  const message = subscribeMessage([criteria('updated', surnameIs(surnameLatency))], {}, OTHER);
  t.equal((await post('/registry/subscribe', message, otherBearer)).status, 200);
  const accepted = await otherReceiver.waitFor('/other/callback/on-subscribe', (c) => c.body?.message?.transaction_id === message.message.transaction_id);
  t.equal(accepted.body.header.status, 'succ');
  const [row] = await stack.odoo.search('res.partner', [['family_name', '=', surnameLatency]]);
  await otherReceiver.stop();
  const writtenAt = Date.now();
  await stack.odoo.write('res.partner', [row!], { given_name: 'WhileOtherDown' });
  const wanted = (c: ReceivedCallback) => c.body?.message?.notify_event?.[0]?.data?.reg_records?.demographic_info?.name?.given_name === 'WhileOtherDown';
  const prompt = await receiver.waitFor('/spmis/registry/notify', wanted, 30_000);
  t.ok(prompt.signatureValid, 'the subscriber that is up got its notify');
  await sleep(800);
  t.notOk(otherReceiver.received.some(wanted), 'nothing reached the one that is down');
  await otherReceiver.start();
  const late = await otherReceiver.waitFor('/other/registry/notify', wanted, 30_000);
  t.ok(late.signatureValid, 'delivered, signed, once it was back');
  figures(
    t,
    `one subscriber down: the other notified ${prompt.receivedAt - writtenAt} ms after the Odoo write; the down one ${late.receivedAt - writtenAt} ms after it (retried with backoff)`,
  );
});
