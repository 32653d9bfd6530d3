/**
 * The answers a newcomer meets first, each naming what to fix: Odoo's validation refusals as
 * field errors, 415 with the accepted type, a limit above the maximum, text where a number
 * belongs, 405 with Allow, a feature switched off, a database the Odoo server lacks. Against
 * the simulator, or the real Odoo with G2P_E2E_ODOO_*.
 */
import t from 'tap';
import { startGateway, startOdoo } from '../support/gateway.js';
import { testToken } from '../support/tokens.js';

const API = '/api/v1';

t.test('answers that say what to fix', async (t) => {
  const odoo = await startOdoo(t);
  const gateway = await startGateway(t, { odoo, token: testToken('both'), config: { api: { maxPageSize: 40 } } });

  t.test('a phone number Odoo cannot parse is named as the field that carried it', async (t) => {
    const created = await gateway.request('POST', `${API}/individuals`, {
      body: { given_name: 'Phone', family_name: 'Check', phone_numbers: [{ phone_no: '+254712345678' }, { phone_no: 'hello' }] },
    });
    t.equal(created.status, 422);
    t.equal(created.contentType, 'application/problem+json; charset=utf-8');
    t.equal(created.body.errors.length, 1);
    t.equal(created.body.errors[0].field, 'phone_numbers[1].phone_no');
    t.match(created.body.errors[0].message, /hello/, "Odoo's own reason is kept");
    t.match(created.body.detail, /^phone_numbers\[1\]\.phone_no: /);

    const batch = await gateway.request('POST', `${API}/individuals/batch`, {
      body: { items: [{ given_name: 'Fine' }, { given_name: 'Bad', phone_numbers: [{ phone_no: 'not-a-phone' }] }] },
    });
    t.equal(batch.status, 422);
    t.equal(batch.body.errors[0].field, 'items[1].phone_numbers[0].phone_no');

    const someone = await gateway.request('POST', `${API}/individuals`, { body: { given_name: 'Patch', family_name: 'Phone' } });
    t.equal(someone.status, 201);
    const patched = await gateway.request('PATCH', `${API}/individuals/${someone.body.id}`, { body: { phone_numbers: [{ phone_no: 'hello' }] } });
    t.equal(patched.status, 422);
    t.equal(patched.body.errors[0].field, 'phone_numbers[0].phone_no');
  });

  t.test('a body that is not JSON gets 415 naming the type sent and the type accepted', async (t) => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const answer = await gateway.request('POST', `${API}/individuals`, { payload: 'given_name=A', headers: { 'content-type': type } });
      t.equal(answer.status, 415, type);
      t.equal(answer.body.detail, `${type} is not accepted; send application/json`);
      t.same(answer.body.errors, [{ field: 'headers.content-type', message: answer.body.detail }]);
      t.same(answer.body.accepted, ['application/json']);
    }
  });

  t.test('limit above api.maxPageSize is refused naming the maximum; text is "must be a number"', async (t) => {
    const over = await gateway.request('GET', `${API}/individuals?limit=41`);
    t.equal(over.status, 400);
    t.same(over.body.errors, [{ field: 'query.limit', message: 'must be at most 40 (api.maxPageSize); follow next_cursor for more' }]);
    const atMax = await gateway.request('GET', `${API}/individuals?limit=40`);
    t.equal(atMax.status, 200);
    t.ok(atMax.body.items.length <= 40);
    const groups = await gateway.request('GET', `${API}/groups?limit=100000`);
    t.equal(groups.status, 400);
    t.equal(groups.body.errors[0].field, 'query.limit');
    const text = await gateway.request('GET', `${API}/individuals?limit=abc`);
    t.equal(text.status, 400);
    t.same(text.body.errors, [{ field: 'query.limit', message: 'must be a number' }]);
  });

  t.test('every part of the request is named the same way: query., headers., params., body.', async (t) => {
    const cursor = await gateway.request('GET', `${API}/individuals?cursor=zzz`);
    t.equal(cursor.body.errors[0].field, 'query.cursor');
    const unknown = await gateway.request('GET', `${API}/individuals?colour=red`);
    t.equal(unknown.body.errors[0].field, 'query.colour');
    const key = await gateway.request('POST', `${API}/individuals`, { body: { given_name: 'A' }, headers: { 'idempotency-key': 'has space' } });
    t.equal(key.body.errors[0].field, 'headers.idempotency-key');
    const param = await gateway.request('GET', `${API}/individuals/abc`);
    t.equal(param.body.errors[0].field, 'params.id');
  });

  t.test('a method the path does not answer is 405 with Allow', async (t) => {
    const put = await gateway.request('PUT', `${API}/individuals/5`, { body: {} });
    t.equal(put.status, 405);
    t.equal(put.headers.get('allow'), 'GET, PATCH, DELETE, HEAD');
    t.equal(put.body.type, '/problems/method-not-allowed');
    const list = await gateway.request('DELETE', `${API}/individuals`);
    t.equal(list.status, 405);
    t.equal(list.headers.get('allow'), 'GET, POST, HEAD');
    const nowhere = await gateway.request('GET', `${API}/nothing-here`);
    t.equal(nowhere.status, 404);
    t.equal(nowhere.body.detail, `No route GET ${API}/nothing-here`);
  });

  t.test('a feature switched off answers 404 naming the setting that turns it on', async (t) => {
    const webhooks = await gateway.request('POST', `${API}/webhooks`, { body: { url: 'http://127.0.0.1:1/hook' } });
    t.equal(webhooks.status, 404);
    t.equal(webhooks.body.type, '/problems/feature-disabled');
    t.equal(webhooks.body.setting, 'events.enabled');
    t.match(webhooks.body.detail, /events\.enabled: true/);
    const subscribe = await gateway.request('POST', '/dci/registry/subscribe', { body: {} });
    t.equal(subscribe.body.setting, 'events.enabled');
    const token = await gateway.request('POST', '/oauth2/client/token', {
      payload: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    t.equal(token.status, 404);
    t.equal(token.body.setting, 'auth.clientCredentials.clients');
    const metrics = await gateway.request('GET', '/metrics');
    t.equal(metrics.body.setting, 'metrics.enabled');
  });

  t.test('with the feature on, the same paths are served', async (t) => {
    const on = await startGateway(t, {
      odoo,
      token: testToken('both'),
      config: { events: { enabled: true, webhooks: { allowedTargets: ['http://127.0.0.1'] } } },
    });
    const listed = await on.request('GET', `${API}/webhooks`);
    t.equal(listed.status, 200);
  });
});

t.test('a database the Odoo server does not have is named as such', async (t) => {
  const odoo = await startOdoo(t);
  const gateway = await startGateway(t, { odoo: { ...odoo, db: 'no-such-registry' }, token: testToken('both') });
  const answer = await gateway.request('GET', `${API}/individuals?limit=1`);
  t.equal(answer.status, 502);
  t.equal(answer.body.detail, "The registry's Odoo server has no database by the configured name (odoo.db / ODOO_DB).");
});
