/**
 * Field scopes kept with work done later, across a gateway restart on Redis (a real
 * redis-server), on the simulator or the real Odoo with G2P_E2E_ODOO_*: a scoped creator's
 * webhook, a scoped DCI subscription and a scoped async search still queued are made by one
 * gateway, which is then stopped; the gateway started after it on the same Redis sends the
 * webhook payload, the notify and the on-search cut to the scope stored with each, and the
 * Odoo wire shows it asked for nothing outside that scope. The async search is kept queued
 * across the restart by cutting the first gateway off Odoo (a TCP proxy in front of it) once it
 * has acknowledged the search: its attempts fail, and the next gateway runs the job.
 */
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import t from 'tap';
import { parseRolesDocument } from '../../src/config/roles.js';
import { watchGatewayCalls } from '../support/call-shapes.js';
import { collectCallbacks, DETECTOR_FIELDS, PAYMENTS_ODOO_FIELDS, partnerFieldsAsked, ROLES_YAML } from '../support/field-scopes.js';
import { startGateway, startOdoo, type Gateway } from '../support/gateway.js';
import type { OdooTarget } from '../support/odoo-target.js';
import { redisServerMissing, startRedis } from '../support/redis.js';
import { testToken } from '../support/tokens.js';
import { startReceiver } from '../events/receiver.js';

type Json = Record<string, any>;
const skip = redisServerMissing();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SENDER = 'fsr-partner';

const document = parseRolesDocument({ name: 'roles.yaml', text: ROLES_YAML });
const payments = (kind: 'get' | 'both') => testToken(kind, { scope: 'registry:payments', azp: 'fsr-payments' });

