/**
 * The whole DCI exchange as three partners written by others run it, on the simulator or a real
 * Odoo (G2P_E2E_ODOO_*), with the test SP-MIS (sp-mis.ts: no gateway code), each in its own
 * signature form and all at once: OpenSPP's signature string (Ed25519, PEM key), OpenG2P's
 * detached JWS (PS256, keys at its jwksUrl), OpenCRVS's compact JWS (RS256, jwksUrl, every
 * message encrypted). Each gets a token, searches sync, searches async and receives on-search,
 * asks the transaction status sync and async, subscribes, receives a notify after a change made
 * directly in Odoo, unsubscribes: every answer and callback signed in its own form (verified
 * against the keys the gateway publishes), encrypted to the one that encrypts. Figures are
 * printed as `# figures: ...`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { hashSecret } from '../../src/http/auth/secret-hash.js';
import { startGateway, type ListeningGateway } from '../support/gateway.js';
import { startStack, type Stack } from '../support/stack.js';
import { keyPair, SpMis, type ReceivedCallback } from './sp-mis.js';

const REGISTRY = 'partner-test-registry';
/** The standard's sample search request (processflow1-1), its criteria pointed at this run's registrants. */
const SAMPLE = JSON.parse(readFileSync(new URL('./fixtures/standard-search-request.json', import.meta.url), 'utf8')) as {
  message: { search_request: Array<Record<string, any>> };
};
const gatewayKeys = { ed: keyPair('EdDSA'), rsa: keyPair('RS256'), enc: keyPair('RS256'), token: keyPair('EdDSA') };
const partners = [
  new SpMis({ senderId: 'openspp-spmis', form: 'string', algorithm: 'EdDSA' }),
  new SpMis({ senderId: 'openg2p-spmis', form: 'detached-jws', algorithm: 'PS256' }),
  new SpMis({ senderId: 'opencrvs-spmis', form: 'compact-jws', algorithm: 'RS256', encrypt: true }),
];
const secrets = new Map(partners.map((p) => [p.senderId, `secret-${randomUUID()}`]));
const figures = (t: Test, text: string) => t.comment(`figures: ${text}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stack: Stack;
let gateway: ListeningGateway;
let surname: string;
let watched = 0;
let createdAt = 0;

t.before(async () => {
  for (const partner of partners) await partner.start();
  stack = await startStack(t, { protocol: 'jsonrpc', households: 2 });
  t.teardown(async () => {
    const mine = await stack.odoo.search('res.partner', [['name', 'ilike', stack.runTag]], { context: { active_test: false } });
    if (mine.length) await stack.odoo.write('res.partner', mine, { active: false });
  });
  surname = `Partner${stack.runTag}`;
  // Made before the gateway starts: the write below is an update of a registrant it already knows.
  createdAt = Date.now();
  watched = await stack.odoo.create('res.partner', {
    name: `${surname}, Neema`,
    given_name: 'Neema',
    family_name: surname,
    is_registrant: true,
    is_group: false,
  });
  const clients = Object.fromEntries(
    await Promise.all(
      partners.map(async (p) => [p.senderId, { secretHash: await hashSecret(secrets.get(p.senderId)!), roles: ['Rest API GET'], senderId: p.senderId }]),
    ),
  );
  const [openspp, openg2p, opencrvs] = partners as [SpMis, SpMis, SpMis];
  gateway = await startGateway(t, {
    odoo: stack.target,
    protocol: 'jsonrpc',
    listen: true,
    config: {
      api: { syncSettleMs: 1000 },
      events: { enabled: true, pollIntervalMs: 100, leaseMs: 1_500, delivery: { attempts: 6, retryBaseMs: 50, retryMaxMs: 500, timeoutMs: 2_000 } },
      dci: {
        registryId: REGISTRY,
        signingKey: gatewayKeys.ed.privatePem,
        keyId: 'gw-ed',
        additionalSigningKeys: { 'gw-rsa': gatewayKeys.rsa.privatePem },
        decryptionKey: gatewayKeys.enc.privatePem,
        decryptionKeyId: 'gw-enc',
        senders: {
          [openspp.senderId]: { publicKeys: { [openspp.keyId]: openspp.signing.publicPem }, callbackUrl: openspp.callbackUrl },
          [openg2p.senderId]: { jwksUrl: openg2p.jwksUrl, answerKeyId: 'gw-rsa', callbackUrl: openg2p.callbackUrl },
          [opencrvs.senderId]: { jwksUrl: opencrvs.jwksUrl, answerKeyId: 'gw-rsa', encryption: 'required', callbackUrl: opencrvs.callbackUrl },
        },
        async: { retryBaseMs: 100, retryMaxMs: 400, deliveryAttempts: 4, deliveryTimeoutMs: 2000 },
      },
      auth: { clientCredentials: { clients, signingKeys: [{ kid: 'tok-partner', privateKey: gatewayKeys.token.privatePem }] } },
    },
  });
  for (let i = 0; !gateway.app.changeDetector?.leading; i++) {
    if (i > 200) throw new Error('the detector never took the lease');
    await sleep(25);
  }
  for (const partner of partners) await partner.trust(`${gateway.origin}/.well-known/jwks.json`);
});

t.teardown(async () => {
  for (const partner of partners) await partner.stop();
});

async function token(partner: SpMis): Promise<string> {
  const response = await fetch(`${gateway.origin}/oauth2/client/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: partner.senderId, client_secret: secrets.get(partner.senderId)! }).toString(),
  });
  const body = (await response.json()) as { access_token: string };
  if (response.status !== 200) throw new Error(`token: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function post(path: string, body: unknown, bearer: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gateway.origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const searchMessage = () => ({
  transaction_id: `txn-${randomUUID()}`,
  search_request: SAMPLE.message.search_request.map((item) => ({
    ...item,
    reference_id: `ref-${randomUUID()}`,
    timestamp: new Date().toISOString(),
    search_criteria: {
      ...item.search_criteria,
      response_entity: 'Member',
      query: { type: 'ns:org:QueryType:NoSql', value: { expression: { collection: 'Member', query: { family_name: { $eq: surname } } } } },
      sort: [],
    },
  })),
});

const statusMessage = (txnType: string, attributeType: string, value: unknown) => ({
  transaction_id: `txn-${randomUUID()}`,
  txnstatus_request: { reference_id: `ref-${randomUUID()}`, txn_type: txnType, attribute_type: attributeType, attribute_value: value },
});

/** Checks a message from the gateway is signed in the partner's own form and (for the one that encrypts) encrypted. */
function inItsForm(t: Test, partner: SpMis, received: Pick<ReceivedCallback, 'form' | 'algorithm' | 'signatureValid' | 'encrypted'>, what: string) {
  t.same(
    [received.form, received.algorithm, received.signatureValid, received.encrypted],
    [partner.options.form, partner.options.algorithm, true, partner.options.encrypt === true],
    `${partner.senderId}: ${what} signed ${partner.options.form} ${partner.options.algorithm}${partner.options.encrypt ? ', encrypted' : ''}`,
  );
}

interface Timings {
  token: number;
  ack: number;
  callback: number;
}
const subscriptionCodes = new Map<string, string>();
const timings = new Map<string, Timings>();

/** Token, sync search, async search -> on-search, status sync and async, subscribe -> on-subscribe. */
async function exchange(t: Test, partner: SpMis): Promise<void> {
  const at = (path: string) => `${partner.callbackUrl}/callback/${path}`;
  const callbackPath = (path: string) => new URL(at(path)).pathname;
  let started = Date.now();
  const bearer = await token(partner);
  const tokenMs = Date.now() - started;

  const sync = await post('/registry/sync/search', await partner.envelope('search', searchMessage()), bearer);
  t.equal(sync.status, 200, `${partner.senderId}: sync search`);
  const syncAnswer = await partner.open(sync.body);
  inItsForm(t, partner, syncAnswer, 'sync answer');
  t.equal(
    syncAnswer.message.search_response?.[0]?.data?.reg_records?.[0]?.demographic_info?.name?.surname,
    surname,
    `${partner.senderId}: found the registrant`,
  );

  const asyncSearch = await partner.envelope('search', searchMessage(), { sender_uri: at('on-search') });
  started = Date.now();
  const ack = await post('/registry/search', asyncSearch, bearer);
  const ackMs = Date.now() - started;
  t.equal(ack.body.message?.ack_status, 'ACK', `${partner.senderId}: async search acknowledged`);
  const onSearch = await partner.waitFor(callbackPath('on-search'), (c) => c.message?.correlation_id === ack.body.message.correlation_id);
  const callbackMs = onSearch.receivedAt - started;
  inItsForm(t, partner, onSearch, 'on-search');
  t.equal(
    onSearch.message.search_response?.[0]?.data?.reg_records?.[0]?.demographic_info?.name?.surname,
    surname,
    `${partner.senderId}: on-search carries the registrant`,
  );

  const transactionId = (asyncSearch.message as { transaction_id: string } | undefined)?.transaction_id ?? '';
  const searchTxn = partner.options.encrypt ? onSearch.message.transaction_id : transactionId;
  const status = await post('/registry/sync/txn/status', await partner.envelope('txn-status', statusMessage('search', 'transaction_id', searchTxn)), bearer);
  const statusAnswer = await partner.open(status.body);
  inItsForm(t, partner, statusAnswer, 'sync status');
  t.equal(statusAnswer.message.txnstatus_response?.txn_status?.search_response?.[0]?.status, 'succ', `${partner.senderId}: status of its search`);
  const statusAck = await post(
    '/registry/txn/status',
    await partner.envelope('txn-status', statusMessage('search', 'correlation_id', ack.body.message.correlation_id), { sender_uri: at('txn/on-status') }),
    bearer,
  );
  const onStatus = await partner.waitFor(callbackPath('txn/on-status'), (c) => c.message?.correlation_id === statusAck.body.message?.correlation_id);
  inItsForm(t, partner, onStatus, 'txn/on-status');

  const subscribeTxn = `txn-${randomUUID()}`;
  const subscribe = await partner.envelope(
    'subscribe',
    {
      transaction_id: subscribeTxn,
      subscribe_request: [
        {
          reference_id: `ref-${randomUUID()}`,
          timestamp: new Date().toISOString(),
          subscribe_criteria: {
            version: '1.0.0',
            reg_event_type: 'updated',
            filter_type: 'predicate',
            filter: [{ seq_num: 1, expression1: { attribute_name: 'surname', operator: 'eq', attribute_value: surname } }],
            notify_record_type: 'Member',
          },
        },
      ],
    },
    { sender_uri: at('on-subscribe') },
  );
  const subscribed = await post('/registry/subscribe', subscribe, bearer);
  t.equal(subscribed.body.message?.ack_status, 'ACK', `${partner.senderId}: subscribe acknowledged`);
  const onSubscribe = await partner.waitFor(callbackPath('on-subscribe'), (c) => c.message?.transaction_id === subscribeTxn);
  inItsForm(t, partner, onSubscribe, 'on-subscribe');
  const code = onSubscribe.message.subscribe_response?.[0]?.subscriptions?.[0]?.code;
  t.ok(code, `${partner.senderId}: subscribed`);
  subscriptionCodes.set(partner.senderId, code);
  timings.set(partner.senderId, { token: tokenMs, ack: ackMs, callback: callbackMs });
}

t.test('three partners, three signature forms, one registry: the whole exchange', async (t) => {
  await Promise.all(partners.map((partner) => t.test(partner.senderId, (t) => exchange(t, partner))));
  const backend = stack.sim ? 'simulator' : 'real Odoo';
  for (const [sender, { token, ack, callback }] of timings)
    figures(t, `${sender}: token ${token} ms, async search ACK ${ack} ms, on-search callback ${callback} ms after sending (${backend})`);

  // A change within about syncSettleMs of the creation is part of the registration (announced as
  // `registered`, not `updated`: see the README); then written directly in Odoo, not through the gateway.
  await sleep(Math.max(0, createdAt + 3_000 - Date.now()));
  const writtenAt = Date.now();
  await stack.odoo.write('res.partner', [watched], { given_name: 'NeemaChanged' });
  for (const partner of partners) {
    const notify = await partner.waitFor(
      new URL(`${partner.callbackUrl}/registry/notify`).pathname,
      (c) => c.message?.notify_event?.[0]?.data?.reg_records?.demographic_info?.name?.given_name === 'NeemaChanged',
      30_000,
    );
    inItsForm(t, partner, notify, 'notify');
    figures(t, `${partner.senderId}: Odoo write -> notify ${notify.receivedAt - writtenAt} ms (${backend})`);
  }

  for (const partner of partners) {
    const bearer = await token(partner);
    const unsubscribeTxn = `txn-${randomUUID()}`;
    const sent = await partner.envelope(
      'unsubscribe',
      { transaction_id: unsubscribeTxn, timestamp: new Date().toISOString(), subscription_codes: [subscriptionCodes.get(partner.senderId)] },
      { sender_uri: `${partner.callbackUrl}/callback/on-unsubscribe` },
    );
    const ack = await post('/registry/unsubscribe', sent, bearer);
    t.equal(ack.body.message?.ack_status, 'ACK', `${partner.senderId}: unsubscribe acknowledged`);
    const onUnsubscribe = await partner.waitFor(
      new URL(`${partner.callbackUrl}/callback/on-unsubscribe`).pathname,
      (c) => c.message?.transaction_id === unsubscribeTxn,
    );
    inItsForm(t, partner, onUnsubscribe, 'on-unsubscribe');
    t.match(
      onUnsubscribe.message.subscription_status,
      [{ code: subscriptionCodes.get(partner.senderId), status: 'unsubscribe' }],
      `${partner.senderId}: unsubscribed`,
    );
  }
});
