/**
 * Finding 2 of the adversarial probe (issue 26): a caller with only "Rest API POST" read
 * registrant data from dead letters and removed webhooks other integrations had created.
 * Now dead letters need "Rest API GET"; webhooks created through the API belong to their
 * creator (token client id or subject): others get 404, as for an id that does not exist;
 * tokens matching `auth.administrators` manage all of them.
 *
 * Before: the write-only token got 200 with the dead letters; another client listed the
 * webhook and deleted it (204).
 */
import t from 'tap';
import { startGateway, startOdoo } from '../support/gateway.js';
import { testToken } from '../support/tokens.js';

const BASE = '/api/v1/webhooks';

t.test('webhooks belong to their creator; dead letters need Rest API GET; administrators manage all', async (t) => {
  const odoo = await startOdoo(t, { households: 2 });
  const gw = await startGateway(t, {
    odoo,
    config: {
      auth: { administrators: [{ claim: 'realm_access.roles', includes: 'webhook-admin' }] },
      events: {
        enabled: true,
        pollIntervalMs: 60_000,
        webhooks: {
          subscriptions: [{ id: 'declared', url: 'http://127.0.0.1:9/declared', secret: 'a-declared-webhook-secret-0123456789' }],
          allowedTargets: ['http://127.0.0.1:9/hooks'],
        },
      },
    },
  });
  const clientA = testToken('both', { sub: 'svc-a', azp: 'integration-a' });
  const clientAWriteOnly = testToken('post', { sub: 'svc-a2', azp: 'integration-a' });
  const clientB = testToken('both', { sub: 'svc-b', azp: 'integration-b' });
  const writeOnlyC = testToken('post', { sub: 'svc-c', azp: 'integration-c' });
  const admin = testToken('both', { sub: 'ops', azp: 'ops-console', realm_access: { roles: ['registry-reader', 'registry-writer', 'webhook-admin'] } });

  const created = await gw.request('POST', BASE, { token: clientA, body: { url: 'http://127.0.0.1:9/hooks/a' } });
  t.equal(created.status, 201, created.text);
  const id = created.body.id as string;
  const ofC = await gw.request('POST', BASE, { token: writeOnlyC, body: { url: 'http://127.0.0.1:9/hooks/c' } });
  t.equal(ofC.status, 201);

  const listed = async (token: string) => ((await gw.request('GET', BASE, { token })).body.items as Array<{ id: string }>).map((w) => w.id);
  t.same((await listed(clientA)).sort(), ['declared', id].sort(), 'the creator sees its webhook (and the declared ones)');
  t.same(await listed(clientB), ['declared'], 'another client does not see it');
  t.same((await listed(admin)).sort(), ['declared', id, ofC.body.id].sort(), 'an administrator sees all');
  t.ok((await listed(clientAWriteOnly)).includes(id), 'another token of the same client owns it too');

  for (const [method, path] of [
    ['GET', `${BASE}/${id}`],
    ['DELETE', `${BASE}/${id}`],
    ['GET', `${BASE}/${id}/dead-letters`],
    ['POST', `${BASE}/${id}/dead-letters/replay`],
  ] as const) {
    const answer = await gw.request(method, path, { token: clientB, ...(method === 'POST' ? { body: {} } : {}) });
    t.equal(answer.status, 404, `${method} ${path} by another client: 404`);
  }

  const deadLettersWriteOnly = await gw.request('GET', `${BASE}/${ofC.body.id}/dead-letters`, { token: writeOnlyC });
  t.equal(deadLettersWriteOnly.status, 403, 'dead letters carry registrant data: a write-only token is refused, even for its own webhook');
  t.equal(deadLettersWriteOnly.body.missing_role, 'Rest API GET');
  t.equal((await gw.request('GET', `${BASE}/${id}/dead-letters`, { token: clientA })).status, 200, 'the creator with GET reads them');
  t.equal(
    (await gw.request('GET', `${BASE}/declared/dead-letters`, { token: clientA })).status,
    404,
    'dead letters of a declared webhook: administrators only',
  );
  t.equal((await gw.request('GET', `${BASE}/declared/dead-letters`, { token: admin })).status, 200);

  t.equal((await gw.request('DELETE', `${BASE}/${id}`, { token: clientB })).status, 404);
  t.ok((await listed(clientA)).includes(id), 'still there after the other client tried');
  t.equal((await gw.request('DELETE', `${BASE}/${ofC.body.id}`, { token: admin })).status, 204, 'an administrator deletes any');
  t.equal((await gw.request('DELETE', `${BASE}/${id}`, { token: clientA })).status, 204, 'the creator deletes its own');
});
