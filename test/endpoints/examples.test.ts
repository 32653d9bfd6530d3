/**
 * The shipped example endpoints (config/endpoints.example.yaml) and the other kinds (get,
 * count, another model) end to end: a real gateway on a real port in front of an Odoo, with
 * fixtures of this run (a village, households with heads and members). Against the simulator
 * (where Odoo calls are also counted: one per read, per page) or a real OpenG2P Odoo when the
 * G2P_E2E_ODOO_* variables are set.
 */
import t, { type Test } from 'tap';
import type { FileConfig } from '../../src/config/schema.js';
import { startStack, type Protocol, type Stack } from '../support/stack.js';
import { ensureEnrolmentStatusField, exampleEndpoints } from './examples.js';

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  /** ORM calls the simulator received for this request; undefined on a real Odoo. */
  calls?: number;
}

/** The other kinds of endpoint, beside the four examples. */
const MORE: NonNullable<FileConfig['endpoints']> = [
  {
    path: '/custom/households/{id}',
    kind: 'get',
    roles: ['Rest API GET'],
    target: 'groups',
    filter: [{ field: 'kind.name', op: 'eq', value: 'Household' }],
    params: [{ name: 'id', in: 'path', field: 'id' }],
    fields: ['name', 'head.name', 'members.individual.name', 'members.kinds.name', 'kind.name'],
  },
  {
    path: '/custom/stats/households-count',
    kind: 'count',
    roles: ['Rest API GET'],
    target: 'groups',
    filter: [{ field: 'kind.name', op: 'eq', value: 'Household' }],
    params: [
      { name: 'village', field: 'district.name', required: true },
      { name: 'head_gender', field: 'head.gender' },
      { name: 'member_born_before', field: 'members.individual.birthdate', op: 'lt' },
      { name: 'member_born_from', field: 'members.individual.birthdate', op: 'gte' },
    ],
  },
  {
    path: '/custom/districts',
    kind: 'list',
    roles: ['Rest API GET'],
    target: 'model',
    model: 'g2p.district',
    modelFields: ['name'],
    params: [{ name: 'name', field: 'name', op: 'contains' }],
    fields: ['name'],
  },
];

interface Fixtures {
  village: string;
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
  h1: number;
  h2: number;
  family: number;
  elsewhere: number;
}

async function createFixtures(stack: Stack): Promise<Fixtures> {
  const odoo = stack.odoo;
  const tag = stack.runTag;
  const village = `Village ${tag}`;
  const district = await odoo.create('g2p.district', { name: village });
  const other = await odoo.create('g2p.district', { name: `Other ${tag}` });
  const [national] = await odoo.search('g2p.id.type', [['name', '=', stack.reference.idType]]);
  const [head] = await odoo.search('g2p.group.membership.kind', [['name', '=', stack.reference.headKind]]);
  const [spouse] = await odoo.search('g2p.group.membership.kind', [['name', '=', stack.reference.otherKind]]);
  const [household] = await odoo.search('g2p.group.kind', [['name', '=', stack.reference.groupKind]]);
  const person = (given: string, gender: string, birthdate: string, extra: Record<string, unknown> = {}) =>
    odoo.create('res.partner', {
      name: `${tag.toUpperCase()}, ${given}`,
      given_name: given,
      family_name: tag,
      is_registrant: true,
      is_group: false,
      gender,
      birthdate,
      district,
      ...extra,
    });
  const nid = (value: string) => ({ reg_ids: [[0, 0, { id_type: national, value: `${tag}-${value}` }]] });
  const a = await person('AMINA', 'Female', '1980-03-01', {
    ...nid('A'),
    income: 1000,
    phone: '+254700000001',
    phone_number_ids: [[0, 0, { phone_no: '+254711000001' }]],
  });
  const b = await person('BARAKA', 'Male', '1985-06-01', { income: 500 });
  const c = await person('CHIKU', 'Female', '2015-01-01');
  const d = await person('DAUDI', 'Male', '1950-01-01', { ...nid('D'), income: 200, phone: '+254700000004' });
  const e = await person('ELIMU', 'Male', '1999-01-01', nid('E'));
  const f = await person('FARAJA', 'Female', '2000-01-01', nid('F'));
  const group = (name: string, values: Record<string, unknown>, members: unknown[]) =>
    odoo.create('res.partner', { name: `${name} ${tag}`, is_registrant: true, is_group: true, ...values, group_membership_ids: members });
  const member = (individual: number, kinds: number[], ended = false) => [
    0,
    0,
    { individual, kind: [[6, 0, kinds]], ...(ended ? { start_date: '2020-01-01 00:00:00', ended_date: '2025-01-01 00:00:00' } : {}) },
  ];
  const h1 = await group('Household One', { kind: household, district }, [member(a, [head!]), member(b, [spouse!]), member(c, [])]);
  const h2 = await group('Household Two', { kind: household, district }, [member(d, [head!]), member(f, [], true)]);
  const family = await group('Kindless group', { district }, [member(e, [head!])]);
  const elsewhere = await group('Household Elsewhere', { kind: household, district: other }, []);
  return { village, a, b, c, d, e, f, h1, h2, family, elsewhere };
}

