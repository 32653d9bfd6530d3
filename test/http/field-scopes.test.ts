/**
 * Field scopes (data minimisation) on the REST API, on the simulator or the real Odoo with
 * G2P_E2E_ODOO_*: the scopes are declared in roles-file YAML and go through the same parser
 * and start-up check as a deployment's. For each surface and operation a cell asserts what is
 * present, what is absent and what is refused, and the Odoo wire (every call the gateway sent)
 * shows that no field outside the caller's scope was asked for.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { checkFieldScopes, parseRolesDocument } from '../../src/config/roles.js';
import { watchGatewayCalls } from '../support/call-shapes.js';
import { collectCallbacks, DETECTOR_FIELDS, PAYMENTS_ODOO_FIELDS, partnerFieldsAsked, ROLES_YAML, specFields } from '../support/field-scopes.js';
import { startGateway, startOdoo, type Gateway } from '../support/gateway.js';
import { testToken } from '../support/tokens.js';
import { GROUP } from '../support/odoo-target.js';
import { hashSecret } from '../../src/http/auth/secret-hash.js';
import { startReceiver } from '../events/receiver.js';

const API = '/api/v1';
type Json = Record<string, any>;

const document = parseRolesDocument({ name: 'roles.yaml', text: ROLES_YAML });
const startupProblems = checkFieldScopes(document.fieldScopes, {
  file: 'roles.yaml',
  lineOf: document.lineOf,
  customFields: [],
  clients: ['payments-platform'],
});
const CLIENT_SECRET = 'payments-platform-client-secret';

const reader = (scope?: string) => testToken('get', scope ? { scope } : {});
const writer = (scope?: string) => testToken('both', scope ? { scope } : {});
const PAYMENTS = 'registry:payments';
const STATISTICS = 'registry:statistics';
/** DCI partners' tokens, each its own client (`azp`), so the disclosure report tells them apart. */
const dciPayments = () => testToken('get', { scope: PAYMENTS, azp: 'fs-dci-payments' });
const dciWhole = () => testToken('get', { azp: 'fs-dci-whole' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('field scopes on the REST API', { timeout: 240_000 }, async (t) => {
  t.same(startupProblems, [], 'the declaration passes the start-up check');
  const odoo = await startOdoo(t, { households: 2, seed: 3 });
  // An HTTP Basic user of the compatibility routes holding the payments scope (its password is its login).
  await odoo.ensureUser('fs_payments', [GROUP.registrar, GROUP.restGet]);
  const calls = watchGatewayCalls();
  t.teardown(() => calls.stop());
  // A webhook receiver (Standard Webhooks verification, CloudEvents parsing) for the scoped creator's full payloads.
  const hooks = await startReceiver('replaced-by-the-created-secret');
  t.teardown(() => hooks.close());
  // The DCI sender's callback endpoint: what the async search's on-search brings.
  const { bodies: callbacks, url: dciCallbackUrl } = await collectCallbacks(t, '/fs');
  const audit: Json[] = [];
  const logLines: string[] = [];
  const gateway: Gateway = await startGateway(t, {
    odoo,
    config: {
      roles: document.roles,
      fieldScopes: document.fieldScopes,
      log: { level: 'info' },
      api: { syncSettleMs: 0 },
      events: { enabled: true, pollIntervalMs: 200, webhooks: { allowedTargets: ['http://127.0.0.1:9/', hooks.url] } },
      cache: { enabled: true, maxAgeMs: 60_000 },
      dci: { senders: { 'fs-partner': { requireSignature: false, callbackUrl: dciCallbackUrl } } },
      // Two declared endpoints: one the payments scope covers, one reaching a birth date it does not show.
      endpoints: [
        {
          path: '/custom/fs/contacts',
          kind: 'list',
          roles: ['Rest API GET'],
          target: 'individuals',
          params: [{ name: 'family', field: 'family_name', op: 'eq' }],
          fields: ['name', 'phone_numbers.phone_no'],
        },
        {
          path: '/custom/fs/contacts-by-name',
          kind: 'list',
          roles: ['Rest API GET'],
          target: 'individuals',
          params: [{ name: 'name', field: 'name', op: 'contains' }],
          fields: ['name', 'phone_numbers.phone_no'],
        },
        {
          path: '/custom/fs/birthdays',
          kind: 'list',
          roles: ['Rest API GET'],
          target: 'individuals',
          params: [{ name: 'name', field: 'name', op: 'contains' }],
          fields: ['name', 'birthdate'],
        },
      ],
      auth: { clientCredentials: { clients: { 'payments-platform': { secretHash: await hashSecret(CLIENT_SECRET), roles: ['Rest API GET'] } } } },
    },
    before: (app) => {
      const capture = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) {
            logLines.push(line);
            const parsed = JSON.parse(line) as Json;
            if (parsed.audit) audit.push(parsed.audit as Json);
          }
          done();
        },
      });
      (app.log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = capture;
    },
  });
  const call = (token: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    gateway.request(method, `${API}${path}`, { token, ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });

  const tag = `FS${Date.now().toString(36)}`;
  const { reference } = odoo;
  const created = await call(writer(), 'POST', '/individuals', {
    given_name: 'Scoped',
    family_name: tag,
    gender: reference.gender,
    birthdate: '1990-04-02',
    reg_ids: [{ id_type: reference.idType, value: `NID-${tag}` }],
    phone_numbers: [{ phone_no: '+254712000777' }],
    bank_accounts: [{ acc_number: `ACC-${tag}` }],
  });
  t.equal(created.status, 201, 'an unscoped writer creates the individual');
  const id = created.body.id as number;
  const group = await call(writer(), 'POST', '/groups', {
    name: `Household ${tag}`,
    kind: reference.groupKind,
    members: [{ individual: id, kinds: [reference.headKind] }],
  });
  t.equal(group.status, 201);
  const groupId = group.body.id as number;

  t.test('read: an unscoped caller sees every field, as before scopes', async (t) => {
    const whole = await call(reader(), 'GET', `/individuals/${id}`);
    t.equal(whole.status, 200);
    for (const field of ['birthdate', 'gender', 'reg_ids', 'bank_accounts', 'phone_numbers', 'name']) t.ok(field in whole.body, `${field} present`);
    t.equal(whole.body.reg_ids[0].value, `NID-${tag}`);
  });

  t.test('read: the payments scope shows name, phone numbers and bank accounts only; Odoo is asked for nothing else', async (t) => {
    calls.reset();
    const answer = await call(reader(PAYMENTS), 'GET', `/individuals/${id}`);
    t.equal(answer.status, 200);
    t.same(Object.keys(answer.body).sort(), ['bank_accounts', 'id', 'name', 'phone_numbers'], 'fields outside the scope are absent, not null');
    t.same(Object.keys(answer.body.phone_numbers[0]).sort(), ['id', 'phone_no'], 'a nested list keeps only its scoped fields');
    t.equal(answer.body.bank_accounts[0].acc_number, `ACC-${tag}`);
    const asked = partnerFieldsAsked(calls.calls(), id);
    t.ok(asked.size > 0, 'the read reached Odoo');
    for (const field of asked) {
      t.ok(
        ['name', 'phone_number_ids', 'phone_number_ids.phone_no', 'bank_ids'].includes(field) || field.startsWith('bank_ids.'),
        `Odoo was asked for ${field} only within the scope`,
      );
    }
    t.notOk(
      asked.has('birthdate') || asked.has('reg_ids') || asked.has('phone_number_ids.phone_sanitized'),
      'no ID, birthdate or sanitized phone crossed the wire',
    );
  });

  t.test('read: a nested scope (reg_ids.id_type only) shows the types of IDs, not their values', async (t) => {
    calls.reset();
    const answer = await call(reader('registry:id-types'), 'GET', `/individuals/${id}`);
    t.equal(answer.status, 200);
    t.same(Object.keys(answer.body).sort(), ['id', 'reg_ids']);
    t.same(Object.keys(answer.body.reg_ids[0]).sort(), ['id', 'id_type']);
    t.notOk(partnerFieldsAsked(calls.calls(), id).has('reg_ids.value'), 'the ID value was not read from Odoo');
  });

  t.test('read: two scopes show their union', async (t) => {
    const answer = await call(reader(`${PAYMENTS} ${STATISTICS}`), 'GET', `/individuals/${id}`);
    t.same(Object.keys(answer.body).sort(), ['bank_accounts', 'birthdate', 'gender', 'id', 'name', 'phone_numbers', 'registration_date', 'updated_at']);
  });

  t.test('read: lists, look-ups, memberships and groups are narrowed the same way', async (t) => {
    const list = await call(reader(PAYMENTS), 'GET', `/individuals?family_name=${tag}`);
    t.equal(list.status, 400, 'family_name is outside the payments scope: no search by it');
    t.match(list.body.errors, [{ field: 'query.family_name' }]);
    const byName = await call(reader(PAYMENTS), 'GET', `/individuals?name=${tag}`);
    t.equal(byName.status, 200);
    t.equal(byName.body.items.length, 1);
    t.same(Object.keys(byName.body.items[0]).sort(), ['bank_accounts', 'id', 'name', 'phone_numbers']);
    const lookup = await call(reader(PAYMENTS), 'GET', `/individuals/by-reg-id/${encodeURIComponent(reference.idType)}/NID-${tag}`);
    t.equal(lookup.status, 400, 'a look-up by an ID the scope does not show is refused');
    const lookupOk = await call(reader('registry:id-types'), 'GET', `/individuals/by-reg-id/${encodeURIComponent(reference.idType)}/NID-${tag}`);
    t.equal(lookupOk.status, 400, 'the value of the ID is outside the id-types scope too');
    t.match(lookupOk.body.errors, [{ field: 'params.value' }]);
    const groupAnswer = await call(reader(STATISTICS), 'GET', `/groups/${groupId}?expand=members`);
    t.equal(groupAnswer.status, 200);
    t.same(Object.keys(groupAnswer.body).sort(), ['id', 'kind', 'members']);
    t.same(Object.keys(groupAnswer.body.members[0]).sort(), ['id', 'kinds']);
    const noMembers = await call(reader(PAYMENTS), 'GET', `/groups/${groupId}?expand=members`);
    t.equal(noMembers.status, 400, 'members are outside the payments scope of groups');
    const memberships = await call(reader(PAYMENTS), 'GET', `/groups/${groupId}/members`);
    t.equal(memberships.status, 200);
    t.same(Object.keys(memberships.body.items[0]).sort(), ['group', 'id', 'individual']);
    const ofIndividual = await call(reader(STATISTICS), 'GET', `/individuals/${id}/groups`);
    t.same(Object.keys(ofIndividual.body.items[0]).sort(), ['id', 'kinds']);
  });

  t.test('grants: a client of the token endpoint and a Basic user of the compatibility routes hold the scope', async (t) => {
    const issued = await gateway.request('POST', '/oauth2/client/token', {
      token: null,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'payments-platform', client_secret: CLIENT_SECRET }).toString(),
    });
    t.equal(issued.status, 200);
    const asClient = await call(issued.body.access_token as string, 'GET', `/individuals/${id}`);
    t.equal(asClient.status, 200);
    t.same(Object.keys(asClient.body).sort(), ['bank_accounts', 'id', 'name', 'phone_numbers'], 'the client sees the payments fields only');
    calls.reset();
    const basic = `Basic ${Buffer.from('fs_payments:fs_payments').toString('base64')}`;
    const compat = await gateway.request('GET', `${gateway.config.compat.prefix}/individual/${id}`, { token: null, headers: { authorization: basic } });
    t.equal(compat.status, 200, compat.text);
    t.same(
      Object.keys(compat.body).sort(),
      ['id', 'is_group', 'name', 'phone_number_ids'],
      "OpenG2P's shape, cut to the scope (no photo, no IDs, no birthdate)",
    );
    t.same(Object.keys(compat.body.phone_number_ids[0]).sort(), ['id', 'phone_no']);
    const asked = partnerFieldsAsked(calls.calls(), id);
    t.notOk(asked.has('image_1920') || asked.has('birthdate') || asked.has('reg_ids'), `no photo, birthdate or ID read from Odoo: ${[...asked].join(', ')}`);
    const ids = await gateway.request('GET', `${gateway.config.compat.prefix}/get_individual_ids?include_id_type=National+ID`, {
      token: null,
      headers: { authorization: basic },
    });
    t.equal(ids.status, 400, 'the IDs list is outside the scope');
    const group = await gateway.request('GET', `${gateway.config.compat.prefix}/group/${groupId}`, { token: null, headers: { authorization: basic } });
    t.equal(group.status, 200, group.text);
    t.same(Object.keys(group.body).sort(), ['id', 'is_group', 'name']);
  });

  t.test('sparse fieldsets: ?fields= narrows the answer and the Odoo call; unknown or forbidden fields are 400', async (t) => {
    calls.reset();
    const sparse = await call(reader(), 'GET', `/individuals/${id}?fields=name,phone_numbers.phone_no`);
    t.equal(sparse.status, 200);
    t.same(Object.keys(sparse.body).sort(), ['id', 'name', 'phone_numbers']);
    t.same(Object.keys(sparse.body.phone_numbers[0]).sort(), ['id', 'phone_no']);
    t.same([...partnerFieldsAsked(calls.calls(), id)].sort(), ['name', 'phone_number_ids', 'phone_number_ids.phone_no']);
    const page = await call(reader(), 'GET', `/individuals?name=${tag}&fields=birthdate`);
    t.same(Object.keys(page.body.items[0]).sort(), ['birthdate', 'id']);
    const unknown = await call(reader(), 'GET', `/individuals/${id}?fields=name,shoe_size`);
    t.equal(unknown.status, 400);
    t.match(unknown.body.errors, [{ field: 'query.fields', message: /"shoe_size" is not a field/ }]);
    // Names every JavaScript object has are no fields either (the fuzz suite found these answered 500).
    for (const path of ['constructor', 'toString', '__proto__', 'reg_ids.constructor', 'hasOwnProperty']) {
      const inherited = await call(reader(), 'GET', `/individuals/${id}?fields=${path}`);
      t.equal(inherited.status, 400, `${path}: 400`);
      t.match(inherited.body.errors, [{ field: 'query.fields', message: /is not a field/ }], `${path}: named as no field`);
    }
    const forbidden = await call(reader(PAYMENTS), 'GET', `/individuals/${id}?fields=name,birthdate`);
    t.equal(forbidden.status, 400);
    t.match(forbidden.body.errors, [{ field: 'query.fields', message: /"birthdate" is outside your field scope/ }]);
    const within = await call(reader(PAYMENTS), 'GET', `/groups/${groupId}/members?fields=individual`);
    t.same(Object.keys(within.body.items[0]).sort(), ['id', 'individual']);
  });

  t.test('/openapi.json documents ?fields= on every read and that fields may be absent', async (t) => {
    const document = (await gateway.request('GET', '/openapi.json', { token: null })).body as Json;
    const reads = Object.entries(document.paths as Record<string, Json>).filter(
      ([path, item]) => item.get && /\/(individuals|groups)/.test(path) && !path.includes('webhooks'),
    );
    t.ok(reads.length >= 9, `${reads.length} record reads`);
    for (const [path, item] of reads) {
      const fields = (item.get.parameters as Json[]).find((p) => p.name === 'fields' && p.in === 'query');
      t.ok(fields, `GET ${path} takes ?fields=`);
    }
    const individual = document.paths['/api/v1/individuals/{id}'].get.responses['200'].content['application/json'].schema as Json;
    t.same(individual.required, ['id'], 'every field but id may be absent');
    t.match(individual.description, /field scopes/);
    for (const path of ['/api/v1/webhooks', '/api/v1/webhooks/{id}']) {
      const schema = document.paths[path].get.responses['200'].content['application/json'].schema as Json;
      const webhook = (schema.properties.items?.items ?? schema) as Json;
      t.match(webhook.properties.field_scopes, { description: /field scopes/ }, `GET ${path} documents the scopes a webhook carries`);
    }
  });

  t.test('filter and sort: a field the caller cannot see is a 400 naming it; a cursor of such a sort cannot be used', async (t) => {
    const gender = await call(reader(PAYMENTS), 'GET', `/individuals?gender=${encodeURIComponent(reference.gender)}`);
    t.equal(gender.status, 400);
    t.match(gender.body.errors, [{ field: 'query.gender', message: /"gender"/ }]);
    const sort = await call(reader(PAYMENTS), 'GET', '/individuals?sort=updated_at');
    t.equal(sort.status, 400);
    t.match(sort.body.errors, [{ field: 'query.sort', message: /"updated_at"/ }]);
    const filtered = await call(
      reader(STATISTICS),
      'GET',
      `/individuals?gender=${encodeURIComponent(reference.gender)}&birthdate_from=1990-04-02&birthdate_to=1990-04-02&sort=-id`,
    );
    t.equal(filtered.status, 200, 'the statistics scope sees gender and birthdate, so it may filter by them');
    t.ok(filtered.body.items.some((i: Json) => i.id === id));
    // Sync reads only whole seconds that are over: wait for one holding a record (the simulator's were all written at start).
    let statistics = await call(reader(STATISTICS), 'GET', '/individuals?sort=updated_at&limit=1');
    for (let i = 0; i < 10 && !statistics.body.resume_cursor; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      statistics = await call(reader(STATISTICS), 'GET', '/individuals?sort=updated_at&limit=1');
    }
    t.equal(statistics.status, 200, 'and sort by updated_at');
    const cursor = statistics.body.resume_cursor as string;
    t.type(cursor, 'string', 'a sync page hands out a resume cursor');
    const replayed = await call(reader(PAYMENTS), 'GET', `/individuals?sort=updated_at&limit=1&cursor=${encodeURIComponent(cursor)}`);
    t.equal(replayed.status, 400, 'a cursor over updated_at is refused to a caller that cannot see it');
    t.match(replayed.body.errors, [{ field: 'query.sort' }]);
  });

  t.test('write: fields outside the scope are a 403 naming them; the answer is narrowed', async (t) => {
    const refused = await call(writer(PAYMENTS), 'PATCH', `/individuals/${id}`, { birthdate: '1991-01-01', name: 'X' });
    t.equal(refused.status, 403);
    t.match(refused.body.errors, [{ field: 'body.birthdate' }]);
    t.notMatch(JSON.stringify(refused.body.errors), /body\.name/, 'only the fields outside the scope are named');
    const nested = await call(writer(PAYMENTS), 'PATCH', `/individuals/${id}`, {
      phone_numbers: [{ phone_no: '+254712000778', date_collected: '2024-01-01' }],
    });
    t.equal(nested.status, 403);
    t.match(nested.body.errors, [{ field: 'body.phone_numbers.date_collected' }]);
    const before = await call(writer(PAYMENTS), 'GET', `/individuals/${id}`);
    const ok = await call(writer(PAYMENTS), 'PATCH', `/individuals/${id}`, { name: `PAID, ${tag}` }, { 'if-match': before.headers.get('etag')! });
    t.equal(ok.status, 200, 'If-Match with the scoped ETag the caller was shown');
    t.same(Object.keys(ok.body).sort(), ['bank_accounts', 'id', 'name', 'phone_numbers']);
    t.equal(ok.body.name, `PAID, ${tag}`);
    const whole = await call(reader(), 'GET', `/individuals/${id}`);
    t.equal(whole.body.birthdate, '1990-04-02', 'nothing outside the scope changed');
    const groupBefore = await call(writer(PAYMENTS), 'GET', `/groups/${groupId}`);
    const groupOk = await call(
      writer(PAYMENTS),
      'PATCH',
      `/groups/${groupId}`,
      { name: `Household ${tag} paid` },
      { 'if-match': groupBefore.headers.get('etag')! },
    );
    t.equal(groupOk.status, 200, 'a group write passes If-Match with the scoped ETag too');
    t.same(Object.keys(groupOk.body).sort(), ['id', 'name']);
    const stale = await call(writer(PAYMENTS), 'PATCH', `/groups/${groupId}`, { name: 'again' }, { 'if-match': groupBefore.headers.get('etag')! });
    t.equal(stale.status, 412, 'and a stale one is refused');
    const member = await call(writer(PAYMENTS), 'PATCH', `/groups/${groupId}/members/${group.body.members[0].id}`, { ended_date: null });
    t.equal(member.status, 403, 'a membership field outside the scope');
  });

  t.test('ETags: callers with different scopes never share a version', async (t) => {
    const tags = new Map<string, string | null>();
    for (const [name, token] of [
      ['unscoped', reader()],
      ['payments', reader(PAYMENTS)],
      ['statistics', reader(STATISTICS)],
      ['sparse name', reader()],
    ] as const) {
      const answer = await call(token, 'GET', `/individuals/${id}${name === 'sparse name' ? '?fields=name' : ''}`);
      tags.set(name, answer.headers.get('etag'));
    }
    t.equal(new Set(tags.values()).size, 4, `four views, four ETags: ${JSON.stringify([...tags])}`);
    const payments = await call(reader(PAYMENTS), 'GET', `/individuals/${id}`, undefined, { 'if-none-match': tags.get('payments')! });
    t.equal(payments.status, 304, 'the same scope revalidates');
    const other = await call(reader(STATISTICS), 'GET', `/individuals/${id}`, undefined, { 'if-none-match': tags.get('payments')! });
    t.equal(other.status, 200, "another scope never matches the payments caller's version");
  });

  t.test('export: NDJSON and CSV carry only the scoped fields', async (t) => {
    const ndjson = await call(reader(PAYMENTS), 'GET', `/individuals/export?name=${tag}`);
    t.equal(ndjson.status, 200);
    const lines = ndjson.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Json)
      .filter((l) => !('_export' in l));
    t.equal(lines.length, 1);
    t.same(Object.keys(lines[0]!).sort(), ['bank_accounts', 'id', 'name', 'phone_numbers']);
    const csv = await call(reader(STATISTICS), 'GET', `/individuals/export?format=csv&gender=${encodeURIComponent(reference.gender)}`);
    t.equal(csv.status, 200);
    t.equal(csv.text.split('\r\n')[0], 'id,registration_date,updated_at,gender,birthdate', 'the CSV header names the visible columns only');
    const filtered = await call(reader(PAYMENTS), 'GET', `/individuals/export?birthdate_from=1900-01-01`);
    t.equal(filtered.status, 400, 'an export filtered by a hidden field is refused before streaming');
  });

  t.test('audit: each answer names the scope and the fields disclosed, never a value', async (t) => {
    audit.length = 0;
    await call(reader(PAYMENTS), 'GET', `/individuals/${id}`);
    await call(reader(), 'GET', `/individuals/${id}?fields=name`);
    await call(reader(PAYMENTS), 'GET', `/individuals/${id}?fields=birthdate`);
    const [scoped, sparse, refused] = audit.filter((a) => typeof a.route === 'string' && (a.route as string).endsWith('/individuals/:id'));
    t.same(scoped?.scope, ['payments']);
    t.same(scoped?.disclosed, { individual: ['id', 'name', 'phone_numbers.id', 'phone_numbers.phone_no', 'bank_accounts'] });
    t.same(scoped?.record_ids, [id]);
    t.same(sparse?.scope, ['fields']);
    t.same(sparse?.disclosed, { individual: ['id', 'name'] });
    t.equal(refused?.status, 400);
    t.notOk('disclosed' in (refused ?? {}), 'a refused request disclosed nothing');
    t.notMatch(JSON.stringify(audit), new RegExp(`ACC-${tag}|NID-${tag}`), 'no value in the audit lines');
  });

  t.test('record cache: an entry never answers another view', async (t) => {
    // A record of its own: no caller has read it yet, so no view has an entry for it.
    const fresh = await call(writer(), 'POST', '/individuals', { given_name: 'Cached', family_name: tag, phone_numbers: [{ phone_no: '+254712000779' }] });
    t.equal(fresh.status, 201);
    const path = `/individuals/${fresh.body.id}`;
    // Quiet first: each detector pass re-reads the last syncSettleMs + 1 s of changes (write dates
    // are whole seconds), so a record written within about 2 s is invalidated again at each pass.
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    // Nothing is stored until the change detector's first pass vouches for the cache.
    for (let i = 0; ; i++) {
      const first = await call(reader(), 'GET', path);
      if (first.headers.get('cache-status')?.endsWith('; stored')) break;
      if (i > 200) throw new Error(`never stored: ${first.headers.get('cache-status')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    t.match((await call(reader(), 'GET', path)).headers.get('cache-status'), /hit/, 'the unscoped caller is answered from its entry');
    const scoped = await call(reader(PAYMENTS), 'GET', path);
    t.match(scoped.headers.get('cache-status'), /fwd=/, "the payments caller is not answered from the unscoped caller's entry");
    t.same(Object.keys(scoped.body).sort(), ['bank_accounts', 'id', 'name', 'phone_numbers']);
    const again = await call(reader(PAYMENTS), 'GET', path);
    t.match(again.headers.get('cache-status'), /hit/, 'it has an entry of its own');
    t.same(again.body, scoped.body, 'holding the scoped record only');
    t.equal(again.headers.get('etag'), scoped.headers.get('etag'));
    const statistics = await call(reader(STATISTICS), 'GET', path);
    t.notMatch(statistics.headers.get('cache-status'), /hit/, 'nor does another scope share it');
    t.notOk('name' in statistics.body);
  });

  t.test('DCI sync search: records cut to the scope, Odoo asked for the scope only, hidden attributes refused', async (t) => {
    let sequence = 0;
    const dciSearch = async (token: string, criteria: Json) => {
      const stamp = new Date().toISOString();
      const body = {
        header: {
          version: '1.0.0',
          message_id: `fs-${tag}-${++sequence}`,
          message_ts: stamp,
          action: 'search',
          sender_id: 'fs-partner',
          receiver_id: 'g2p-social-registry',
          total_count: 1,
          is_msg_encrypted: false,
        },
        message: { transaction_id: `fs-txn-${tag}-${sequence}`, search_request: [{ reference_id: 'ref-1', timestamp: stamp, search_criteria: criteria }] },
      };
      const answer = await gateway.request('POST', '/registry/sync/search', { token, body });
      t.equal(answer.status, 200, answer.text);
      return answer.body.message.search_response[0] as Json;
    };
    const byName = (entity: string, name: string): Json => ({
      version: '1.0.0',
      query_type: 'expression',
      response_entity: entity,
      query: { type: 'ns:org:QueryType:NoSql', value: { expression: { collection: entity, query: { name: { $contains: name } } } } },
    });
    /** The res.partner fields the DCI searches naming this test's records asked Odoo for. */
    const searchedFields = (term = tag) =>
      new Set(
        calls
          .calls()
          .filter((c) => c.model === 'res.partner' && c.method === 'web_search_read' && JSON.stringify(c.kwargs.domain ?? c.args).includes(term))
          .flatMap((c) => specFields(c.kwargs.specification)),
      );

    const whole = await dciSearch(reader(), byName('Member', tag));
    t.equal(whole.status, 'succ', JSON.stringify(whole));
    const person = whole.data.reg_records[0] as Json;
    t.equal(person.demographic_info.birth_date, '1990-04-02', 'an unscoped caller sees every attribute');
    t.match(person.member_identifier, [{ identifier_value: `NID-${tag}` }]);

    calls.reset();
    audit.length = 0;
    const payments = await dciSearch(dciPayments(), byName('Member', tag));
    t.equal(payments.status, 'succ', JSON.stringify(payments));
    const cut = payments.data.reg_records[0] as Json;
    t.equal(cut['@id'], person['@id'], 'the same registrant');
    t.same(Object.keys(cut).sort(), ['@id', '@type', 'demographic_info'], 'attributes outside the scope are absent, not null');
    t.same(Object.keys(cut.demographic_info).sort(), ['@type', 'name']);
    t.same(cut.demographic_info.name, { '@type': 'Name', full_name: person.demographic_info.name.full_name }, 'the name: the full name only');
    t.same([...searchedFields()], ['name'], 'Odoo was asked for the name only');
    const line = audit.find((a) => a.route === '/registry/sync/search' && a.client_id === 'fs-dci-payments');
    const answered = (payments.data.reg_records as Json[]).map((r) => Number(String(r['@id']).split(':').pop()));
    t.ok(answered.includes(id));
    t.match(line, { status: 200, scope: ['payments'] }, "the answer's audit line names the scope");
    t.same(line?.record_ids, answered, 'and the registrants answered');
    t.same(line?.disclosed, { individual: ['id', 'name'] }, 'and the fields disclosed, as the REST audit names them');
    t.same(line?.disclosed_ids, { individual: answered });

    // A group with its members: the ids of each kind of record are kept apart.
    const household = await dciSearch(dciWhole(), byName('Group', `Household ${tag}`));
    t.equal(household.status, 'succ', JSON.stringify(household));
    t.equal(household.data.reg_records.length, 1);
    const groupLine = audit.find((a) => a.route === '/registry/sync/search' && a.client_id === 'fs-dci-whole');
    t.same(groupLine?.scope, null, 'an unscoped caller: no scope');
    t.same(groupLine?.disclosed_ids, { group: [groupId], individual: [id] }, 'the group and its member, each under its kind');
    t.ok((groupLine?.disclosed?.group as string[]).includes('members.kinds') && (groupLine?.disclosed?.individual as string[]).includes('birthdate'));
    t.ok((groupLine?.disclosed?.group as string[]).includes('group_identifier'), 'an attribute no API field shows is named by itself');

    calls.reset();
    const born = {
      ...byName('Member', tag),
      query: { type: 'ns:org:QueryType:NoSql', value: { expression: { collection: 'Member', query: { birth_date: { $eq: '1990-04-02' } } } } },
    };
    const statistics = await dciSearch(reader(STATISTICS), born);
    t.equal(statistics.status, 'succ', JSON.stringify(statistics));
    const counted = (statistics.data.reg_records as Json[]).find((r) => r['@id'] === person['@id']);
    t.ok(counted, 'the statistics scope searches by birth date');
    t.same(Object.keys(counted!).sort(), ['@id', '@type', 'demographic_info', 'last_updated', 'registration_date']);
    t.same(Object.keys(counted!.demographic_info).sort(), ['@type', 'birth_date', 'registration_date', 'sex'], 'no name, no identifier');
    t.same([...searchedFields('1990-04-02')].sort(), ['birthdate', 'gender', 'registration_date', 'write_date'], 'Odoo was asked for those four only');
    const refused = await dciSearch(reader(STATISTICS), {
      version: '1.0.0',
      query_type: 'predicate',
      response_entity: 'Member',
      query: [{ expression1: { attribute_name: 'surname', operator: 'eq', attribute_value: tag } }],
    });
    t.equal(refused.status, 'rjct');
    t.equal(refused.status_reason_code, 'rjct.filter.invalid');
    t.match(refused.status_reason_message, /"surname" reads family_name, which is outside your field scope \(statistics\)/);
    const sorted = await dciSearch(reader(STATISTICS), { ...byName('Member', tag), sort: [{ attribute_name: 'birth_date', sort_order: 'asc' }] });
    t.equal(sorted.status, 'rjct', 'searching by name is hidden from the statistics scope too');
    t.match(sorted.status_reason_message, /"name" is outside your field scope/);
    const bySort = await dciSearch(reader(PAYMENTS), { ...byName('Member', tag), sort: [{ attribute_name: 'birth_date', sort_order: 'asc' }] });
    t.equal(bySort.status_reason_code, 'rjct.sort.invalid', 'nor may a scope sort by what it may not read');
    t.match(bySort.status_reason_message, /"birth_date" reads birthdate/);
  });

  t.test("webhooks: a scoped creator's full payloads carry what its scope shows; Odoo is asked for nothing else", async (t) => {
    const created = await call(writer(PAYMENTS), 'POST', '/webhooks', {
      url: hooks.url,
      payload: 'full',
      types: ['individual.registered', 'individual.updated'],
    });
    t.equal(created.status, 201, created.text);
    t.same(created.body.field_scopes, ['payments'], 'the webhook shows the scope it carries');
    const listed = await call(writer(PAYMENTS), 'GET', '/webhooks');
    t.same((listed.body.items as Json[]).find((w) => w.id === created.body.id)?.field_scopes, ['payments'], 'listed with it');
    t.same((await call(writer(PAYMENTS), 'GET', `/webhooks/${created.body.id}`)).body.field_scopes, ['payments'], 'and shown with it');
    hooks.setSecret(created.body.secret);
    const hooked = await call(writer(), 'POST', '/individuals', {
      given_name: 'Hooked',
      family_name: tag,
      birthdate: '1990-04-02',
      reg_ids: [{ id_type: reference.idType, value: `NID-H${tag}` }],
      phone_numbers: [{ phone_no: '+254712000778' }],
      bank_accounts: [{ acc_number: `ACC-H${tag}` }],
    });
    t.equal(hooked.status, 201, 'an unscoped writer registers someone');
    const [received] = await hooks.waitFor((e) => e.subject === `individuals/${hooked.body.id}`);
    const data = received!.event.data!;
    t.same(Object.keys(data).sort(), ['bank_accounts', 'id', 'name', 'phone_numbers'], "the payload holds the scope's fields only");
    t.same(Object.keys((data.phone_numbers as Json[])[0]!).sort(), ['id', 'phone_no']);
    t.notMatch(JSON.stringify(data), /1990-04-02|NID-/, 'no birthdate, no ID value');

    // Changed straight in Odoo: from here on only the gateway's background work (change detector, webhook queue) reads it.
    calls.reset();
    await odoo.admin.write('res.partner', [hooked.body.id as number], { email: `hooked-${tag}@example.org` });
    const [updated] = await hooks.waitFor((e) => e.subject === `individuals/${hooked.body.id}` && e.type.endsWith('.individual.updated'));
    t.same(Object.keys(updated!.event.data!).sort(), ['bank_accounts', 'id', 'name', 'phone_numbers'], 'the update carries the scope too');
    const asked = partnerFieldsAsked(calls.calls());
    t.ok(asked.has('name'), "the payload's record was read from Odoo");
    t.same(
      [...asked].filter((field) => !PAYMENTS_ODOO_FIELDS(field) && !DETECTOR_FIELDS.includes(field)),
      [],
      'with only a scoped webhook, no registrant field outside its scope was asked of Odoo (the detector reads dates and the archived flag)',
    );
    t.notOk(asked.has('birthdate') || asked.has('reg_ids') || asked.has('email'), 'no birthdate, ID or e-mail crossed the wire');
    t.equal((await call(writer(PAYMENTS), 'DELETE', `/webhooks/${created.body.id}`)).status, 204);
  });

  t.test('custom endpoints: callable by a scoped caller whose scope covers every field the declaration reaches', async (t) => {
    const covered = await call(reader(PAYMENTS), 'GET', `/custom/fs/contacts-by-name?name=${tag}`);
    t.equal(covered.status, 200, covered.text);
    const mine = (covered.body.items as Json[]).find((item) => item.id === id);
    t.ok(mine, 'the scoped caller finds the individual by name');
    t.same(Object.keys(mine!).sort(), ['id', 'name', 'phone_numbers']);
    const filtersHidden = await call(reader(PAYMENTS), 'GET', `/custom/fs/contacts?family=${tag}`);
    t.equal(filtersHidden.status, 403, 'a parameter on a field outside the scope (family_name): refused');
    t.match(filtersHidden.body.detail, /individual family_name, outside your field scopes \(payments\)/);
    const answersHidden = await call(reader(PAYMENTS), 'GET', `/custom/fs/birthdays?name=${tag}`);
    t.equal(answersHidden.status, 403, 'an answer with a field outside the scope (birthdate): refused');
    t.match(answersHidden.body.detail, /individual birthdate/);
    t.equal((await call(reader(), 'GET', `/custom/fs/birthdays?name=${tag}`)).status, 200, 'a caller holding no scope may call it');
  });

  t.test('DCI async search: run later under the scope the sender held when it asked; the on-search records are cut', async (t) => {
    const stamp = new Date().toISOString();
    const transactionId = `fs-async-${tag}`;
    const body = {
      header: {
        version: '1.0.0',
        message_id: `fs-async-${tag}`,
        message_ts: stamp,
        action: 'search',
        sender_id: 'fs-partner',
        receiver_id: 'g2p-social-registry',
        total_count: 1,
        is_msg_encrypted: false,
      },
      message: {
        transaction_id: transactionId,
        search_request: [
          {
            reference_id: 'ref-1',
            timestamp: stamp,
            search_criteria: {
              version: '1.0.0',
              query_type: 'expression',
              response_entity: 'Member',
              query: { type: 'ns:org:QueryType:NoSql', value: { expression: { collection: 'Member', query: { name: { $contains: tag } } } } },
            },
          },
        ],
      },
    };
    calls.reset();
    const ack = await gateway.request('POST', '/registry/search', { token: dciPayments(), body });
    t.equal(ack.status, 200, ack.text);
    t.equal(ack.body.message.ack_status, 'ACK');
    const deadline = Date.now() + 20_000;
    let answer: Json | undefined;
    while (!(answer = callbacks.find((c) => c.message?.transaction_id === transactionId)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    t.ok(answer, 'the on-search callback arrived');
    const item = answer!.message.search_response[0] as Json;
    t.equal(item.status, 'succ', JSON.stringify(item));
    const record = item.data.reg_records[0] as Json;
    t.same(Object.keys(record).sort(), ['@id', '@type', 'demographic_info'], 'attributes outside the scope are absent');
    t.same(Object.keys(record.demographic_info).sort(), ['@type', 'name']);
    const asked = new Set(
      calls
        .calls()
        .filter((c) => c.model === 'res.partner' && c.method === 'web_search_read' && JSON.stringify(c.kwargs.domain ?? c.args).includes(tag))
        .flatMap((c) => specFields(c.kwargs.specification)),
    );
    t.same([...asked], ['name'], 'the job asked Odoo for the name only');
    // Written once the callback was delivered (the sender's server took it).
    let line: Json | undefined;
    for (let i = 0; i < 100 && !(line = audit.find((a) => a.route === 'dci:on-search' && a.request_id === ack.body.message.correlation_id)); i++)
      await sleep(50);
    t.match(line, { client_id: 'fs-dci-payments', dci_sender: 'fs-partner', scope: ['payments'], status: 200 }, 'the delivered on-search is audited');
    t.same(line?.disclosed, { individual: ['id', 'name'] });
    const shown = (item.data.reg_records as Json[]).map((r) => Number(String(r['@id']).split(':').pop())).sort((a, b) => a - b);
    t.same(
      [...(line?.disclosed_ids?.individual as number[])].sort((a, b) => a - b),
      shown,
      'naming every registrant it carried',
    );
  });

  t.test("DCI subscription: a notify carries the subscriber's scope and is audited once delivered", async (t) => {
    const stamp = new Date().toISOString();
    const header = (action: string, suffix: string) => ({
      version: '1.0.0',
      message_id: `fs-${action}-${tag}-${suffix}`,
      message_ts: stamp,
      action,
      sender_id: 'fs-partner',
      receiver_id: 'g2p-social-registry',
      total_count: 1,
      is_msg_encrypted: false,
    });
    const transactionId = `fs-sub-${tag}`;
    const subscribed = await gateway.request('POST', '/registry/subscribe', {
      token: dciPayments(),
      body: {
        header: header('subscribe', '1'),
        message: {
          transaction_id: transactionId,
          subscribe_request: [
            {
              reference_id: 'sub-1',
              timestamp: stamp,
              subscribe_criteria: {
                version: '1.0.0',
                reg_event_type: 'updated',
                filter_type: 'expression',
                filter: { type: 'ns:org:QueryType:NoSql', value: { expression: { collection: 'Member', query: { name: { $contains: tag } } } } },
                notify_record_type: 'Member',
              },
            },
          ],
        },
      },
    });
    t.equal(subscribed.body?.message?.ack_status, 'ACK', subscribed.text);
    let onSubscribe: Json | undefined;
    for (let i = 0; i < 200 && !(onSubscribe = callbacks.find((c) => c.message?.transaction_id === transactionId && c.message?.subscribe_response)); i++)
      await sleep(50);
    const code = onSubscribe?.message.subscribe_response[0]?.subscriptions?.[0]?.code as string;
    t.ok(code, 'subscribed');
    t.teardown(async () => {
      await gateway.request('POST', '/registry/unsubscribe', {
        token: dciPayments(),
        body: { header: header('unsubscribe', '1'), message: { transaction_id: `${transactionId}-end`, subscription_codes: [code] } },
      });
    });
    calls.reset();
    await odoo.admin.write('res.partner', [id], { email: `notified-${tag}@example.org` });
    const urn = `urn:openg2p:registrant:${id}`;
    let notify: Json | undefined;
    for (let i = 0; i < 300 && !(notify = callbacks.find((c) => c.message?.notify_event?.[0]?.data?.reg_records?.['@id'] === urn)); i++) await sleep(50);
    t.ok(notify, 'the change was notified');
    const record = notify!.message.notify_event[0].data.reg_records as Json;
    t.same(Object.keys(record).sort(), ['@id', '@type', 'demographic_info'], "the notify holds the scope's attributes only");
    t.same(Object.keys(record.demographic_info).sort(), ['@type', 'name']);
    const asked = partnerFieldsAsked(calls.calls());
    t.same(
      [...asked].filter((field) => field !== 'name' && !DETECTOR_FIELDS.includes(field)),
      [],
      "Odoo was asked for nothing outside the subscriber's scope",
    );
    let line: Json | undefined;
    for (let i = 0; i < 100 && !(line = audit.find((a) => a.route === 'dci:notify' && a.record_ids?.[0] === id)); i++) await sleep(50);
    t.match(line, { client_id: 'fs-dci-payments', dci_sender: 'fs-partner', scope: ['payments'], status: 200 }, 'the delivered notify is audited');
    t.same(line?.disclosed, { individual: ['id', 'name'] });
    t.same(line?.disclosed_ids, { individual: [id] });
    t.notMatch(JSON.stringify(line), /notified-|NID-/, 'never a value');
  });

  t.test('npm run disclosures: per client, which fields of how many registrants, from the audit log', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'g2p-audit-'));
    const file = join(dir, 'gateway.log');
    writeFileSync(file, `${logLines.join('\n')}\n`);
    const since = new Date(Date.now() - 3600_000).toISOString();
    const run = (...args: string[]) =>
      execFileSync(process.execPath, ['--import', 'tsx', 'src/tools/disclosures.ts', '--since', since, ...args, file], { encoding: 'utf8' });
    const report = JSON.parse(run('--json', '--client', 'payments-platform')) as Json[];
    t.equal(report.length, 1);
    t.equal(report[0]!.client, 'payments-platform');
    t.same(report[0]!.scopes, ['payments']);
    t.same(report[0]!.fields['individual.name'], { records: 1, exported: 0 }, 'the client was shown the name of one registrant');
    t.notOk('individual.birthdate' in report[0]!.fields, 'and never a birthdate');
    const all = JSON.parse(run('--json')) as Json[];
    const basic = all.find((c) => c.client === 'basic:fs_payments');
    t.ok(basic, 'a Basic caller is named by its login');
    const text = run();
    t.match(text, /payments-platform {2}\(scopes: payments; \d+ answer\(s\)\)/);
    t.match(text, /individual\.bank_accounts\s+\d+ record\(s\)/);
    // DCI answers (sync search, delivered on-search, delivered notify) are counted per client too.
    const [dci] = JSON.parse(run('--json', '--client', 'fs-dci-payments')) as Json[];
    t.same(dci?.scopes, ['payments']);
    t.ok((dci?.answers as number) >= 3, `a sync answer, an on-search and a notify (${dci?.answers})`);
    const dciIds = new Set(
      audit.filter((a) => a.client_id === 'fs-dci-payments' && a.disclosed).flatMap((a) => (a.disclosed_ids?.individual as number[] | undefined) ?? []),
    );
    t.ok(dciIds.has(id), 'the notified registrant among them');
    t.same(Object.keys(dci?.fields ?? {}).sort(), ['individual.id', 'individual.name'], 'only the name (and ids) were disclosed to it');
    t.same(dci?.fields['individual.name'], { records: dciIds.size, exported: 0 }, 'counted once per registrant');
    const [whole] = JSON.parse(run('--json', '--client', 'fs-dci-whole')) as Json[];
    t.same(whole?.fields['group.name'], { records: 1, exported: 0 }, "a group's fields count the group only");
    t.same(whole?.fields['individual.name'], { records: 1, exported: 0 }, "its member's fields count the member");
    const later = JSON.parse(run('--json', '--until', since)) as Json[];
    t.same(later, [], 'nothing before --until');
  });
});
