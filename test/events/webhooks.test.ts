/**
 * Registry changes pushed to webhooks, on the simulator or a real Odoo (G2P_E2E_ODOO_*): the
 * gateway's change detector follows Odoo's write_date feed, so a change made directly in Odoo
 * (an RPC write as the administrator, not through the gateway) reaches the receivers too.
 * Receivers verify signatures with the Standard Webhooks library and parse with the
 * CloudEvents SDK (test/events/receiver.ts). Figures are printed as `# figures: ...`.
 */
import t, { type Test } from 'tap';
import { startReceiver, type Receiver } from './receiver.js';
import { startStack, type Stack } from '../support/stack.js';

const figures = (t: Test, text: string) => t.comment(`figures: ${text}`);
const SECRET_ALL = 'all-events-secret-0123456789abcdef';
const SECRET_IDS = 'whsec_' + Buffer.from('ids-only-secret-0123456789abcdef').toString('base64');

async function request(stack: Stack, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

t.test('webhooks fed by the change detector', async (t) => {
  const all = await startReceiver(SECRET_ALL, '/all');
  const idsOnly = await startReceiver(SECRET_IDS, '/ids');
  const viaApi = await startReceiver(SECRET_ALL, '/integrator/hooks');
  const target = new URL(viaApi.url);
  t.teardown(async () => {
    await Promise.all([all.close(), idsOnly.close(), viaApi.close()]);
  });
  const stack = await startStack(t, {
    protocol: 'jsonrpc',
    households: 3,
    api: { syncSettleMs: 1000 },
    events: {
      enabled: true,
      pollIntervalMs: 100,
      leaseMs: 2_000,
      delivery: { attempts: 8, retryBaseMs: 50, retryMaxMs: 800, timeoutMs: 2_000 },
      webhooks: {
        subscriptions: [
          { id: 'all', url: all.url, secret: SECRET_ALL },
          { id: 'updates-ids', url: idsOnly.url, secret: SECRET_IDS, types: ['individual.updated'], payload: 'ids' },
        ],
        allowedTargets: [`${target.origin}/integrator`],
      },
    },
  });
  const writer = stack.token('writer');
  // The integrator managing webhooks: dead letters are registrant data, so reading them needs
  // "Rest API GET" too, and a webhook is only visible to the token subject/client that created it (issue 26).
  const operator = stack.token('reader', 'writer');
  const reader = stack.token('reader');
  const tag = stack.runTag;
  for (let i = 0; !stack.app.changeDetector?.leading; i++) {
    if (i > 100) throw new Error('the detector never took the lease');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const about = (subject: string, type?: string) => (event: { subject?: string; type: string }) =>
    event.subject === subject && (type === undefined || event.type === `org.openg2p.registry.${type}`);
  const newIndividual = async (given: string) => {
    const created = await request(stack, writer, 'POST', '/individuals', { given_name: given, family_name: tag });
    if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body.id as number;
  };

  t.test('registered through the gateway, then changed directly in Odoo: both reach the receivers, signed', async (t) => {
    const id = await newIndividual('Pushed');
    const [registered] = await all.waitFor(about(`individuals/${id}`, 'individual.registered'));
    t.match(registered!.event, {
      specversion: '1.0',
      source: /^urn:g2p-gateway:/,
      datacontenttype: 'application/json',
      data: { id, given_name: 'Pushed', family_name: tag },
    });
    const writtenAt = Date.now();
    await stack.odoo.write('res.partner', [id], { given_name: 'ChangedInOdoo' });
    const [updated] = await all.waitFor((e) => about(`individuals/${id}`, 'individual.updated')(e) && e.data?.given_name === 'ChangedInOdoo');
    t.ok(updated, 'the RPC write reached the webhook with the record as it is now');
    const [idsEvent] = await idsOnly.waitFor(about(`individuals/${id}`, 'individual.updated'));
    t.same(idsEvent!.event.data, { id }, 'payload "ids": only the id');
    t.notOk(
      idsOnly.events.some((r) => r.event.type !== 'org.openg2p.registry.individual.updated'),
      'a filtered subscription gets only its types',
    );
    t.equal(all.forged + idsOnly.forged, 0, 'every signature verified by the Standard Webhooks library');
    t.equal(all.malformed + idsOnly.malformed, 0, 'every payload a valid CloudEvent 1.0');
    figures(t, `direct Odoo write -> webhook in ${updated!.at - writtenAt} ms`);
  });

  t.test('archive, group and membership events', async (t) => {
    const member = await newIndividual('Member');
    const group = await request(stack, writer, 'POST', '/groups', { name: `Household ${tag}`, kind: stack.reference.groupKind });
    t.equal(group.status, 201);
    await all.waitFor(about(`groups/${group.body.id}`, 'group.registered'));
    const added = await request(stack, writer, 'POST', `/groups/${group.body.id}/members`, { individual: member, kinds: [stack.reference.headKind] });
    t.equal(added.status, 201);
    const [addedEvent] = await all.waitFor(about(`memberships/${added.body.id}`, 'membership.added'));
    t.match(addedEvent!.event.data, { group: { id: group.body.id }, individual: { id: member }, is_ended: false });
    t.equal((await request(stack, writer, 'DELETE', `/groups/${group.body.id}/members/${added.body.id}`)).status, 204);
    await all.waitFor(about(`memberships/${added.body.id}`, 'membership.ended'));
    t.equal((await request(stack, writer, 'DELETE', `/individuals/${member}`)).status, 204);
    const [archived] = await all.waitFor(about(`individuals/${member}`, 'individual.archived'));
    t.equal(archived!.event.data?.active, false);
    const order = all.events.filter((r) => r.event.subject === `individuals/${member}`).map((r) => r.event.type.split('.').pop());
    t.same(order, ['registered', 'archived'], "a record's events arrive in the order they happened");
  });

  t.test('webhooks API: roles, refusals, creation, delivery with the returned secret', async (t) => {
    t.equal((await request(stack, reader, 'GET', '/webhooks')).status, 403, '"Rest API GET" alone cannot see webhooks');
    t.equal((await request(stack, reader, 'POST', '/webhooks', { url: viaApi.url })).status, 403, 'nor create one');
    const badType = await request(stack, operator, 'POST', '/webhooks', { url: viaApi.url, types: ['individual.teleported'] });
    t.equal(badType.status, 400, 'unknown event type: 400');
    t.match(badType.body, { errors: [{ field: /types/ }] });
    const outside = await request(stack, operator, 'POST', '/webhooks', { url: `${target.origin}/elsewhere` });
    t.equal(outside.status, 400, 'a URL outside the allowed targets: 400');
    t.match(outside.body, { errors: [{ field: 'body.url' }] });
    const otherHost = await request(stack, operator, 'POST', '/webhooks', { url: 'http://169.254.169.254/integrator/hooks' });
    t.equal(otherHost.status, 400, 'another host: 400');
    const notUrl = await request(stack, operator, 'POST', '/webhooks', { url: 'not a url' });
    t.equal(notUrl.status, 400, 'not a URL: 400');
    const created = await request(stack, operator, 'POST', '/webhooks', { url: viaApi.url, types: ['individual.registered', 'individual.updated'] });
    t.equal(created.status, 201);
    t.match(created.body, { id: /^[0-9a-f-]{36}$/, url: viaApi.url, declared_in: 'api', payload: 'full', secret: /^whsec_/ });
    viaApi.setSecret(created.body.secret);
    const listed = await request(stack, operator, 'GET', '/webhooks');
    t.same(
      listed.body.items.map((w: { id: string }) => w.id),
      ['all', 'updates-ids', created.body.id],
    );
    t.notOk(JSON.stringify(listed.body).includes(SECRET_ALL) || JSON.stringify(listed.body).includes(created.body.secret), 'secrets are never listed');
    const id = await newIndividual('ViaApi');
    await viaApi.waitFor(about(`individuals/${id}`, 'individual.registered'));
    t.equal(viaApi.forged, 0, 'verified with the secret the API returned');
    t.equal((await request(stack, operator, 'DELETE', '/webhooks/all')).status, 409, 'a YAML webhook cannot be deleted through the API');
    t.equal((await request(stack, operator, 'GET', '/webhooks/nope')).status, 404);
  });

  t.test('a receiver down for a while gets every event after it returns; the others are not held up', async (t) => {
    viaApi.setDown(true);
    const before = viaApi.events.length;
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(await newIndividual(`WhileDown${i}`));
    await all.waitFor((e) => ids.some((id) => about(`individuals/${id}`, 'individual.registered')(e)), ids.length);
    t.equal(viaApi.events.length, before, 'nothing reached the receiver while down');
    const downFor = 1_500;
    await new Promise((resolve) => setTimeout(resolve, downFor));
    const refused = viaApi.refused;
    t.ok(refused > 0, `deliveries were tried and refused (${refused})`);
    viaApi.setDown(false);
    const back = Date.now();
    const got = await viaApi.waitFor((e) => ids.some((id) => about(`individuals/${id}`, 'individual.registered')(e)), ids.length);
    t.same(
      got.map((r) => r.event.subject),
      ids.map((id) => `individuals/${id}`),
      'every event, in order',
    );
    figures(
      t,
      `receiver down ${downFor} ms with ${ids.length} events pending (${refused} attempts refused) -> all ${got.length} delivered ${got.at(-1)!.at - back} ms after it returned; the "all" receiver had them meanwhile`,
    );
  });

  t.test('dead letters: listed, replayed, delivered', async (t) => {
    viaApi.setDown(true);
    const id = await newIndividual('DeadLetter');
    const hookId = (await request(stack, operator, 'GET', '/webhooks')).body.items.find((w: { declared_in: string }) => w.declared_in === 'api').id;
    let letters: Array<{ id: string; subject: string; attempts: number; last_error: string }> = [];
    for (let i = 0; i < 200 && !letters.some((l) => l.subject === `individuals/${id}`); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      letters = (await request(stack, operator, 'GET', `/webhooks/${hookId}/dead-letters`)).body.items;
    }
    const letter = letters.find((l) => l.subject === `individuals/${id}`);
    t.match(letter, { attempts: 8, last_error: 'HTTP 503' }, 'after every attempt the event is dead-lettered');
    t.equal(
      (await request(stack, writer, 'GET', `/webhooks/${hookId}/dead-letters`)).status,
      403,
      'dead letters are registrant data: they need "Rest API GET"',
    );
    t.equal((await request(stack, reader, 'GET', `/webhooks/${hookId}/dead-letters`)).status, 404, "and only the webhook's creator sees them");
    t.equal((await request(stack, operator, 'POST', `/webhooks/${hookId}/dead-letters/replay`, { ids: ['unknown'] })).status, 404);
    viaApi.setDown(false);
    const replay = await request(stack, operator, 'POST', `/webhooks/${hookId}/dead-letters/replay`, {});
    t.equal(replay.status, 202);
    t.ok(replay.body.replaying >= 1);
    await viaApi.waitFor(about(`individuals/${id}`, 'individual.registered'));
    for (let i = 0; i < 100; i++) {
      letters = (await request(stack, operator, 'GET', `/webhooks/${hookId}/dead-letters`)).body.items;
      if (letters.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    t.same(letters, [], 'a replayed letter that went through leaves the list');
    t.equal((await request(stack, operator, 'DELETE', `/webhooks/${hookId}`)).status, 204);
    t.equal((await request(stack, operator, 'GET', `/webhooks/${hookId}`)).status, 404);
  });

  t.test('time from an Odoo write to delivery', async (t) => {
    const id = await newIndividual('Latency');
    await all.waitFor(about(`individuals/${id}`, 'individual.registered'));
    const samples: number[] = [];
    const rounds = 20;
    for (let i = 0; i < rounds; i++) {
      const given = `Latency${i}`;
      // Writes land anywhere within a second, as real ones do (write_date has one-second precision).
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
      const writtenAt = Date.now();
      await stack.odoo.write('res.partner', [id], { given_name: given });
      const [got] = await all.waitFor((e) => about(`individuals/${id}`, 'individual.updated')(e) && e.data?.given_name === given);
      samples.push(got!.at - writtenAt);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    t.equal(samples.length, rounds);
    figures(
      t,
      `Odoo write -> webhook delivery over ${rounds} direct writes (${stack.sim ? 'simulator' : 'real Odoo'}, syncSettleMs 1000, poll 100 ms): median ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms`,
    );
  });

  t.test('metrics: detection, deliveries, dead letters, lag', async (t) => {
    const text = await stack.app.metrics.registry.metrics();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
    t.ok(value(/^g2p_events_detected_total\{type="individual.registered"\} (\d+)/m) >= 1, 'events detected by type');
    t.ok(value(/^g2p_events_detector_polls_total\{outcome="ok"\} (\d+)/m) >= 1, 'polls counted');
    t.ok(value(/^g2p_webhook_deliveries_total\{subscription="all",outcome="delivered"\} (\d+)/m) >= 10, 'deliveries counted per subscription');
    t.ok(value(/^g2p_webhook_deliveries_total\{subscription="[0-9a-f-]{36}",outcome="dead_lettered"\} (\d+)/m) >= 1, 'dead letters counted');
    t.ok(value(/^g2p_webhook_delivery_lag_seconds_count\{subscription="all"\} (\d+)/m) >= 10, 'write-to-delivery lag observed');
    t.match(text, /^g2p_webhook_queue_lag_seconds\{subscription="all"\} /m, 'queue lag per subscription');
  });

  t.test('receivers saw no forgery, no malformed event', async (t) => {
    for (const receiver of [all, idsOnly, viaApi] as Receiver[]) t.same([receiver.forged, receiver.malformed], [0, 0]);
  });
});
