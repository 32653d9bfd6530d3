import t, { type Test } from 'tap';
import { ackSchema, responseEnvelopeSchema, httpErrorSchema } from '../../src/dci/envelope.js';
import { watchGatewayCalls } from '../support/call-shapes.js';
import { simulatorOnly, type OdooTarget } from '../support/odoo-target.js';
import { OdooFaultServer, odooLike } from '../support/odoo-fault-server.js';
import { expression, message, startDciGateway, startSim, uniqueId, type DciGateway } from './harness.js';

/**
 * The DCI sync search against a seeded registry (the simulator's, or a demo registry made on
 * the real Odoo): each query type, paging, sorting, the record shapes and every rejection
 * reason. Expected answers come from Odoo itself, asked directly over RPC at the time of the
 * test, never from hard-coded numbers.
 */

const SEARCH = '/registry/sync/search';
let target: OdooTarget;
const kinds: Record<string, number> = {};
let gw: DciGateway;

const db = {
  count: (domain: unknown[]) => target.admin.searchCount('res.partner', domain as never),
  ids: (domain: unknown[], kwargs: { limit?: number; offset?: number; order?: string } = {}) => target.admin.search('res.partner', domain as never, kwargs),
  read: (model: string, domain: unknown[], fields: string[], kwargs: { limit?: number; order?: string } = {}) =>
    target.admin.searchRead(model, domain as never, fields, kwargs) as Promise<Array<Record<string, any>>>,
  create: (model: string, values: Record<string, unknown>) => target.admin.create(model, values),
};
const MEMBERS = [
  ['is_registrant', '=', true],
  ['is_group', '=', false],
];
const GROUPS = [
  ['is_registrant', '=', true],
  ['is_group', '=', true],
];
const idOf = (record: { '@id': string }) => Number(record['@id'].split(':').pop());

/** Posts one message and checks that the answer is a valid on-search envelope. */
async function search(t: Test, criteria: Array<Record<string, unknown>>, header: Record<string, unknown> = {}, gateway = gw) {
  const request = message(criteria, header);
  const response = await gateway.post(SEARCH, request);
  t.equal(response.status, 200, 'answered with 200');
  const parsed = responseEnvelopeSchema.safeParse(response.body);
  t.ok(parsed.success, `response envelope validates${parsed.success ? '' : `: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`}`);
  t.equal(response.body.header.message_id, request.header.message_id, 'message_id echoed');
  t.equal(response.body.header.action, 'on-search');
  return { request, body: response.body, items: response.body.message?.search_response ?? [] };
}

t.before(async () => {
  target = await startSim();
  gw = await startDciGateway(t, target, { maxPageSize: 25 });
  for (const [model, name] of [
    ['g2p.id.type', 'National ID'],
    ['g2p.id.type', 'Passport'],
    ['g2p.group.kind', 'Household'],
    ['g2p.group.membership.kind', 'Head'],
    ['g2p.group.membership.kind', 'Child'],
    ['g2p.group.membership.kind', 'Member'],
  ]) {
    kinds[name!] = (await target.admin.search(model!, [['name', '=', name]], { limit: 1 }))[0]!;
  }
});
t.teardown(async () => {
  await gw?.close();
  await target?.close();
});

