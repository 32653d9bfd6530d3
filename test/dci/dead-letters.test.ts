/**
 * Dead letters of async DCI work, through the administrators' REST routes, on both backends of
 * the outbound engine's job pool (in memory, and BullMQ on a real redis-server): a callback
 * given up after its last attempt is listed without its content (who, what, which attempt
 * failed how), filtered by sender, replayed (one more attempt, signed afresh, with the
 * message_id it always had, recorded on its transaction; one failing again is listed again) and
 * discarded. Only administrators, with the API roles each route needs; RFC 9457 refusals.
 * The callbacks' receiver is the standard's client stand-in (no gateway code).
 */
import t from 'tap';
import { startGateway, type ListeningGateway } from '../support/gateway.js';
import type { OdooTarget } from '../support/odoo-target.js';
import { authHeaders, testToken } from '../support/tokens.js';
import { DciClientStandIn } from './client-stand-in.js';
import { ed25519Pair, expression, message, queueBackends, searchStatus, startSim } from './harness.js';
import { requestProblems } from './standard-schemas.js';

const SENDER = 'dl-spmis';
const OTHER = 'dl-other';
const ADMIN_ROLE = 'registry-admin';
const PATH = '/api/v1/admin/dci/dead-letters';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const admin = testToken('both', { sub: 'ops', realm_access: { roles: ['registry-reader', 'registry-writer', ADMIN_ROLE] } });
const LISTED_MEMBERS = [
  'action',
  'attempts',
  'callback_url',
  'correlation_id',
  'failed_at',
  'id',
  'kind',
  'last_error',
  'message_id',
  'sender_id',
  'transaction_id',
];

let sim: OdooTarget;
const receiver = new DciClientStandIn();
const signingKey = ed25519Pair().privatePem;

t.before(async () => {
  sim = await startSim(10);
  await receiver.start();
});
t.teardown(async () => {
  await receiver.stop();
  await sim?.close();
});

const backends = queueBackends(t, 'dead-letters');

