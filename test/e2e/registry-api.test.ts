/**
 * The registry REST API end to end: a real gateway on a real port in front of an Odoo over a
 * real socket, once per transport. Against the simulator by default; against a real OpenG2P
 * server when the G2P_E2E_ODOO_* variables are set (see test/support/stack.ts), where the
 * simulator-only parts (Odoo call counts, injected faults) are skipped and say so.
 */
import t from 'tap';
import { archiveRegistrants } from '../support/odoo-target.js';
import { startStack, type Protocol, type Stack } from '../support/stack.js';

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

function client(stack: Stack, base = stack.api) {
  const writer = stack.token('reader', 'writer');
  return async (method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; token?: string | null } = {}): Promise<Answer> => {
    const token = options.token === undefined ? writer : options.token;
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SIM_ONLY = "needs the simulator's fault injection";

for (const protocol of ['jsonrpc', 'xmlrpc'] as Protocol[]) {
  t.test(`registry API over ${protocol}`, async (t) => {
    const stack = await startStack(t, {
      protocol,
      households: 30,
      api: {
        maxPageSize: 100,
        syncSettleMs: 0,
        customFields: [
          { name: 'city', odooField: 'city', type: 'string' },
          { name: 'tax_number', odooField: 'vat', type: 'string', readRole: 'Rest API POST' },
        ],
      },
    });
    const api = client(stack);
    const tag = stack.runTag;
    const ref = stack.reference;
    const onSim = stack.sim !== undefined;
    t.teardown(async () => {
      // Leave a real database usable: archive everything this run created (nothing is destroyed).
      await archiveRegistrants(stack.odoo, [['name', 'ilike', tag]]);
      await stack.close();
    });

    /** Odoo ORM calls a step makes, on either backend. */
    const callsOf = async (step: () => Promise<unknown>): Promise<number> => {
      stack.resetCalls();
      await step();
      return stack.objectCalls().length;
    };

    const person = (given: string, extra: Record<string, unknown> = {}) => ({
      given_name: given,
      family_name: tag,
      gender: ref.gender,
      birthdate: '1990-05-17',
      ...extra,
    });

    t.test('authentication and roles', async (t) => {
      t.equal((await api('GET', '/individuals', { token: null })).status, 401, 'no token: 401');
      const reader = stack.token('reader');
      t.equal((await api('GET', '/individuals?limit=1', { token: reader })).status, 200, 'reader may read');
      const refused = await api('POST', '/individuals', { token: reader, body: person('NoRole') });
      t.equal(refused.status, 403, 'reader may not create');
      t.match(refused.headers.get('content-type'), /application\/problem\+json/);
    });

    t.test('individuals: create, read, ETag, look-up', async (t) => {
      const nid = `NID-${tag}-A`;
      const created = await api('POST', '/individuals', {
        body: person('Alice', {
          addl_name: 'Marie',
          city: `Town ${tag}`,
          reg_ids: [{ id_type: ref.idType, value: nid, expiry_date: '2030-01-01' }],
          phone_numbers: [{ phone_no: '+254712345678', date_collected: '2024-01-02' }],
          bank_accounts: [{ acc_number: `ACC${tag}` }],
        }),
      });
      t.equal(created.status, 201, 'created');
      const alice = created.body;
      t.equal(alice.name, `${tag.toUpperCase()}, ALICE MARIE`, 'name built as OpenG2P does: FAMILY, GIVEN ADDL');
      t.equal(created.headers.get('location'), `/api/v1/individuals/${alice.id}`);
      t.ok(created.headers.get('etag'), 'ETag on the created record');
      t.equal(alice.gender, 'Female');
      t.equal(alice.email, null, 'null, never false, for empty values');
      t.equal(alice.city, `Town ${tag}`, 'custom field written and read');
      t.equal(alice.tax_number, null, 'custom field with readRole POST visible to a writer');
      t.match(alice.updated_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'UTC datetime with Z');
      t.match(alice.reg_ids, [{ id_type: { name: ref.idType }, value: nid, expiry_date: '2030-01-01' }]);
      t.match(alice.phone_numbers, [{ phone_no: '+254712345678', phone_sanitized: '+254712345678', date_collected: '2024-01-02' }]);
      t.match(alice.bank_accounts, [{ acc_number: `ACC${tag}` }]);

      const read = await api('GET', `/individuals/${alice.id}`);
      t.equal(read.status, 200);
      t.same(read.body, alice, 'GET returns what POST returned');
      t.equal(read.headers.get('etag'), created.headers.get('etag'), 'same version, same ETag');
      const asReader = await api('GET', `/individuals/${alice.id}`, { token: stack.token('reader') });
      t.notOk('tax_number' in asReader.body, 'a custom field is hidden from callers without its readRole');

      const found = await api('GET', `/individuals/by-reg-id/${encodeURIComponent(ref.idType)}/${nid}`);
      t.equal(found.status, 200, 'look-up by registrant ID');
      t.equal(found.body.id, alice.id);
      t.equal((await api('GET', `/individuals/by-reg-id/${encodeURIComponent(ref.idType)}/NOPE-${tag}`)).status, 404, 'unknown ID value: 404');
      const badType = await api('GET', `/individuals/by-reg-id/No%20Such%20Type/${nid}`);
      t.equal(badType.status, 422, 'unknown ID type: 422');
      t.match(badType.body.errors[0].message, /accepted values/);

      // api.uniqueIdTypes (National ID by default): the gateway refuses a second holder.
      const twin = await api('POST', '/individuals', { body: person('AliceTwin', { reg_ids: [{ id_type: ref.idType, value: nid }] }) });
      t.equal(twin.status, 409, 'a second individual with the same National ID: 409');
      t.same(twin.body.holder, { id: alice.id, type: 'individual' });
      // OpenG2P itself lets two registrants share a value (its forms, imports; deduplication finds them later): the look-up says so.
      const twinId = await stack.odoo.create('res.partner', {
        name: `ALICETWIN ${tag}`,
        is_registrant: true,
        reg_ids: [[0, 0, { id_type: alice.reg_ids[0].id_type.id, value: nid }]],
      });
      const ambiguous = await api('GET', `/individuals/by-reg-id/${encodeURIComponent(ref.idType)}/${nid}`);
      t.equal(ambiguous.status, 409, 'two individuals with the same ID: 409');
      t.same(ambiguous.body.candidates, [alice.id, twinId]);

      t.equal(await callsOf(() => api('GET', `/individuals/${alice.id}`)), 1, 'GET one individual: 1 Odoo call');
      t.equal(await callsOf(() => api('GET', `/individuals/by-reg-id/${encodeURIComponent(ref.idType)}/${nid}`)), 1, 'look-up (warm cache): 1 Odoo call');
    });

    t.test('individuals: validation', async (t) => {
      const reject = async (body: unknown, status: number, field: RegExp, what: string) => {
        const answer = await api('POST', '/individuals', { body });
        t.equal(answer.status, status, `${what}: ${status}`);
        t.match(answer.body, { status, errors: [{ field }] }, `${what}: names the field`);
        return answer;
      };
      await reject({ ...person('X'), company_id: 1 }, 400, /company_id|body/, 'mass assignment of company_id');
      await reject({ ...person('X'), is_group: true }, 400, /is_group|body/, 'mass assignment of is_group');
      await reject({ ...person('X'), active: false }, 400, /active|body/, 'mass assignment of active');
      await reject({ ...person('X'), birthdate: '1990-13-45' }, 400, /birthdate/, 'impossible date');
      await reject({ addl_name: 'only' }, 400, /name/, 'no name at all');
      const gender = await reject(person('X', { gender: 'Martian' }), 422, /gender/, 'unknown gender');
      t.match(gender.body.errors[0].message, /accepted values: .*"Female"/, 'lists the accepted genders');
      await reject(person('X', { reg_ids: [{ id_type: 'Nope', value: '1' }] }), 422, /reg_ids\[0\]\.id_type/, 'unknown ID type');
      await reject(
        person('X', {
          reg_ids: [
            { id_type: ref.idType, value: '1' },
            { id_type: ref.idType, value: '2' },
          ],
        }),
        422,
        /reg_ids\[1\]\.id_type/,
        'two IDs of one type',
      );
      await reject(person('X', { registration_date: '2999-01-01' }), 422, /registration_date/, 'future registration date');
      const phone = await api('POST', '/individuals', { body: person('X', { phone_numbers: [{ phone_no: '+15550100' }] }) });
      t.equal(phone.status, 422, "Odoo's phone validation: 422");
      t.match(phone.body.detail, /Invalid number/, "with Odoo's message");
      t.notMatch(JSON.stringify(phone.body), /Traceback|File "/, 'never a traceback');
      const query = await api('GET', '/individuals?domain=%5B%5D');
      t.equal(query.status, 400, 'a raw domain is not a filter');
      t.equal((await api('GET', '/individuals?cursor=garbage')).status, 400, 'invalid cursor: 400');
      t.equal((await api('GET', '/individuals/abc')).status, 400, 'non-numeric id: 400');
      const passport = await api('POST', '/individuals', { body: person('X', { reg_ids: [{ id_type: 'Passport', value: 'bad' }] }) });
      t.equal(passport.status, 422, "the ID type's id_validation pattern is checked up front");
      t.match(passport.body.errors, [{ field: 'reg_ids[0].value' }]);
    });

    t.test('individuals: 404 for what is not an individual', async (t) => {
      const company = await stack.odoo.search('res.partner', [['is_registrant', '=', false]], { limit: 1 });
      t.equal((await api('GET', `/individuals/${company[0]}`)).status, 404, 'a non-registrant partner');
      const group = await api('POST', '/groups', { body: { name: `Grp ${tag} 404`, kind: ref.groupKind } });
      t.equal((await api('GET', `/individuals/${group.body.id}`)).status, 404, 'a group is not an individual');
      t.equal((await api('GET', `/groups/${company[0]}`)).status, 404, 'nor a group');
      t.equal((await api('GET', '/individuals/2147483000')).status, 404, 'no such id');
      t.equal((await api('PATCH', '/individuals/2147483000', { body: { occupation: 'x' } })).status, 404, 'PATCH of no such id');
      t.equal((await api('DELETE', '/individuals/2147483000')).status, 404, 'DELETE of no such id');
    });

    t.test('individuals: PATCH, If-Match, archive', async (t) => {
      const created = await api('POST', '/individuals', {
        body: person('Bob', { reg_ids: [{ id_type: ref.idType, value: `NID-${tag}-B` }], phone_numbers: [{ phone_no: '+254711111111' }] }),
      });
      const bob = created.body;
      const etag = created.headers.get('etag')!;
      const patched = await api('PATCH', `/individuals/${bob.id}`, { body: { given_name: 'Robert', occupation: 'Farmer' }, headers: { 'if-match': etag } });
      t.equal(patched.status, 200, 'PATCH with the current ETag');
      t.equal(patched.body.name, `${tag.toUpperCase()}, ROBERT`, 'name rebuilt from the changed parts');
      t.equal(patched.body.occupation, 'Farmer');
      t.not(patched.headers.get('etag'), etag, 'a new version');
      const stale = await api('PATCH', `/individuals/${bob.id}`, { body: { occupation: 'Teacher' }, headers: { 'if-match': etag } });
      t.equal(stale.status, 412, 'stale If-Match: 412');
      t.equal((await api('GET', `/individuals/${bob.id}`)).body.occupation, 'Farmer', 'nothing written on 412');

      const replaced = await api('PATCH', `/individuals/${bob.id}`, {
        body: { reg_ids: [{ id_type: ref.idType, value: `NID-${tag}-B2` }], phone_numbers: [{ phone_no: '+254722222222' }] },
      });
      t.equal(replaced.status, 200, 'nested lists replaced');
      t.equal(replaced.body.reg_ids[0].id, bob.reg_ids[0].id, 'an ID of the same type is updated in place');
      t.equal(replaced.body.reg_ids[0].value, `NID-${tag}-B2`);
      t.match(replaced.body.phone_numbers, [{ phone_no: '+254722222222' }]);
      t.equal(replaced.body.phone_numbers.length, 1, 'the old phone number is gone');
      t.equal((await api('PATCH', `/individuals/${bob.id}`, { body: { is_group: true } })).status, 400, 'PATCH cannot turn it into a group');
      t.equal((await api('PATCH', `/individuals/${bob.id}`, { body: { gender: 'Martian' } })).status, 422);

      const staleDelete = await api('DELETE', `/individuals/${bob.id}`, { headers: { 'if-match': etag } });
      t.equal(staleDelete.status, 412, 'stale If-Match on DELETE: 412');
      t.equal((await api('DELETE', `/individuals/${bob.id}`)).status, 204, 'archived');
      const archived = await api('GET', `/individuals/${bob.id}`);
      t.equal(archived.body.active, false, 'still readable, marked inactive');
      t.equal((await api('GET', `/individuals?family_name=${tag}&given_name=Robert`)).body.items.length, 0, 'left out of lists');
      t.equal((await api('GET', `/individuals?family_name=${tag}&given_name=Robert&include_archived=true`)).body.items.length, 1, 'unless include_archived');
      t.equal((await api('DELETE', `/individuals/${bob.id}`)).status, 204, 'archiving twice is fine');
    });

    t.test('individuals: filters', async (t) => {
      const batch = await api('POST', '/individuals/batch', {
        body: {
          items: [
            person('Fil1', {
              birthdate: '1950-01-01',
              reg_ids: [{ id_type: ref.idType, value: `F-${tag}-1` }],
              phone_numbers: [{ phone_no: '+254733000001' }],
            }),
            person('Fil2', { birthdate: '2010-06-01', gender: 'Male', registration_date: '2020-02-02' }),
          ],
        },
      });
      t.equal(batch.status, 201);
      const ids = (query: string) => api('GET', `/individuals?family_name=${tag}&${query}`).then((a) => a.body.items.map((i: { id: number }) => i.id));
      const [one, two] = batch.body.items.map((i: { id: number }) => i.id);
      t.same(await ids('birthdate_to=1960-01-01'), [one], 'birthdate range');
      t.same(await ids('gender=male'), [two], 'gender by name, any case');
      t.same(await ids(`id_type=${encodeURIComponent(ref.idType)}&id_value=F-${tag}-1`), [one], 'registrant ID');
      t.same(await ids('phone=733000001'), [one], 'phone number contains');
      t.same(await ids('registered_from=2020-01-01&registered_to=2020-12-31'), [two], 'registration date range');
      t.same(await ids('name=fil2'), [two], 'name contains, case-insensitive');
      t.equal((await api('GET', '/individuals?gender=Martian')).status, 422, 'unknown gender in a filter: 422');
      const tooLarge = await api('GET', '/individuals?limit=100000');
      t.equal(tooLarge.status, 400, 'a limit above maxPageSize is refused, not quietly cut');
      t.same(tooLarge.body.errors, [{ field: 'query.limit', message: 'must be at most 100 (api.maxPageSize); follow next_cursor for more' }]);
      const atMax = await api('GET', '/individuals?limit=100');
      t.ok(atMax.status === 200 && atMax.body.items.length <= 100, 'at most maxPageSize items');
      t.equal(await callsOf(() => api('GET', '/individuals?limit=100')), 1, 'a page of 100 with nested IDs, phones, banks: 1 Odoo call');
    });

    t.test('individuals: batch create', async (t) => {
      const before = (await api('GET', `/individuals?family_name=${tag}&include_archived=true&limit=1&exact_total=true`)).body.total;
      const invalid = await api('POST', '/individuals/batch', {
        body: { items: [person('Ok'), person('Bad1', { birthdate: 'yesterday' }), person('Bad2', { gender: 'Martian' }), { foo: 1 }] },
      });
      t.equal(invalid.status, 422, 'any invalid item: 422');
      const fields = invalid.body.errors.map((e: { field: string }) => e.field);
      t.ok(fields.includes('items[1].birthdate'), 'names items[1].birthdate');
      t.ok(fields.includes('items[2].gender'), 'names items[2].gender');
      t.ok(
        fields.some((f: string) => f.startsWith('items[3]')),
        'names items[3]',
      );
      t.equal((await api('GET', `/individuals?family_name=${tag}&include_archived=true&limit=1&exact_total=true`)).body.total, before, 'nothing created');
      t.equal((await api('POST', '/individuals/batch', { body: { people: [] } })).status, 400, 'not a batch at all: 400');
      t.equal((await api('POST', '/individuals/batch', { body: { items: [] } })).status, 400, 'an empty batch: 400');
      t.equal((await api('POST', '/individuals/batch', { body: { items: [person('X')], is_group: true } })).status, 400, 'unknown top-level field: 400');

      const items = Array.from({ length: 5 }, (_, i) => person(`Batch${i}`));
      const run = () => api('POST', '/individuals/batch', { body: { items } });
      let answer: Answer | undefined;
      const calls = await callsOf(async () => (answer = await run()));
      t.equal(answer!.status, 201);
      t.equal(answer!.body.items.length, 5, 'every item created');
      t.equal(calls, 2, 'one Odoo create for the whole batch, one read back');
      t.equal(stack.objectCalls().filter((c) => c.method === 'create').length, 1, 'exactly one create call');
      // All or nothing: Odoo refusing one item (invalid phone number) leaves none of them.
      const refused = await api('POST', '/individuals/batch', {
        body: { items: [person('AllOrNothing1'), person('AllOrNothing2', { phone_numbers: [{ phone_no: '+15550100' }] })] },
      });
      t.equal(refused.status, 422);
      t.equal((await api('GET', `/individuals?family_name=${tag}&name=AllOrNothing`)).body.items.length, 0, 'no item of a refused batch exists');
    });

    t.test('idempotency', async (t) => {
      const key = `key-${tag}-1`;
      const body = person('Idem');
      const first = await api('POST', '/individuals', { body, headers: { 'idempotency-key': key } });
      t.equal(first.status, 201);
      t.equal(first.headers.get('idempotent-replayed'), null);
      const again = await api('POST', '/individuals', { body, headers: { 'idempotency-key': key } });
      t.equal(again.status, 201, 'a retry gets the same status');
      t.same(again.body, first.body, 'and the same body');
      t.equal(again.headers.get('idempotent-replayed'), 'true');
      t.equal((await api('GET', `/individuals?family_name=${tag}&given_name=Idem`)).body.items.length, 1, 'one registrant, not two');
      const other = await api('POST', '/individuals', { body: person('Other'), headers: { 'idempotency-key': key } });
      t.equal(other.status, 422, 'same key, different body: 422');

      const concurrentKey = `key-${tag}-2`;
      const [a, b] = await Promise.all([
        api('POST', '/individuals', { body: person('Concurrent'), headers: { 'idempotency-key': concurrentKey } }),
        api('POST', '/individuals', { body: person('Concurrent'), headers: { 'idempotency-key': concurrentKey } }),
      ]);
      t.equal(a.body.id, b.body.id, 'a retry while the first is in flight waits for it');
      t.equal((await api('GET', `/individuals?family_name=${tag}&given_name=Concurrent`)).body.items.length, 1);

      const groupKey = `key-${tag}-g`;
      const groupBody = { name: `Idem group ${tag}`, kind: ref.groupKind };
      const g1 = await api('POST', '/groups', { body: groupBody, headers: { 'idempotency-key': groupKey } });
      const g2 = await api('POST', '/groups', { body: groupBody, headers: { 'idempotency-key': groupKey } });
      t.equal(g1.status, 201);
      t.same(g2.body, g1.body, 'a retried group create returns the first group');
      t.equal(g2.headers.get('idempotent-replayed'), 'true');
      t.equal((await api('GET', `/groups?name=Idem%20group%20${tag}`)).body.items.length, 1, 'one group');
      const member = (await api('POST', '/individuals', { body: person('IdemMember') })).body.id;
      const m1 = await api('POST', `/groups/${g1.body.id}/members`, { body: { individual: member }, headers: { 'idempotency-key': groupKey } });
      t.equal(m1.status, 201, 'the same key on another route is another key');
      const m2 = await api('POST', `/groups/${g1.body.id}/members`, { body: { individual: member }, headers: { 'idempotency-key': groupKey } });
      t.equal(m2.status, 201, 'a retried member add replays instead of a duplicate-member 409');
      t.same(m2.body, m1.body);

      if (!onSim) return t.comment(`unknown-outcome recovery (commit, then a lost reply) skipped: ${SIM_ONLY}`);
      stack.sim!.faults.commitThenDrop({ model: 'g2p.group.membership', method: 'create' }, 1);
      const lostMember = (await api('POST', '/individuals', { body: person('MemberGone') })).body.id;
      const memberKey = `key-${tag}-m`;
      const lostAdd = await api('POST', `/groups/${g1.body.id}/members`, { body: { individual: lostMember }, headers: { 'idempotency-key': memberKey } });
      t.ok(lostAdd.status >= 502, 'membership created but the answer lost');
      const recoveredAdd = await api('POST', `/groups/${g1.body.id}/members`, { body: { individual: lostMember }, headers: { 'idempotency-key': memberKey } });
      t.equal(recoveredAdd.status, 201, 'the retry finds the membership by group and individual');
      t.equal(recoveredAdd.body.individual.id, lostMember);

      // The create commits in Odoo but the answer is lost: the retry finds it by its marker.
      stack.sim!.faults.commitThenDrop({ model: 'res.partner', method: 'create' }, 1);
      const lostKey = `key-${tag}-3`;
      const lost = await api('POST', '/individuals', { body: person('Lost'), headers: { 'idempotency-key': lostKey } });
      t.ok([502, 503, 504].includes(lost.status), `transport failure after sending: ${lost.status}`);
      const retried = await api('POST', '/individuals', { body: person('Lost'), headers: { 'idempotency-key': lostKey } });
      t.equal(retried.status, 201, 'the retry answers with the record the first attempt made');
      t.equal(retried.headers.get('idempotent-replayed'), 'true');
      t.equal((await api('GET', `/individuals?family_name=${tag}&given_name=Lost`)).body.items.length, 1, 'exactly one registrant');

      stack.sim!.faults.commitThenDrop({ model: 'res.partner', method: 'create' }, 1);
      const batchKey = `key-${tag}-4`;
      const batchBody = { items: [person('LostB1'), person('LostB2')] };
      const lostBatch = await api('POST', '/individuals/batch', { body: batchBody, headers: { 'idempotency-key': batchKey } });
      t.ok(lostBatch.status >= 502);
      const retriedBatch = await api('POST', '/individuals/batch', { body: batchBody, headers: { 'idempotency-key': batchKey } });
      t.equal(retriedBatch.status, 201);
      t.same(
        retriedBatch.body.items.map((i: { given_name: string }) => i.given_name),
        ['LostB1', 'LostB2'],
        'the batch, in order',
      );
      t.equal((await api('GET', `/individuals?family_name=${tag}&name=LostB`)).body.items.length, 2, 'created once');
    });

    t.test('groups and memberships', async (t) => {
      const people = (await api('POST', '/individuals/batch', { body: { items: ['Head', 'Spouse', 'Child', 'Other'].map((n) => person(`G${n}`)) } })).body
        .items;
      const [head, spouse, child, other] = people.map((p: { id: number }) => p.id);

      const twoHeads = await api('POST', '/groups', {
        body: {
          name: `Household ${tag} X`,
          kind: ref.groupKind,
          members: [
            { individual: head, kinds: [ref.headKind] },
            { individual: spouse, kinds: [ref.headKind] },
          ],
        },
      });
      t.equal(twoHeads.status, 409, 'two heads in one group: 409');
      const ghost = await api('POST', '/groups', { body: { name: `Household ${tag} Y`, members: [{ individual: 2147483000 }] } });
      t.equal(ghost.status, 422, 'a member that is not an individual: 422');
      t.match(ghost.body.errors, [{ field: 'members[0].individual' }]);
      const badKind = await api('POST', '/groups', { body: { name: `Household ${tag} Z`, members: [{ individual: head, kinds: ['Nope'] }] } });
      t.equal(badKind.status, 422);
      t.match(badKind.body.errors, [{ field: 'members[0].kinds[0]' }]);
      t.equal((await api('GET', `/groups?name=Household%20${tag}%20`)).body.items.length, 0, 'refused groups were not created');

      const created = await api('POST', '/groups', {
        body: {
          name: `Household ${tag}`,
          kind: ref.groupKind,
          members: [
            { individual: head, kinds: [ref.headKind] },
            { individual: spouse, kinds: [ref.otherKind], start_date: '2024-01-01T00:00:00Z' },
          ],
        },
      });
      t.equal(created.status, 201, 'group with members created in one go');
      const group = created.body;
      t.match(group, {
        kind: { name: ref.groupKind },
        members: [{ individual: { id: head }, kinds: [{ name: ref.headKind }] }, { individual: { id: spouse } }],
      });
      t.equal(group.members[1].start_date, '2024-01-01T00:00:00Z');

      const added = await api('POST', `/groups/${group.id}/members`, { body: { individual: child } });
      t.equal(added.status, 201, 'member added');
      t.equal(added.headers.get('location'), `/api/v1/groups/${group.id}/members/${added.body.id}`);
      const duplicate = await api('POST', `/groups/${group.id}/members`, { body: { individual: child } });
      t.equal(duplicate.status, 409, 'the same individual twice: 409');
      t.match(duplicate.body.detail, /Duplication of Member/);
      const secondHead = await api('POST', `/groups/${group.id}/members`, { body: { individual: other, kinds: [ref.headKind] } });
      t.equal(secondHead.status, 409, 'a second Head: 409 (Odoo would accept it over RPC)');
      const promote = await api('PATCH', `/groups/${group.id}/members/${added.body.id}`, { body: { kinds: [ref.headKind] } });
      t.equal(promote.status, 409, 'making another member Head: 409');
      t.equal((await api('POST', `/groups/${group.id}/members`, { body: { individual: group.id } })).status, 422, 'a group is not an individual');
      t.equal((await api('POST', '/groups/2147483000/members', { body: { individual: other } })).status, 404, 'no such group');

      const membership = await api('GET', `/groups/${group.id}/members/${added.body.id}`);
      t.equal(membership.status, 200);
      const changed = await api('PATCH', `/groups/${group.id}/members/${added.body.id}`, {
        body: { kinds: [ref.otherKind], start_date: '2024-02-01T10:00:00Z' },
        headers: { 'if-match': membership.headers.get('etag')! },
      });
      t.equal(changed.status, 200, 'kinds and dates changed');
      t.match(changed.body, { kinds: [{ name: ref.otherKind }], start_date: '2024-02-01T10:00:00Z' });
      const staleMember = await api('PATCH', `/groups/${group.id}/members/${added.body.id}`, {
        body: { kinds: [] },
        headers: { 'if-match': membership.headers.get('etag')! },
      });
      t.equal(staleMember.status, 412);
      const backwards = await api('PATCH', `/groups/${group.id}/members/${added.body.id}`, { body: { ended_date: '2020-01-01T00:00:00Z' } });
      t.equal(backwards.status, 422, 'end before start: 422');
      t.match(backwards.body.detail, /End Date cannot be earlier than Start Date/);

      const otherGroup = await api('POST', '/groups', { body: { name: `Household ${tag} other` } });
      t.equal((await api('GET', `/groups/${otherGroup.body.id}/members/${added.body.id}`)).status, 404, 'a membership of another group: 404');
      t.equal((await api('PATCH', `/groups/${otherGroup.body.id}/members/${added.body.id}`, { body: { kinds: [] } })).status, 404);
      t.equal((await api('DELETE', `/groups/${otherGroup.body.id}/members/${added.body.id}`)).status, 404);
      t.equal((await api('PATCH', `/groups/${group.id}/members/${added.body.id}`, { body: { kinds: ['Nope'] } })).status, 422, 'unknown kind: 422');
      t.equal(
        (await api('PATCH', `/groups/${group.id}/members/${added.body.id}`, { body: { group: otherGroup.body.id } })).status,
        400,
        'a membership cannot be moved',
      );
      t.equal(
        (await api('DELETE', `/groups/${group.id}/members/${added.body.id}`, { headers: { 'if-match': membership.headers.get('etag')! } })).status,
        412,
        'stale If-Match on ending: 412',
      );
      t.equal((await api('DELETE', `/groups/${group.id}/members/${added.body.id}`)).status, 204, 'membership ended');
      const ended = await api('GET', `/groups/${group.id}/members/${added.body.id}`);
      t.equal(ended.body.is_ended, true, 'ended, not deleted');
      t.ok(ended.body.ended_date);
      t.equal((await api('GET', `/groups/${group.id}/members`)).body.items.length, 2, 'active members only by default');
      const all = await api('GET', `/groups/${group.id}/members?include_ended=true`);
      t.equal(all.body.items.length, 3, 'include_ended shows the ended one');
      t.equal(all.body.total, 3);
      const headNow = await api('POST', `/groups/${group.id}/members`, { body: { individual: other, kinds: [ref.otherKind] } });
      t.equal(headNow.status, 201);

      const memberships = await api('GET', `/individuals/${child}/groups`);
      t.equal(memberships.status, 200);
      t.match(memberships.body.items, [{ group: { id: group.id, name: `Household ${tag}` }, is_ended: true }]);
      t.equal((await api('GET', '/individuals/2147483000/groups')).status, 404);
      t.equal((await api('GET', '/groups/2147483000/members')).status, 404);

      const expanded = await api('GET', `/groups/${group.id}?expand=members`);
      t.equal(expanded.body.members.length, 4);
      const plain = await api('GET', `/groups/${group.id}`);
      t.notOk('members' in plain.body, 'members only when expanded');
      t.equal(plain.headers.get('etag'), expanded.headers.get('etag'), "the group's version does not depend on expand");
      t.same(
        (await api('GET', `/groups?member=${head}&name=${tag}`)).body.items.map((g: { id: number }) => g.id),
        [group.id],
        'filter groups by member',
      );
      t.same(
        (await api('GET', `/groups?kind=${encodeURIComponent(ref.groupKind)}&name=Household%20${tag}`)).body.items.map((g: { id: number }) => g.id),
        [group.id],
        'filter by kind',
      );

      const patched = await api('PATCH', `/groups/${group.id}`, {
        body: { name: `Household ${tag} renamed` },
        headers: { 'if-match': plain.headers.get('etag')! },
      });
      t.equal(patched.status, 200);
      t.equal(patched.body.name, `Household ${tag} renamed`);
      t.equal((await api('PATCH', `/groups/${group.id}`, { body: { name: 'x' }, headers: { 'if-match': plain.headers.get('etag')! } })).status, 412);
      t.equal((await api('PATCH', `/groups/${group.id}`, { body: { is_group: false } })).status, 400);
      t.equal((await api('PATCH', `/groups/${group.id}`, { body: { kind: 'Nope' } })).status, 422, 'unknown group kind: 422');
      t.equal((await api('PATCH', `/groups/${group.id}`, { body: { registration_date: '2999-01-01' } })).status, 422, 'future registration date: 422');
      t.equal((await api('DELETE', '/groups/2147483000')).status, 404);
      t.equal((await api('PATCH', '/groups/2147483000', { body: { name: 'x' } })).status, 404);
      t.equal((await api('DELETE', `/groups/${group.id}`)).status, 204);
      t.equal((await api('GET', `/groups/${group.id}`)).body.active, false, 'group archived');

      const big = await api('POST', '/groups', {
        body: {
          name: `Big ${tag}`,
          members: (await api('POST', '/individuals/batch', { body: { items: Array.from({ length: 25 }, (_, i) => person(`Big${i}`)) } })).body.items.map(
            (p: { id: number }) => ({ individual: p.id }),
          ),
        },
      });
      t.equal(big.body.members.length, 25);
      t.equal(await callsOf(() => api('GET', `/groups/${big.body.id}?expand=members`)), 1, 'a group with 25 members: 1 Odoo call');
      t.equal(await callsOf(() => api('GET', `/groups/${group.id}?expand=members`)), 1, 'a group with 4 members: 1 Odoo call');
      t.equal(await callsOf(() => api('GET', '/groups?expand=members&limit=50')), 1, 'a page of groups with members: 1 Odoo call');
      t.equal(await callsOf(() => api('GET', `/groups/${big.body.id}/members?limit=10`)), 1, 'a page of members: 1 Odoo call');
    });

    t.test('reference data', async (t) => {
      for (const path of ['/id-types', '/group-kinds', '/membership-kinds', '/genders']) {
        const answer = await api('GET', path);
        t.equal(answer.status, 200, path);
        t.ok(answer.body.items.length > 0, `${path} lists records`);
      }
      const kinds = (await api('GET', '/membership-kinds')).body.items;
      t.match(
        kinds.find((k: { name: string }) => k.name === ref.headKind),
        { is_unique: true },
        'Head is unique',
      );
      t.equal(await callsOf(() => api('GET', '/genders')), 0, 'served from the cache when warm');
    });

    t.test('pagination to the end while records change', async (t) => {
      const count = 230;
      // Taken before the batch: Odoo stamps write_date when the batch starts, which on a slow
      // server can be seconds before its answer.
      const since = new Date(Date.now() - 5_000).toISOString();
      const made = await api('POST', '/individuals/batch', {
        body: { items: Array.from({ length: count }, (_, i) => person(`Page${i}`, { occupation: 'v0' })) },
      });
      t.equal(made.status, 201);
      const ids: number[] = made.body.items.map((i: { id: number }) => i.id);

      // By id: updates do not move records, so every record comes exactly once.
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Answer = await api('GET', `/individuals?family_name=${tag}&name=PAGE&limit=37${cursor ? `&cursor=${cursor}` : ''}`);
        t.equal(page.status, 200);
        seen.push(...page.body.items.map((i: { id: number }) => i.id));
        cursor = page.body.next_cursor;
        // Change records on both sides of the cursor while paging.
        await api('PATCH', `/individuals/${ids[(pages * 53) % count]}`, { body: { occupation: `p${pages}` } });
        pages++;
      } while (cursor && pages < 50);
      t.equal(seen.length, count, 'no record missed or repeated');
      t.same(
        [...seen].sort((a, b) => a - b),
        ids,
        'exactly the records created',
      );

      // Sync by updated_at: each change is delivered once; a record changed after it was
      // delivered comes again, later. Sync serves only seconds that are over (api.syncSettleMs
      // is 0 here), so wait for the batch's second to end first.
      await sleep(1_100);
      const versions = new Map<number, string[]>();
      const changedLate = new Set<number>();
      const pull = async (start: string | null, changeWhilePaging: boolean): Promise<string> => {
        let cursor = start;
        let resume = start;
        for (let pages = 0; pages < 60; pages++) {
          // A cursor is only valid with the filters it was made for.
          const query = `updated_since=${encodeURIComponent(since)}${cursor ? `&cursor=${cursor}` : ''}`;
          const page: Answer = await api('GET', `/individuals?family_name=${tag}&name=PAGE&sort=updated_at&limit=41&${query}`);
          t.equal(page.status, 200);
          for (const item of page.body.items) versions.set(item.id, [...(versions.get(item.id) ?? []), item.occupation]);
          resume = page.body.resume_cursor ?? resume;
          if (changeWhilePaging && pages < 4 && page.body.items.length) {
            // One already delivered and one not yet delivered record change in the middle of the sync.
            const delivered = page.body.items[0].id;
            const pending = ids.find((id) => !versions.has(id) && !changedLate.has(id));
            for (const id of [delivered, pending]) {
              if (id === undefined) continue;
              changedLate.add(id);
              await api('PATCH', `/individuals/${id}`, { body: { occupation: `late${pages}` } });
            }
          }
          cursor = page.body.next_cursor;
          if (!cursor) break;
        }
        t.ok(resume, 'a resume cursor to continue from later');
        return resume!;
      };
      const resume = await pull(null, true);
      await sleep(1_100);
      await pull(resume, false);
      t.equal(versions.size, count, 'every record delivered');
      const current = new Map((await stack.odoo.read('res.partner', ids, ['occupation'])).map((r) => [r.id, r.occupation as string]));
      const missedLatest = ids.filter((id) => versions.get(id)!.at(-1) !== current.get(id));
      t.same(missedLatest, [], 'the last version delivered of every record is its current one');
      const repeats = ids.filter((id) => new Set(versions.get(id)).size !== versions.get(id)!.length);
      t.same(repeats, [], 'no version delivered twice');
    });

    t.test('Odoo failures become the right problems', async (t) => {
      if (!onSim) return t.comment(`fault injection skipped: ${SIM_ONLY}`);
      const sim = stack.sim!;
      const someone = (await api('GET', '/individuals?limit=1')).body.items[0].id;
      const gateway = async (overrides: Parameters<Stack['extraGateway']>[0], run: (call: ReturnType<typeof client>) => Promise<void>) => {
        const extra = await stack.extraGateway(overrides);
        try {
          await run(client(stack, extra.api));
        } finally {
          await extra.close();
        }
      };
      const noTraceback = (answer: Answer) => t.notMatch(JSON.stringify(answer.body), /Traceback|File "|psycopg2/, 'no traceback in the problem');

      await gateway({ login: 'noaccess', password: 'noaccess' }, async (call) => {
        const answer = await call('GET', `/individuals/${someone}`);
        t.equal(answer.status, 403, "AccessError (the gateway's Odoo account lacks rights): 403");
        t.match(answer.body.detail, /Odoo refused/);
      });
      await gateway({ password: 'wrong-password' }, async (call) => {
        const answer = await call('GET', `/individuals/${someone}`);
        t.equal(answer.status, 502, 'AccessDenied (our own credentials): 502');
        t.notMatch(answer.body.detail, /password/i, 'generic detail');
      });
      await gateway({ readRetries: 0 }, async (call) => {
        sim.faults.setFaultRate(1, { method: 'web_search_read' }, 1);
        const crashed = await call('GET', `/individuals/${someone}`);
        t.equal(crashed.status, 502, 'server error: 502');
        noTraceback(crashed);
        await sim.faults.clear();
        sim.faults.proxyHtml({ method: 'web_search_read' }, 1);
        const proxied = await call('GET', `/individuals/${someone}`);
        t.equal(proxied.status, 502, "a proxy's HTML page: 502");
        await sim.faults.clear();
      });
      await gateway({ readRetries: 0, timeoutMs: 300 }, async (call) => {
        sim.faults.addLatency(1_500, { method: 'web_search_read' });
        const slow = await call('GET', `/individuals/${someone}`);
        t.equal(slow.status, 504, 'timeout: 504');
        await sim.faults.clear();
      });
      await gateway({ readRetries: 0 }, async (call) => {
        await call('GET', '/genders');
        await sim.faults.outage('refuse');
        try {
          const down = await call('GET', `/individuals/${someone}`);
          t.equal(down.status, 503, 'Odoo unreachable: 503');
          t.ok(down.headers.get('retry-after'), 'with Retry-After');
        } finally {
          await sim.faults.clear();
        }
      });
      t.equal((await api('GET', `/individuals/${someone}`)).status, 200, 'the main gateway is unaffected');

      // MissingError: the record is deleted in Odoo between the gateway's read and its write.
      const doomed = (await api('POST', '/individuals', { body: person('Doomed') })).body.id;
      stack.resetCalls();
      sim.faults.addLatency(300, { model: 'res.partner', method: 'write' });
      const pending = api('PATCH', `/individuals/${doomed}`, { body: { occupation: 'x' } });
      while (!sim.calls.some((c) => c.model === 'res.partner' && c.objectMethod === 'write')) await sleep(5);
      await stack.odoo.unlink('res.partner', [doomed]);
      const gone = await pending;
      await sim.faults.clear();
      t.equal(gone.status, 404, 'MissingError: 404');
      t.match(gone.body.detail, /does not exist/);
    });

    t.test('OpenAPI document and UI', async (t) => {
      const doc = await fetch(`${stack.origin}/openapi.json`);
      t.equal(doc.status, 200, 'public');
      const openapi = (await doc.json()) as any;
      t.equal(openapi.openapi, '3.1.0');
      for (const path of [
        '/api/v1/individuals',
        '/api/v1/individuals/batch',
        '/api/v1/individuals/by-reg-id/{id_type}/{value}',
        '/api/v1/groups/{id}/members/{membership_id}',
        '/api/v1/genders',
      ]) {
        t.ok(openapi.paths[path], `documents ${path}`);
      }
      const createSchema = openapi.paths['/api/v1/individuals'].post.requestBody.content['application/json'].schema;
      t.ok(createSchema.properties.city, 'custom fields are in the document');
      t.equal(createSchema.additionalProperties, false, 'unknown fields are refused');
      const ui = await fetch(`${stack.origin}/docs`);
      t.equal(ui.status, 200, 'the UI is served');
    });
  });
}