t.test('idtype-value matches the ID type and the value in the same ID record', async (t) => {
  const [nid] = await db.read(
    'g2p.reg.id',
    [
      ['id_type', '=', kinds['National ID']],
      ['partner_id.is_group', '=', false],
      ['partner_id.active', '=', true],
    ],
    ['value', 'partner_id'],
    { limit: 1, order: 'id asc' },
  );
  // A decoy: a passport with the same digits as someone's national ID must not match NID.
  const passport = `A${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const decoy = await db.create('res.partner', {
    name: 'DECOY, ONE',
    is_registrant: true,
    is_group: false,
    reg_ids: [
      [0, 0, { id_type: kinds.Passport, value: passport }],
      [0, 0, { id_type: kinds['National ID'], value: uniqueId('NID-DECOY') }],
    ],
  });
  const holder = await db.create('res.partner', {
    name: 'HOLDER, TWO',
    given_name: 'Two',
    family_name: 'Holder',
    is_registrant: true,
    is_group: false,
    reg_ids: [[0, 0, { id_type: kinds['National ID'], value: passport }]],
  });

  const { items, body } = await search(t, [
    { query_type: 'idtype-value', response_entity: 'Member', query: { type: 'NID', value: nid!.value } },
    { query_type: 'idtype-value', response_entity: 'Member', query: { type: 'UIN', value: passport } },
  ]);
  t.equal(body.header.status, 'succ');
  t.equal(body.header.total_count, 2);
  t.equal(body.header.completed_count, 2);
  t.type(body.message.correlation_id, 'string');
  const expectedFirst = await db.count([
    ...MEMBERS,
    [
      'reg_ids',
      'in',
      (
        await db.read(
          'g2p.reg.id',
          [
            ['id_type', '=', kinds['National ID']],
            ['value', '=', nid!.value],
          ],
          ['id'],
        )
      ).map((r) => r.id),
    ],
  ]);
  t.equal(items[0].status, 'succ');
  t.equal(items[0].pagination.total_count, expectedFirst);
  t.ok(items[0].data.reg_records.some((r: any) => idOf(r) === nid!.partner_id[0]));
  t.same(items[1].data.reg_records.map(idOf), [holder], 'only the national ID holder, not the passport holder');
  t.not(holder, decoy);
  const person = items[1].data.reg_records[0];
  t.same(person.member_identifier, [{ '@type': 'Identifier', identifier_type: 'NID', identifier_value: passport }]);
  t.equal(person.demographic_info.name.surname, 'Holder');
  t.equal(person.demographic_info.name.given_name, 'Two');
});

t.test('expression: Mongo-style $and/$or with each operator, on members', async (t) => {
  const cases: Array<[string, Record<string, unknown>, unknown[]]> = [
    [
      '$eq and $gte',
      { $and: [{ sex: { $eq: 'female' } }, { birth_date: { $gte: '1980-01-01' } }] },
      ['&', ['gender', '=', 'Female'], ['birthdate', '>=', '1980-01-01']],
    ],
    [
      '$or with $lt and $gt',
      { $or: [{ birth_date: { $lt: '1960-01-01' } }, { birth_date: { $gt: '2020-01-01' } }] },
      ['|', ['birthdate', '<', '1960-01-01'], ['birthdate', '>', '2020-01-01']],
    ],
    [
      '$ne and $lte',
      { $and: [{ sex: { $ne: 'male' } }, { registration_date: { $lte: '2018-06-30' } }] },
      ['&', ['gender', '!=', 'Male'], ['registration_date', '<=', '2018-06-30']],
    ],
    [
      '$in and $nin',
      { surname: { $in: ['Mwangi', 'Diallo', 'Banda'] }, occupation: { $nin: ['Farmer', 'Student'] } },
      ['&', ['family_name', 'in', ['Mwangi', 'Diallo', 'Banda']], ['occupation', 'not in', ['Farmer', 'Student']]],
    ],
    ['$contains (case-insensitive)', { given_name: { $contains: 'AM' } }, [['given_name', 'ilike', 'AM']]],
    [
      'implicit $eq on a dotted path',
      { 'demographic_info.person.sex': 'female', marital_status: { $ne: 'W' } },
      ['&', ['gender', '=', 'Female'], ['civil_status', '!=', 'W']],
    ],
  ];
  const { items } = await search(
    t,
    cases.map(([, query]) => expression('Member', query, { pagination: { page_size: 25, page_number: 1 } })),
  );
  for (const [i, [name, , domain]] of cases.entries()) {
    const expected = await db.count([...MEMBERS, ...(domain as unknown[])]);
    t.equal(items[i].status, 'succ', `${name}: succ`);
    t.equal(items[i].pagination.total_count, expected, `${name}: total ${expected}`);
    t.same(
      items[i].data.reg_records.map(idOf),
      await db.ids([...MEMBERS, ...(domain as unknown[])], { limit: 25, order: 'id asc' }),
      `${name}: the first page`,
    );
  }
  t.ok(
    items.some((item: any) => item.pagination.total_count > 0),
    'the cases are not all empty',
  );
});

t.test('expression on groups: group_size counted from memberships that have not ended', async (t) => {
  const groups = await db.read('res.partner', GROUPS, ['z_ind_grp_num_individuals', 'kind']);
  const empty = await db.create('res.partner', { name: 'Household Empty', is_registrant: true, is_group: true, kind: kinds.Household });
  const sizes = new Map(groups.map((g) => [g.id as number, g.z_ind_grp_num_individuals as number]));
  sizes.set(empty, 0);
  const { items } = await search(t, [
    expression('Group', { group_size: { $gte: 4 } }, { pagination: { page_size: 25 } }),
    expression('Group', { $and: [{ household_size: { $lt: 3 } }, { group_type: { $eq: 'Household' } }] }, { pagination: { page_size: 25 } }),
  ]);
  const expectBig = [...sizes]
    .filter(([, n]) => n >= 4)
    .map(([id]) => id)
    .sort((a, b) => a - b);
  const householdIds = new Set(await db.ids([...GROUPS, ['kind.name', '=', 'Household']]));
  const expectSmall = [...sizes]
    .filter(([id, n]) => n < 3 && householdIds.has(id))
    .map(([id]) => id)
    .sort((a, b) => a - b);
  t.equal(items[0].pagination.total_count, expectBig.length);
  t.same(items[0].data.reg_records.map(idOf), expectBig.slice(0, 25));
  t.equal(items[1].pagination.total_count, expectSmall.length);
  t.ok(items[1].data.reg_records.map(idOf).includes(empty), 'a group without members has size 0');
  for (const record of items[0].data.reg_records) {
    t.equal(record.group_size, sizes.get(idOf(record)), `group ${idOf(record)} size`);
    t.equal(record.member_list.length, record.group_size);
  }
});

t.test('a group record: head, members, relationships, dates', async (t) => {
  const [groupNid, headNid] = [uniqueId('SHAPE-G'), uniqueId('SHAPE-H')];
  // A group with an ended membership: the ended member is neither counted nor listed.
  const head = await db.create('res.partner', {
    name: 'SHAPE, HEAD',
    family_name: 'Shape',
    given_name: 'Head',
    gender: 'Female',
    birthdate: '1980-02-03',
    is_registrant: true,
    is_group: false,
    civil_status: 'married',
    reg_ids: [[0, 0, { id_type: kinds['National ID'], value: headNid }]],
  });
  const child = await db.create('res.partner', {
    name: 'SHAPE, CHILD',
    family_name: 'Shape',
    given_name: 'Child',
    gender: 'Male',
    birthdate: '2012-05-06',
    is_registrant: true,
    is_group: false,
  });
  const gone = await db.create('res.partner', { name: 'SHAPE, GONE', family_name: 'Shape', given_name: 'Gone', is_registrant: true, is_group: false });
  const group = await db.create('res.partner', {
    name: 'Household Shape',
    is_registrant: true,
    is_group: true,
    kind: kinds.Household,
    registration_date: '2020-01-02',
    reg_ids: [[0, 0, { id_type: kinds['National ID'], value: groupNid }]],
  });
  await db.create('g2p.group.membership', { group, individual: head, kind: [[6, 0, [kinds.Head!]]] });
  await db.create('g2p.group.membership', { group, individual: child, kind: [[6, 0, [kinds.Child!]]] });
  await db.create('g2p.group.membership', {
    group,
    individual: gone,
    kind: [[6, 0, [kinds.Member!]]],
    start_date: '2020-01-02 10:00:00',
    ended_date: '2021-01-01 10:00:00',
  });

  const { items } = await search(t, [{ query_type: 'idtype-value', response_entity: 'Group', query: { type: 'NID', value: groupNid } }]);
  t.equal(items[0].data.reg_records.length, 1);
  const record = items[0].data.reg_records[0];
  t.match(record, {
    '@type': 'Group',
    group_identifier: [{ identifier_type: 'NID', identifier_value: groupNid }],
    group_type: 'Household',
    group_name: 'Household Shape',
    group_size: 2,
    registration_date: '2020-01-02',
    group_head_info: {
      '@type': 'Member',
      member_identifier: [{ identifier_type: 'NID', identifier_value: headNid }],
      demographic_info: { '@type': 'SRPerson', name: { surname: 'Shape', given_name: 'Head' }, sex: 'female', birth_date: '1980-02-03' },
      relationship_head: 'self',
      marital_status: 'married',
      is_disabled: false,
    },
  });
  t.match(record.last_updated, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  t.same(record.member_list.map((m: any) => [m.demographic_info.name.given_name, m.relationship_head]).sort(), [
    ['Child', 'child'],
    ['Head', 'self'],
  ]);
});

t.test('predicate lists: eq gt lt ge le in, and/or/not between two expressions', async (t) => {
  const today = new Date();
  const yearsAgo = (n: number) =>
    `${today.getUTCFullYear() - n}-${String(today.getUTCMonth() + 1).padStart(2, '0')}-${String(today.getUTCDate()).padStart(2, '0')}`;
  const e = (attribute_name: string, operator: string, attribute_value: unknown) => ({ attribute_name, operator, attribute_value });
  const cases: Array<[string, unknown[], unknown[]]> = [
    [
      'sex eq and age ge 18',
      [{ seq_num: 1, expression1: e('sex', 'eq', 'male'), condition: 'and', expression2: e('age', 'ge', '18') }],
      ['&', ['gender', '=', 'Male'], ['birthdate', '<=', yearsAgo(18)]],
    ],
    [
      'age lt 10 or age gt 60',
      [{ seq_num: 1, expression1: e('age', 'lt', 10), condition: 'or', expression2: e('age', 'gt', 60) }],
      ['|', ['birthdate', '>', yearsAgo(10)], ['birthdate', '<=', yearsAgo(61)]],
    ],
    [
      'two items, surname in, not female',
      [
        { seq_num: 2, expression1: e('registration_date', 'le', '2022-12-31') },
        { seq_num: 1, expression1: e('surname', 'in', ['Mwangi', 'Okafor', 'Phiri']), condition: 'not', expression2: e('sex', 'eq', 'female') },
      ],
      ['&', '&', ['family_name', 'in', ['Mwangi', 'Okafor', 'Phiri']], '!', ['gender', '=', 'Female'], ['registration_date', '<=', '2022-12-31']],
    ],
    ['birth_date gt', [{ seq_num: 1, expression1: e('birth_date', 'gt', '2010-01-01') }], [['birthdate', '>', '2010-01-01']]],
  ];
  const { items } = await search(
    t,
    cases.map(([, query]) => ({ query_type: 'predicate', response_entity: 'Member', query, pagination: { page_size: 25 } })),
  );
  for (const [i, [name, , domain]] of cases.entries()) {
    t.equal(items[i].status, 'succ', `${name}: succ`);
    t.equal(items[i].pagination.total_count, await db.count([...MEMBERS, ...domain]), `${name}: total`);
    t.same(items[i].data.reg_records.map(idOf), await db.ids([...MEMBERS, ...domain], { limit: 25, order: 'id asc' }), `${name}: page`);
  }
});

t.test('sort and pagination: stable pages, real totals, capped page size', async (t) => {
  const query = { sex: { $eq: 'female' } };
  const domain = [...MEMBERS, ['gender', '=', 'Female']];
  const total = await db.count(domain);
  const order = 'birthdate desc, id asc';
  const { items } = await search(t, [
    expression('Member', query, { sort: [{ attribute_name: 'birth_date', sort_order: 'desc' }], pagination: { page_size: 5, page_number: 2 } }),
    expression('Member', query, { sort: [{ attribute_name: 'age', sort_order: 'asc' }], pagination: { page_size: '5', page_number: '2' } }),
    expression('Member', query, { pagination: { page_size: 5, page_number: Math.ceil(total / 5) + 3 } }),
    expression('Member', query, { pagination: { page_size: 500 } }),
    expression('Member', query),
  ]);
  const expected = await db.ids(domain, { offset: 5, limit: 5, order });
  t.same(items[0].data.reg_records.map(idOf), expected, 'page 2 sorted by birth date, newest first');
  t.same(items[0].pagination, { page_size: 5, page_number: 2, total_count: total });
  t.same(items[1].data.reg_records.map(idOf), expected, 'age ascending is birth date descending; numeric strings accepted');
  t.same(items[2].data.reg_records, [], 'beyond the last page: no records');
  t.equal(items[2].pagination.total_count, total, '...and still the real total');
  t.equal(items[3].pagination.page_size, 25, 'page_size capped at dci.maxPageSize');
  t.equal(items[3].data.reg_records.length, Math.min(25, total));
  t.equal(items[4].pagination.page_size, 20, 'default page size');
  t.equal(items[0].locale, undefined);
});

t.test('each rejection reason, with the other items of the message still answered', async (t) => {
  const good = expression('Group', { registration_date: { $gte: '2015-01-01' } });
  const request = message([
    good,
    expression('Group', { poverty_score: { $lt: 5 } }),
    expression('Member', { birth_date: { $regex: '^19' } }),
    expression('Member', { birth_date: { $eq: 'yesterday' } }),
    { query_type: 'graphql', query: '{ registrants { id } }' },
    expression('Member', { sex: 'female' }, { sort: [{ attribute_name: 'poverty_score', sort_order: 'asc' }] }),
    expression('Member', { sex: 'female' }, { sort: [{ attribute_name: 'birth_date', sort_order: 'sideways' }] }),
    expression('Member', { sex: 'female' }, { pagination: { page_size: 0 } }),
    expression('Member', { sex: 'female' }, { pagination: { page_size: 10, page_number: 0 } }),
    { query_type: 'idtype-value', query: { type: 'PASSPORT-XYZ', value: '1' } },
    expression('Farm', { sex: 'female' }),
    { query_type: 'predicate', query: [{ expression1: { attribute_name: 'sex', operator: 'like', attribute_value: 'f' } }] },
  ]);
  const requests = request.message.search_request as Array<Record<string, unknown>>;
  requests.push({ reference_id: 'ref-1', timestamp: new Date().toISOString(), search_criteria: good });
  requests.push({ reference_id: 'ref-late', timestamp: 'last tuesday', search_criteria: good });
  requests.push({ reference_id: 'ref-no-criteria', timestamp: new Date().toISOString() });
  request.header.total_count = requests.length;
  const response = await gw.post(SEARCH, request);
  t.equal(response.status, 200);
  t.ok(responseEnvelopeSchema.safeParse(response.body).success, 'valid envelope');
  const reasons = response.body.message.search_response.map((item: any) => item.status_reason_code ?? item.status);
  t.same(reasons, [
    'succ',
    'rjct.filter.invalid', // attribute the registry does not hold
    'rjct.filter.invalid', // operator not supported
    'rjct.filter.invalid', // value of the wrong type
    'rjct.search_criteria.invalid', // unknown query type
    'rjct.sort.invalid',
    'rjct.sort.invalid',
    'rjct.pagination.invalid',
    'rjct.pagination.invalid',
    'rjct.filter.invalid', // identifier type not configured
    'rjct.search_criteria.invalid', // unknown response entity
    'rjct.filter.invalid', // predicate operator outside eq gt lt ge le in
    'rjct.reference_id.duplicate',
    'rjct.timestamp.invalid',
    'rjct.search_criteria.invalid',
  ]);
  t.equal(response.body.header.status, 'succ', 'one item answered: the message succeeded');
  t.equal(response.body.header.completed_count, requests.length);
  t.equal(response.body.message.search_response[0].pagination.total_count, await db.count([...GROUPS, ['registration_date', '>=', '2015-01-01']]));
  for (const item of response.body.message.search_response.slice(1)) t.type(item.status_reason_message, 'string');

  const strict = await startDciGateway(t, target, { maxTotalCount: 5 });
  const many = await search(t, [expression('Member', { sex: 'female' }), expression('Member', { surname: { $eq: 'Nobody-Has-This' } })], {}, strict);
  t.equal(many.items[0].status_reason_code, 'rjct.search.too_many_records_found');
  t.equal(many.items[1].status, 'succ');
});

t.test('header checks: action, duplicate message_id, total_count, version', async (t) => {
  const first = message([expression('Group', { group_size: { $gt: 0 } })]);
  const ok = await gw.post(SEARCH, first);
  t.equal(ok.body.header.status, 'succ');
  const again = await gw.post(SEARCH, first);
  t.equal(again.status, 200);
  t.ok(responseEnvelopeSchema.safeParse(again.body).success);
  t.match(again.body.header, { status: 'rjct', status_reason_code: 'rjct.message_id.duplicate', message_id: first.header.message_id });
  t.same(again.body.message.search_response, []);
  const otherSender = await gw.post(SEARCH, { ...first, header: { ...first.header, sender_id: 'another-spmis' } });
  t.equal(otherSender.body.header.status, 'succ', 'message ids are scoped by sender');

  const cases: Array<[Record<string, unknown>, string]> = [
    [{ action: 'subscribe' }, 'rjct.action.invalid'],
    [{ total_count: 3 }, 'rjct.total_count.invalid'],
    [{ version: '2.0.0' }, 'rjct.version.invalid'],
  ];
  for (const [header, code] of cases) {
    const response = await gw.post(SEARCH, message([expression('Group', { group_size: { $gt: 0 } })], header));
    t.ok(responseEnvelopeSchema.safeParse(response.body).success);
    t.equal(response.body.header.status_reason_code, code, code);
  }
  const tooMany = message(Array.from({ length: 21 }, () => expression('Group', { group_size: { $gt: 0 } })));
  t.equal((await gw.post(SEARCH, tooMany)).body.header.status_reason_code, 'rjct.total_count.limit_exceeded');
});

t.test('malformed messages, authentication and roles in the standard error shape', async (t) => {
  // Envelope-level refusals: the standard's acknowledgement with ack_status ERR.
  const bad = await gw.post(SEARCH, { header: { message_id: 'x' } });
  t.equal(bad.status, 400);
  t.ok(ackSchema.safeParse(bad.body).success);
  t.equal(bad.body.message.ack_status, 'ERR');
  t.equal(bad.body.message.error.code, 'err.request.bad');
  const notJson = await gw.post(SEARCH, '{"header":');
  t.equal(notJson.status, 400);
  t.equal(notJson.body.message.error.code, 'err.request.bad');

  const anonymous = await gw.post(SEARCH, message([expression('Group', { group_size: { $gt: 0 } })]), { token: 'none' });
  t.equal(anonymous.status, 401);
  t.ok(httpErrorSchema.safeParse(anonymous.body).success);
  t.equal(anonymous.body.errors[0].code, 'err.request.unauthorized');
  t.match(
    anonymous.body,
    { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, detail: anonymous.body.errors[0].message },
    'the same body carries the RFC 9457 members',
  );
  t.match(anonymous.headers.get('content-type'), /^application\/json/);
  t.ok(anonymous.headers.get('www-authenticate'));
  const writer = await gw.post(SEARCH, message([expression('Group', { group_size: { $gt: 0 } })]), { token: 'post' });
  t.equal(writer.status, 403);
  t.equal(writer.body.errors[0].code, 'err.request.forbidden');
  t.match(writer.body, { type: '/problems/forbidden', title: 'Forbidden', status: 403, detail: writer.body.errors[0].message });
  const forged = await gw.post(SEARCH, message([expression('Group', { group_size: { $gt: 0 } })]), {
    token: 'none',
    headers: { authorization: 'Bearer not.a.token' },
  });
  t.equal(forged.status, 401);
  t.equal(forged.body.errors[0].code, 'err.request.unauthorized');
});

t.test('the configurable prefix serves the same search; a page costs a constant number of Odoo calls', async (t) => {
  const prefixed = await gw.post(`/dci${SEARCH}`, message([expression('Group', { group_size: { $gt: 0 } })]));
  t.equal(prefixed.status, 200);
  t.equal(prefixed.body.header.status, 'succ');

  const gatewayCalls = watchGatewayCalls();
  t.teardown(() => gatewayCalls.stop());
  const objectCalls = async (pageSize: number) => {
    gatewayCalls.reset();
    const { items } = await search(t, [
      expression('Group', { $and: [{ group_size: { $gte: 1 } }, { registration_date: { $gte: '2010-01-01' } }] }, { pagination: { page_size: pageSize } }),
    ]);
    t.equal(items[0].data.reg_records.length, Math.min(pageSize, items[0].pagination.total_count));
    return gatewayCalls.calls().length;
  };
  const small = await objectCalls(2);
  const large = await objectCalls(25);
  t.equal(large, small, `same number of Odoo calls for 2 and 25 groups with their members (${small})`);
  t.ok(small <= 2, 'group_size lookup + one web_search_read');
  gatewayCalls.reset();
  await search(t, [{ query_type: 'idtype-value', response_entity: 'Member', query: { type: 'NID', value: uniqueId('none') } }]);
  t.same(
    gatewayCalls.calls().map((c) => c.method),
    ['search_read', 'web_search_read'],
  );
});

t.test('servers without web_search_read (Odoo 15/16) get the same records from batched reads', async (t) => {
  // An Odoo 16 over a real socket, answering model calls from the suite's Odoo (forwarded as the administrator).
  const odoo16 = await OdooFaultServer.start();
  t.teardown(() => odoo16.close());
  odoo16.handler = odooLike({
    major: 16,
    password: 'admin',
    model: async (request) => {
      if (request.modelMethod?.startsWith('web_')) {
        return { error: { odooClass: 'builtins.AttributeError', message: `type object '${request.model}' has no attribute '${request.modelMethod}'` } };
      }
      try {
        return {
          result: await target.admin.executeKw(request.model!, request.modelMethod!, request.callArgs ?? [], (request.kwargs ?? {}) as Record<string, unknown>),
        };
      } catch (err) {
        return { error: { odooClass: (err as Error).name, message: (err as Error).message } };
      }
    },
  });
  const old = await startDciGateway(t, { url: odoo16.url, db: 'g2p', login: 'admin', password: 'admin' }, { maxPageSize: 25 });

  const criteria = (pageSize: number) => [
    expression(
      'Group',
      { group_size: { $gte: 2 } },
      { sort: [{ attribute_name: 'registration_date', sort_order: 'desc' }], pagination: { page_size: pageSize, page_number: 2 } },
    ),
    expression('Member', { $or: [{ sex: 'female' }, { UIN: { $contains: '1' } }] }, { pagination: { page_size: pageSize, page_number: 2 } }),
  ];
  const modern = await search(t, criteria(6));
  odoo16.requests.length = 0;
  const batched = await search(t, criteria(6), {}, old);
  t.notOk(
    odoo16.modelCalls.some((c) => c.modelMethod?.startsWith('web_')),
    'no web_* calls once the version is known',
  );
  const callsFor6 = odoo16.modelCalls.length;
  for (const i of [0, 1]) {
    t.ok(modern.items[i].data.reg_records.length > 0, `item ${i} has records`);
    t.same(batched.items[i].data.reg_records, modern.items[i].data.reg_records, `item ${i}: same records`);
    t.same(batched.items[i].pagination, modern.items[i].pagination, `item ${i}: same pagination`);
  }
  odoo16.requests.length = 0;
  await search(t, criteria(20), {}, old);
  // Not more calls for more records (fewer where a larger page happens to hold no record of some relation).
  t.ok(odoo16.modelCalls.length <= callsFor6, `a page of 20 records costs no more than the ${callsFor6} calls of a page of 6 (${odoo16.modelCalls.length})`);
});

t.test(
  'an Odoo failure answers err.service.unavailable, and the retried message is not a duplicate (simulator: fault injection)',
  { skip: simulatorOnly() },
  async (t) => {
    const sim = target.sim!;
    const own = await startDciGateway(t, target); // its own Odoo connection and circuit breaker
    t.teardown(async () => {
      await sim.faults.clear();
      await own.close();
    });
    sim.faults.proxyHtml({ model: 'res.partner', method: 'web_search_read' }, 10);
    const request = message([expression('Group', { registration_date: { $gte: '2015-01-01' } })]);
    const failed = await own.post(SEARCH, request);
    t.ok(failed.status >= 500, `5xx (${failed.status})`);
    t.ok(httpErrorSchema.safeParse(failed.body).success, 'standard error shape');
    t.equal(failed.body.errors[0].code, 'err.service.unavailable');
    t.match(
      failed.body,
      { type: /^\/problems\//, title: /\w/, status: failed.status, detail: failed.body.errors[0].message },
      'the same body carries the RFC 9457 members',
    );
    t.notMatch(JSON.stringify(failed.body), /html|Traceback/i, 'nothing of the upstream page leaks');
    await sim.faults.clear();
    const retried = await own.post(SEARCH, request);
    t.equal(retried.status, 200);
    t.equal(retried.body.header.status, 'succ', 'the retry is answered');
  },
);