for (const protocol of ['jsonrpc', 'xmlrpc'] as Protocol[])
  t.test(`declared endpoints end to end over ${protocol}`, async (t) => {
    const stack = await startStack(t, {
      protocol,
      households: 10,
      endpoints: [...exampleEndpoints(), ...MORE],
      prepare: ensureEnrolmentStatusField,
      api: { syncSettleMs: 0 },
    });
    t.teardown(async () => {
      // Leave a real database usable: archive what this run created (nothing is destroyed). One
      // record a write: OpenG2P's one-Head check counts Heads across all the groups of a write.
      const mine = await stack.odoo.search('res.partner', [['name', 'ilike', stack.runTag]], { context: { active_test: false } });
      for (const id of mine) await stack.odoo.write('res.partner', [id], { active: false });
      await stack.close();
    });
    const x = await createFixtures(stack);
    const tokens = { both: stack.token('reader', 'writer'), reader: stack.token('reader'), writer: stack.token('writer') };
    const call = async (
      method: string,
      path: string,
      options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
    ): Promise<Answer> => {
      stack.resetCalls();
      const token = options.token === undefined ? tokens.both : options.token;
      const response = await fetch(`${stack.api}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined, calls: stack.objectCalls()?.length };
    };
    const oneCall = (t: Test, answer: Answer, what: string) => {
      if (answer.calls !== undefined) t.equal(answer.calls, 1, `${what}: one Odoo call`);
    };
    const noCall = (t: Test, answer: Answer, what: string) => {
      if (answer.calls !== undefined) t.equal(answer.calls, 0, `${what}: no Odoo call`);
    };
    const village = encodeURIComponent(x.village);

    t.test('households of a village with their head', async (t) => {
      const page = await call('GET', `/custom/villages/${village}/households`);
      t.equal(page.status, 200);
      oneCall(t, page, 'the page');
      t.same(
        page.body.items.map((h: { id: number }) => h.id),
        [x.h1, x.h2],
        "the village's households only (not the kindless group, not another village)",
      );
      t.equal(page.body.total, 2);
      const [one, two] = page.body.items;
      t.same(one, {
        id: x.h1,
        name: `Household One ${stack.runTag}`,
        district: { id: one.district.id, name: x.village },
        head: {
          id: x.a,
          name: `${stack.runTag.toUpperCase()}, AMINA`,
          phone: '+254700000001',
          phone_numbers: [{ id: one.head.phone_numbers[0].id, phone_no: '+254711000001' }],
        },
        x_enrolment_status: null,
      });
      t.same(two.head, { id: x.d, name: `${stack.runTag.toUpperCase()}, DAUDI`, phone: '+254700000004', phone_numbers: [] }, "the second household's head");
      t.comment(
        `GET /custom/villages/${village}/households -> ${JSON.stringify(page.body).slice(0, 400)} (Odoo calls: ${page.calls ?? 'not counted on a real Odoo'})`,
      );

      const first = await call('GET', `/custom/villages/${village}/households?limit=1`);
      oneCall(t, first, 'page 1');
      t.same(
        first.body.items.map((h: { id: number }) => h.id),
        [x.h1],
      );
      t.ok(first.body.next_cursor, 'a cursor to the next page');
      const second = await call('GET', `/custom/villages/${village}/households?limit=1&cursor=${first.body.next_cursor}`);
      oneCall(t, second, 'page 2');
      t.same(
        second.body.items.map((h: { id: number }) => h.id),
        [x.h2],
      );
      t.equal(second.body.next_cursor, null, 'the last page');
      const replayed = await call('GET', `/custom/villages/Elsewhere/households?cursor=${first.body.next_cursor}`);
      t.equal(replayed.status, 400, 'a cursor does not carry over to another village');
      noCall(t, replayed, 'the refused cursor');
    });

    t.test('individuals without a national ID', async (t) => {
      const all = async (query: string) => {
        const ids: number[] = [];
        let cursor = '';
        for (;;) {
          const page = await call('GET', `/custom/individuals/without-national-id?limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`);
          t.equal(page.status, 200);
          oneCall(t, page, 'a page');
          ids.push(...page.body.items.map((i: { id: number }) => i.id));
          if (!page.body.next_cursor) return { ids, last: page.body };
          cursor = page.body.next_cursor;
        }
      };
      const everyone = await all('');
      for (const id of [x.b, x.c]) t.ok(everyone.ids.includes(id), `${id} has no National ID: listed`);
      for (const id of [x.a, x.d, x.e, x.f]) t.notOk(everyone.ids.includes(id), `${id} has one: not listed`);
      const women = await all('&gender=Female&born_after=2010-01-01');
      t.ok(women.ids.includes(x.c), 'gender and birthdate parameters narrow it');
      t.notOk(women.ids.includes(x.b), 'a man is left out');
      const c = await call('GET', `/custom/individuals/without-national-id?gender=Female&born_after=2015-01-01&limit=500`);
      const chiku = c.body.items.find((i: { id: number }) => i.id === x.c);
      t.same(chiku, {
        id: x.c,
        name: `${stack.runTag.toUpperCase()}, CHIKU`,
        gender: 'Female',
        birthdate: '2015-01-01',
        phone_numbers: [],
        memberships: [{ id: chiku.memberships[0].id, group: { id: x.h1, name: `Household One ${stack.runTag}` } }],
      });
      t.comment(
        `GET /custom/individuals/without-national-id?gender=Female&born_after=2015-01-01 -> ${JSON.stringify(chiku)} (Odoo calls: ${c.calls ?? 'not counted on a real Odoo'})`,
      );
      const bad = await call('GET', '/custom/individuals/without-national-id?gender=Unknown');
      t.equal(bad.status, 400, 'a gender Odoo does not know is refused');
      t.equal(bad.body.errors[0].field, 'query.gender');
      noCall(t, bad, 'the refusal');
    });

    t.test('registrants per gender and age band', async (t) => {
      const stats = await call('GET', `/custom/stats/individuals-by-gender-and-age?district=${village}`);
      t.equal(stats.status, 200);
      // One read_group per age band (under 0, 0-17, 18-59, 60+, no birth date): each answers a few rows, where grouping by day answered one per birth date.
      if (stats.calls !== undefined) t.equal(stats.calls, 5, 'the aggregate: one Odoo call per age band');
      t.same(stats.body, {
        groups: [
          { gender: 'Female', age_band: '0-17', count: 1, sum_income: 0 },
          { gender: 'Female', age_band: '18-59', count: 2, sum_income: 1000 },
          { gender: 'Male', age_band: '18-59', count: 2, sum_income: 500 },
          { gender: 'Male', age_band: '60+', count: 1, sum_income: 200 },
        ],
        total: 6,
      });
      t.comment(
        `GET /custom/stats/individuals-by-gender-and-age?district=${village} -> ${JSON.stringify(stats.body)} (Odoo calls: ${stats.calls ?? 'not counted on a real Odoo'})`,
      );
      if (stack.sim) {
        const methods = stack.sim.calls.filter((c) => c.service === 'object').map((c) => c.objectMethod);
        t.same([...new Set(methods)], ['read_group'], 'through read_group only');
      }
    });

    t.test("setting a household's enrolment status", async (t) => {
      const path = `/custom/households/${x.h1}/enrolment`;
      const set = await call('PATCH', path, { body: { x_enrolment_status: 'enrolled' } });
      t.equal(set.status, 200);
      if (set.calls !== undefined) t.equal(set.calls, 3, 'read, write, read back');
      t.same(
        { ...set.body, updated_at: undefined },
        { id: x.h1, name: `Household One ${stack.runTag}`, x_enrolment_status: 'enrolled', updated_at: undefined },
      );
      const etag = set.headers.get('etag')!;
      t.ok(etag, 'an ETag');
      t.comment(
        `PATCH ${path} {"x_enrolment_status":"enrolled"} -> ${JSON.stringify(set.body)} ETag ${etag} (Odoo calls: ${set.calls ?? 'not counted on a real Odoo'})`,
      );
      const [stored] = await stack.odoo.read('res.partner', [x.h1], ['x_enrolment_status']);
      t.equal(stored?.x_enrolment_status, 'enrolled', 'stored in Odoo');

      const stale = await call('PATCH', path, { body: { x_enrolment_status: 'suspended' }, headers: { 'if-match': '"an-old-version"' } });
      t.equal(stale.status, 412, 'a stale If-Match is refused');
      if (stale.calls !== undefined) t.equal(stale.calls, 1, 'after the read, nothing written');
      const fresh = await call('PATCH', path, { body: { x_enrolment_status: 'suspended' }, headers: { 'if-match': etag } });
      t.equal(fresh.status, 200, 'the current ETag passes');
      t.equal(fresh.body.x_enrolment_status, 'suspended');
      const cleared = await call('PATCH', path, { body: { x_enrolment_status: null } });
      t.equal(cleared.body.x_enrolment_status, null, 'null clears it');

      for (const [body, field] of [
        [{ x_enrolment_status: 'bogus' }, 'body.x_enrolment_status'],
        [{ name: 'Renamed' }, 'body.name'],
        [{ is_group: false }, 'body.is_group'],
      ] as const) {
        const refused = await call('PATCH', path, { body });
        t.equal(refused.status, 400, `${JSON.stringify(body)} refused`);
        t.equal(refused.body.errors[0].field, field, `naming ${field}`);
        noCall(t, refused, 'the refusal');
      }
      const notAHousehold = await call('PATCH', `/custom/households/${x.a}/enrolment`, { body: { x_enrolment_status: 'enrolled' } });
      t.equal(notAHousehold.status, 404, 'an individual is not a household');
      const [untouched] = await stack.odoo.read('res.partner', [x.a], ['x_enrolment_status']);
      t.equal(untouched?.x_enrolment_status, false, 'and was not written');
    });

    t.test('get, count, another model', async (t) => {
      const one = await call('GET', `/custom/households/${x.h2}`);
      t.equal(one.status, 200);
      oneCall(t, one, 'get with members, their individuals and kinds');
      t.ok(one.headers.get('etag'), 'an ETag');
      t.same(
        one.body.members.map((m: { individual: { id: number } }) => m.individual.id),
        [x.d],
        'ended memberships left out',
      );
      t.same(
        one.body.members[0].kinds.map((k: { name: string }) => k.name),
        [stack.reference.headKind],
      );
      t.same(one.body.head, { id: x.d, name: `${stack.runTag.toUpperCase()}, DAUDI` });
      t.equal((await call('GET', `/custom/households/${x.family}`)).status, 404, 'a group that is not a household: 404');
      const count = await call('GET', `/custom/stats/households-count?village=${village}`);
      t.same(count.body, { count: 2 });
      oneCall(t, count, 'count');
      const femaleHead = await call('GET', `/custom/stats/households-count?village=${village}&head_gender=Female`);
      t.same(femaleHead.body, { count: 1 }, 'a condition on the head (a current membership of a unique kind, then its individual)');
      oneCall(t, femaleHead, 'count with a condition through relations');
      const olderMember = await call('GET', `/custom/stats/households-count?village=${village}&member_born_before=1960-01-01`);
      t.same(olderMember.body, { count: 1 }, 'a condition on current members');
      const endedMember = await call('GET', `/custom/stats/households-count?village=${village}&member_born_from=1999-12-31`);
      t.same(endedMember.body, { count: 1 }, 'an ended membership does not count (Chiku, 2015, is in Household One; Faraja, 2000, left Household Two)');
      const missing = await call('GET', '/custom/stats/households-count');
      t.equal(missing.status, 400, 'a required query parameter');
      const districts = await call('GET', `/custom/districts?name=${encodeURIComponent(stack.runTag)}`);
      t.same(districts.body.items.map((d: { name: string }) => d.name).sort(), [`Other ${stack.runTag}`, x.village].sort());
      t.same(Object.keys(districts.body.items[0]).sort(), ['id', 'name'], 'only the listed fields of the model');
    });

    t.test('roles are checked before Odoo', async (t) => {
      const cases: Array<[string, string, string | null, number, unknown?]> = [
        ['PATCH', `/custom/households/${x.h1}/enrolment`, tokens.reader, 403, { x_enrolment_status: 'enrolled' }],
        ['GET', `/custom/villages/${village}/households`, tokens.writer, 403],
        ['GET', `/custom/stats/individuals-by-gender-and-age`, tokens.writer, 403],
        ['GET', `/custom/villages/${village}/households`, null, 401],
        ['PATCH', `/custom/households/${x.h1}/enrolment`, null, 401, { x_enrolment_status: 'enrolled' }],
      ];
      for (const [method, path, token, status, body] of cases) {
        const answer = await call(method, path, { token, body });
        t.equal(answer.status, status, `${method} ${path}: ${status}`);
        t.match(answer.headers.get('content-type'), /application\/problem\+json/);
        noCall(t, answer, `${method} ${path}`);
      }
      const either = await call('GET', '/custom/individuals/without-national-id?limit=1', { token: tokens.writer });
      t.equal(either.status, 200, 'an endpoint declared for both roles accepts either');
    });

    t.test('first-class routes: in the OpenAPI document with their schemas', async (t) => {
      const document = (await (await fetch(`${stack.origin}/openapi.json`)).json()) as any;
      const households = document.paths['/api/v1/custom/villages/{village}/households']?.get;
      t.ok(households, 'the list is documented');
      t.same(
        households.parameters.filter((p: { in: string }) => p.in === 'path').map((p: { name: string }) => p.name),
        ['village'],
      );
      const item = households.responses['200'].content['application/json'].schema.properties.items.items;
      t.same(Object.keys(item.properties).sort(), ['district', 'head', 'id', 'name', 'x_enrolment_status']);
      const patch = document.paths['/api/v1/custom/households/{id}/enrolment']?.patch;
      const body = patch.requestBody.content['application/json'].schema;
      t.same(body.properties.x_enrolment_status.anyOf?.[0]?.enum ?? body.properties.x_enrolment_status.enum, ['pending', 'enrolled', 'suspended', 'exited']);
      t.equal(body.additionalProperties, false, 'no other field accepted');
      t.ok(document.paths['/api/v1/custom/stats/individuals-by-gender-and-age']?.get, 'the aggregate is documented');
      t.ok(document.paths['/api/v1/custom/individuals/without-national-id']?.get, 'the second list is documented');
    });
  });