for (const backend of backends) {
  t.test(backend.name, { skip: backend.skip }, async (t) => {
    const redisSettings = await backend.redis();
    // Both senders' callbacks go to the stand-in, which is down until a replay is wanted to succeed.
    await receiver.stop();
    t.teardown(() => receiver.start());
    const gw: ListeningGateway = await startGateway(t, {
      odoo: sim,
      protocol: 'jsonrpc',
      listen: true,
      config: {
        ...(redisSettings ? { redis: redisSettings } : {}),
        dci: {
          signingKey,
          senders: {
            [SENDER]: { requireSignature: false, callbackUrl: `${receiver.origin}/spmis` },
            // Nothing listens there: its callbacks always fail.
            [OTHER]: { requireSignature: false, callbackUrl: 'http://127.0.0.1:9/other' },
          },
          async: { retryBaseMs: 50, retryMaxMs: 100, deliveryAttempts: 2 },
        },
        auth: { administrators: [{ claim: 'realm_access.roles', includes: ADMIN_ROLE }] },
      },
    });
    while (redisSettings && !gw.app.state.connected) await sleep(20);
    const dci = (path: string, body: unknown) => gw.request('POST', path, { body, headers: { 'content-type': 'application/json', ...authHeaders('get') } });
    const asCaller = (method: string, path: string, bearer: string, body?: unknown) =>
      gw.request(method, path, {
        headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body }),
      });
    const deliveryOf = async (correlationId: string): Promise<any> => (await searchStatus(dci, SENDER, correlationId))?.header?.meta?.delivery;
    const lettersOf = async (query = ''): Promise<any[]> => {
      const listed = await asCaller('GET', `${PATH}${query}`, admin);
      t.equal(listed.status, 200, `listed${query}`);
      return listed.body.items;
    };
    const waitForLetters = async (count: number, query = '') => {
      for (let i = 0; i < 300; i++) {
        const items = await lettersOf(query);
        if (items.length >= count) return items;
        await sleep(50);
      }
      throw new Error(`fewer than ${count} dead letters: ${JSON.stringify(await lettersOf(query))}, ${JSON.stringify(await deliveryOf(correlationId))}`);
    };

    const documented = (await gw.request('GET', '/openapi.json')).body;
    t.match(
      documented.paths,
      {
        [PATH]: { get: { tags: ['dci-admin'], parameters: [{ name: 'sender_id', in: 'query' }] } },
        [`${PATH}/replay`]: { post: { tags: ['dci-admin'], responses: { 202: Object, '4XX': Object } } },
        [`${PATH}/{id}`]: { delete: { tags: ['dci-admin'], responses: { 204: Object, '4XX': Object } } },
      },
      "the routes are in /openapi.json with the other administrators' routes",
    );

    // One on-search and one txn/on-status callback, each given up after its two attempts.
    const searchRequest = message([expression('Group', { group_size: { $gt: 0 } })], { sender_id: SENDER });
    const searchAck = await dci('/registry/search', searchRequest);
    t.equal(searchAck.body.message.ack_status, 'ACK');
    const correlationId: string = searchAck.body.message.correlation_id;
    const statusRequest = message([], { action: 'txn-status', sender_id: OTHER, total_count: 1 });
    const statusAck = await dci('/registry/txn/status', {
      header: statusRequest.header,
      message: {
        transaction_id: 'other-status',
        txnstatus_request: { reference_id: 'o-1', txn_type: 'search', attribute_type: 'transaction_id', attribute_value: 'none' },
      },
    });
    t.equal(statusAck.body.message.ack_status, 'ACK');
    const letters = await waitForLetters(2);

    const onSearch = letters.find((letter) => letter.sender_id === SENDER);
    t.match(
      onSearch,
      {
        id: String,
        kind: 'deliver',
        action: 'on-search',
        transaction_id: searchRequest.message.transaction_id,
        correlation_id: correlationId,
        message_id: searchRequest.header.message_id,
        callback_url: `${receiver.origin}/spmis/registry/on-search`,
        attempts: 2,
        last_error: /./,
      },
      'the on-search given up: who, what, its attempts and its last error',
    );
    t.ok(Date.parse(onSearch.failed_at) <= Date.now(), 'when it failed');
    t.match(
      letters.find((letter) => letter.sender_id === OTHER),
      { kind: 'deliver', action: 'txn-on-status', message_id: statusRequest.header.message_id, attempts: 2 },
    );
    t.same(Object.keys(onSearch).sort(), LISTED_MEMBERS, "nothing of the message's content (the registrant records it carries)");
    t.notMatch(JSON.stringify(letters), /search_response|reg_records|group_size/, 'no records, no query');
    t.match(await deliveryOf(correlationId), { state: 'failed', attempts: 2 }, 'its transaction records the failure');
    t.same(
      (await lettersOf(`?sender_id=${OTHER}`)).map((letter) => letter.sender_id),
      [OTHER],
      'filtered by sender',
    );

    for (const [label, bearer] of [
      ['a token with both API roles', testToken('both')],
      ['an administrator without "Rest API GET"', testToken('post', { realm_access: { roles: ['registry-writer', ADMIN_ROLE] } })],
    ] as const) {
      const refused = await asCaller('GET', PATH, bearer);
      t.equal(refused.status, 403, `${label} cannot list them`);
      t.match(refused.contentType, /^application\/problem\+json/);
    }
    const notAdmin = await asCaller('POST', `${PATH}/replay`, testToken('both'), { ids: [onSearch.id] });
    t.equal(notAdmin.status, 403, 'nor replay one');
    t.equal((await asCaller('DELETE', `${PATH}/${onSearch.id}`, testToken('both'))).status, 403, 'nor discard one');
    const getOnly = await asCaller('POST', `${PATH}/replay`, testToken('get', { realm_access: { roles: ['registry-reader', ADMIN_ROLE] } }), {
      ids: [onSearch.id],
    });
    t.equal(getOnly.status, 403, 'replaying needs "Rest API POST"');

    const unknown = await asCaller('POST', `${PATH}/replay`, admin, { ids: [onSearch.id, 'no-such-letter'] });
    t.equal(unknown.status, 404, 'an unknown id: 404');
    t.match(unknown.contentType, /^application\/problem\+json/);
    t.match(unknown.body, { status: 404, detail: /no-such-letter/ });
    const unnamed = await asCaller('POST', `${PATH}/replay`, admin, {});
    t.equal(unnamed.status, 400, 'nothing named: 400');
    t.match(unnamed.contentType, /^application\/problem\+json/);
    t.equal((await asCaller('DELETE', `${PATH}/no-such-letter`, admin)).status, 404);
    t.equal((await lettersOf()).length, 2, 'a refused request changed nothing');

    // The sender's receiver is back: the on-search is replayed and delivered, signed afresh.
    await receiver.start();
    await receiver.trust(`${gw.origin}/.well-known/jwks.json`);
    const replayedAt = Math.floor(Date.now() / 1000);
    const replay = await asCaller('POST', `${PATH}/replay`, admin, { ids: [onSearch.id] });
    t.equal(replay.status, 202);
    t.same(replay.body, { replaying: 1 });
    const callback = await receiver.waitFor('/spmis/registry/on-search', (c) => c.body.message.correlation_id === correlationId);
    t.ok(callback.signatureValid, "signed with the gateway's published key");
    const created = Number(/created="(\d+)"/.exec(callback.body.signature)?.[1]);
    t.ok(created >= replayedAt, `signed when replayed (created ${created}, replayed at ${replayedAt})`);
    t.equal(callback.body.header.message_id, searchRequest.header.message_id, 'with the message_id of every attempt');
    t.equal(callback.body.header.status, 'succ', 'the search answer itself');
    t.same(requestProblems('social', '/registry/on-search', callback.body), []);
    let delivery: any;
    for (let i = 0; i < 100 && delivery?.state !== 'delivered'; i++) {
      await sleep(50);
      delivery = await deliveryOf(correlationId);
    }
    t.match(delivery, { state: 'delivered', attempts: 3 }, 'recorded on its transaction, the replay counted');
    t.same(
      (await lettersOf()).map((letter) => letter.sender_id),
      [OTHER],
      'no longer a dead letter',
    );

    // The other sender's callback URL still refuses connections: replayed, it fails again and is listed again.
    const other = letters.find((letter) => letter.sender_id === OTHER);
    t.same((await asCaller('POST', `${PATH}/replay`, admin, { sender_id: OTHER })).body, { replaying: 1 }, 'every dead letter of a sender');
    let again: any[] = [];
    for (let i = 0; i < 100 && again[0]?.attempts !== 3; i++) {
      await sleep(50);
      again = await lettersOf();
    }
    t.match(again, [{ id: other.id, sender_id: OTHER, attempts: 3 }], 'failing again: listed again, its attempts counted');

    const discarded = await asCaller('DELETE', `${PATH}/${other.id}`, admin);
    t.equal(discarded.status, 204, 'discarded');
    t.equal((await asCaller('DELETE', `${PATH}/${other.id}`, admin)).status, 404, 'a second discard: 404');
    t.same(await lettersOf(), [], 'none left');
    const answered = receiver.received.length;
    await sleep(300);
    t.equal(receiver.received.length, answered, 'nothing discarded is sent');

    // Status requests at once: their callbacks are submitted together (in Redis, carried by one
    // job), yet each given up is a dead letter of its own, replayed or discarded alone.
    await receiver.stop();
    // The receiver outlives a backend's run: only what it received in this one counts.
    const receivedBefore = receiver.received.length;
    const thisRun = (c: (typeof receiver.received)[number]) => receiver.received.indexOf(c) >= receivedBefore;
    const statusRequests = ['at-once-a', 'at-once-b', 'at-once-c'].map((transactionId) => {
      const request = message([], { action: 'txn-status', sender_id: SENDER, total_count: 1 });
      return {
        header: request.header,
        message: {
          transaction_id: transactionId,
          txnstatus_request: { reference_id: transactionId, txn_type: 'search', attribute_type: 'correlation_id', attribute_value: correlationId },
        },
      };
    });
    const acks = await Promise.all(statusRequests.map((body) => dci('/registry/txn/status', body)));
    t.same(
      acks.map((ack) => ack.body.message.ack_status),
      ['ACK', 'ACK', 'ACK'],
    );
    const atOnce = (await waitForLetters(3)).sort((a, b) => a.transaction_id.localeCompare(b.transaction_id));
    t.match(
      atOnce,
      statusRequests.map((request) => ({
        action: 'txn-on-status',
        sender_id: SENDER,
        transaction_id: request.message.transaction_id,
        message_id: request.header.message_id,
        attempts: 2,
      })),
      'each callback given up is listed, with its own transaction, message_id and attempts',
    );
    t.equal(new Set(atOnce.map((letter) => letter.id)).size, 3, 'each by an id of its own');
    await receiver.start();
    const [replayed, dropped, kept] = atOnce;
    t.same((await asCaller('POST', `${PATH}/replay`, admin, { ids: [replayed.id] })).body, { replaying: 1 });
    const onStatus = await receiver.waitFor(
      new URL(replayed.callback_url).pathname,
      (c) => thisRun(c) && c.body?.message?.transaction_id === replayed.transaction_id,
    );
    t.ok(onStatus.signatureValid, 'the replayed one delivered, signed');
    t.equal(onStatus.body.header.message_id, replayed.message_id, 'with the message_id of every attempt');
    t.equal((await asCaller('DELETE', `${PATH}/${dropped.id}`, admin)).status, 204, 'another discarded');
    let left: any[] = [];
    for (let i = 0; i < 100 && left.length !== 1; i++) {
      await sleep(50);
      left = await lettersOf();
    }
    t.match(left, [{ id: kept.id, transaction_id: kept.transaction_id, attempts: 2 }], 'the third still a dead letter, as it was');
    await sleep(300);
    t.same(
      receiver.received.filter((c) => thisRun(c) && statusRequests.some((request) => c.body?.message?.transaction_id === request.message.transaction_id))
        .length,
      1,
      'only the replayed one sent',
    );
  });
}