/** A TCP proxy in front of Odoo that can be cut: connections refused, open ones dropped. */
async function cuttableProxy(target: string): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let open = true;
  const server = createTcpServer((client) => {
    if (!open) return void client.destroy();
    const upstream = connect(Number(port || 80), hostname);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    sockets.add(client).add(upstream);
    for (const socket of [client, upstream]) socket.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

t.test('scopes stored with webhooks, DCI subscriptions and queued async searches survive a restart on Redis', { skip, timeout: 180_000 }, async (t) => {
  const odoo: OdooTarget = await startOdoo(t, { households: 1, seed: 5 });
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const proxy = await cuttableProxy(odoo.url);
  t.teardown(() => proxy.close());
  const hooks = await startReceiver('replaced-by-the-created-secret');
  t.teardown(() => hooks.close());
  const { bodies: callbacks, url: callbackUrl } = await collectCallbacks(t, '/fsr');

  const keyPrefix = `fsr-${Date.now().toString(36)}:`;
  const start = (url: string): Promise<Gateway> =>
    startGateway(t, {
      odoo: { ...odoo, url },
      config: {
        roles: document.roles,
        fieldScopes: document.fieldScopes,
        redis: { url: redis.url, keyPrefix },
        api: { syncSettleMs: 0 },
        events: { enabled: true, pollIntervalMs: 200, webhooks: { allowedTargets: [hooks.url] } },
        dci: {
          senders: { [SENDER]: { requireSignature: false, callbackUrl } },
          // The first gateway's attempts fail while it is cut off; enough are left for the next one.
          async: { searchAttempts: 10, retryBaseMs: 500, retryMaxMs: 1_000 },
        },
      },
    });
  const until = async (what: string, found: () => boolean | Promise<boolean>, withinMs = 30_000) => {
    const deadline = Date.now() + withinMs;
    while (!(await found())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  };

  const first = await start(proxy.url);
  const store = first.app.services.events!.store;
  // With no settle period the detector starts from the moment of its first poll: a registration
  // committed before that poll is history, not news. Under load that poll can come late (and
  // Redis may not be connected yet: the store then refuses to answer).
  await until('the change detector to start on individuals', async () => (await store.getCursor('individual').catch(() => undefined)) !== undefined);
  const tag = `FSR${Date.now().toString(36)}`;
  const created = await first.request('POST', '/api/v1/individuals', {
    token: testToken('both'),
    body: {
      given_name: 'Restarted',
      family_name: tag,
      birthdate: '1988-08-08',
      reg_ids: [{ id_type: odoo.reference.idType, value: `NID-${tag}` }],
      phone_numbers: [{ phone_no: '+254712000999' }],
      bank_accounts: [{ acc_number: `ACC-${tag}` }],
    },
  });
  t.equal(created.status, 201, created.text);
  const id = created.body.id as number;
  // Its registration is detected before anything is subscribed: the change made after the restart is an update.
  await until('the registration to be detected', async () => (await store.read(undefined, 10_000)).some((entry) => entry.event.recordId === id));

  const webhook = await first.request('POST', '/api/v1/webhooks', {
    token: payments('both'),
    body: { url: hooks.url, payload: 'full', types: ['individual.updated'] },
  });
  t.equal(webhook.status, 201, webhook.text);
  hooks.setSecret(webhook.body.secret);
  const stamp = new Date().toISOString();
  const header = (action: string, n: number) => ({
    version: '1.0.0',
    message_id: `fsr-${action}-${tag}-${n}`,
    message_ts: stamp,
    action,
    sender_id: SENDER,
    receiver_id: 'g2p-social-registry',
    total_count: 1,
    is_msg_encrypted: false,
  });
  const byName = { type: 'ns:org:QueryType:NoSql', value: { expression: { collection: 'Member', query: { name: { $contains: tag } } } } };
  const subscribed = await first.request('POST', '/registry/subscribe', {
    token: payments('get'),
    body: {
      header: header('subscribe', 1),
      message: {
        transaction_id: `fsr-sub-${tag}`,
        subscribe_request: [
          {
            reference_id: 'sub-1',
            timestamp: stamp,
            subscribe_criteria: { version: '1.0.0', reg_event_type: 'updated', filter_type: 'expression', filter: byName, notify_record_type: 'Member' },
          },
        ],
      },
    },
  });
  t.equal(subscribed.body?.message?.ack_status, 'ACK', subscribed.text);
  await until('on-subscribe', () =>
    callbacks.some((c) => c.message?.transaction_id === `fsr-sub-${tag}` && c.message?.subscribe_response?.[0]?.status === 'succ'),
  );

  // Cut off from Odoo, the first gateway still acknowledges an async search; it cannot run it.
  proxy.cut();
  const searchTxn = `fsr-search-${tag}`;
  const ack = await first.request('POST', '/registry/search', {
    token: payments('get'),
    body: {
      header: header('search', 1),
      message: {
        transaction_id: searchTxn,
        search_request: [
          {
            reference_id: 'ref-1',
            timestamp: stamp,
            search_criteria: { version: '1.0.0', query_type: 'expression', response_entity: 'Member', query: byName },
          },
        ],
      },
    },
  });
  t.equal(ack.body?.message?.ack_status, 'ACK', ack.text);
  await sleep(700);
  await first.close();
  t.notOk(
    callbacks.some((c) => c.message?.transaction_id === searchTxn),
    'the first gateway never answered the search',
  );

  const calls = watchGatewayCalls();
  t.teardown(() => calls.stop());
  const second = await start(odoo.url);
  // Until the new gateway answers with Redis connected (right after start it may still be connecting: 503).
  let shown = await second.request('GET', `/api/v1/webhooks/${webhook.body.id}`, { token: payments('both') });
  await until('the restarted gateway to answer for the webhook', async () => {
    if (shown.status === 200) return true;
    shown = await second.request('GET', `/api/v1/webhooks/${webhook.body.id}`, { token: payments('both') });
    return shown.status === 200;
  });
  t.same(shown.body.field_scopes, ['payments'], `the webhook still carries its scope: ${shown.text}`);

  await until('the async search to be answered', () => callbacks.some((c) => c.message?.transaction_id === searchTxn), 60_000);
  const answer = callbacks.find((c) => c.message?.transaction_id === searchTxn)!;
  const item = answer.message.search_response[0] as Json;
  t.equal(item.status, 'succ', JSON.stringify(item));
  const record = (item.data.reg_records as Json[]).find((r) => r['@id'] === `urn:openg2p:registrant:${id}`);
  t.ok(record, 'the queued search ran on the gateway started after the restart');
  t.same(Object.keys(record!).sort(), ['@id', '@type', 'demographic_info'], 'cut to the scope stored with the job');
  t.same(Object.keys(record!.demographic_info).sort(), ['@type', 'name']);

  await until('the second gateway to lead the change detector', () => second.app.changeDetector?.leading === true);
  await odoo.admin.write('res.partner', [id], { email: `restarted-${tag}@example.org` });
  const [updated] = await hooks.waitFor((e) => e.subject === `individuals/${id}` && e.type.endsWith('.individual.updated'), 1, 60_000);
  t.same(Object.keys(updated!.event.data!).sort(), ['bank_accounts', 'id', 'name', 'phone_numbers'], 'the webhook payload: the scope stored with the webhook');
  t.notMatch(JSON.stringify(updated!.event.data), /1988-08-08|NID-|restarted-/, 'no birthdate, ID or e-mail');
  await until('the notify', () => callbacks.some((c) => c.message?.notify_event?.[0]?.data?.reg_records?.['@id'] === `urn:openg2p:registrant:${id}`), 60_000);
  const notified = callbacks.find((c) => c.message?.notify_event?.[0]?.data?.reg_records?.['@id'] === `urn:openg2p:registrant:${id}`)!;
  const person = notified.message.notify_event[0].data.reg_records as Json;
  t.same(Object.keys(person).sort(), ['@id', '@type', 'demographic_info'], 'the notify: the scope stored with the subscription');
  t.same(Object.keys(person.demographic_info).sort(), ['@type', 'name']);

  const asked = partnerFieldsAsked(calls.calls());
  t.ok(asked.has('name'), 'the records were read from Odoo by the second gateway');
  t.same(
    [...asked].filter((field) => !PAYMENTS_ODOO_FIELDS(field) && !DETECTOR_FIELDS.includes(field)),
    [],
    'after the restart, nothing outside the stored scope was asked of Odoo (the detector reads dates and the archived flag)',
  );
});
