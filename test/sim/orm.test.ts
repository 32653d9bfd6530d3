import { readFileSync } from 'node:fs';
import t from 'tap';
import { SimDatabase } from '../../src/sim/orm/database.js';
import { OdooSimError } from '../../src/sim/exceptions.js';
import { PyFloat } from '../../src/sim/pyvalues.js';
import { sharedPath } from '../support/shared.js';
import { thrownBy } from '../support/thrown.js';

type Kw = Record<string, unknown>;

function setup() {
  const db = new SimDatabase();
  const as =
    (uid: number) =>
    (model: string, method: string, args: unknown[], kwargs: Kw = {}) =>
      db.execute(uid, model, method, args, kwargs);
  const run = as(2);
  const person = (vals: Kw = {}) => run('res.partner', 'create', [{ name: 'TEST, PERSON', is_registrant: true, ...vals }]) as number;
  return { db, as, run, person };
}

const failure = (fn: () => unknown) => thrownBy(fn, OdooSimError);

/** JSON form of a value (PyFloat as its number), to compare with recordings. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

const NOT_NULL = (model: string, description: string, field: string, label: string) =>
  `The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${description} (${model})\nField: ${label} (${field})\n`;

t.test('create, read and the shapes of values', async (t) => {
  const { run, person } = setup();
  const id = person({
    name: 'WIRE, ALPHA',
    family_name: 'Wire',
    given_name: 'Alpha',
    addl_name: '',
    gender: 'Female',
    birthdate: '1990-05-17',
    income: 1234.5,
    tags_ids: [[6, 0, [5]]],
    reg_ids: [[0, 0, { id_type: 1, value: 'NID-A', status: 'valid', expiry_date: '2030-12-31' }]],
    phone_number_ids: [
      [0, 0, { phone_no: '+14155552671', date_collected: '2024-01-02' }],
      [0, 0, { phone_no: '+14155552672' }],
    ],
    bank_ids: [[0, 0, { acc_number: 'ACC A-1', bank_id: 2, acc_holder_name: 'Alpha Wire' }]],
  });
  const [rec] = run('res.partner', 'read', [[id]], {
    fields: [
      'name',
      'addl_name',
      'occupation',
      'gender',
      'age',
      'birthdate',
      'registration_date',
      'create_date',
      'disabled',
      'is_group',
      'active',
      'income',
      'z_ind_grp_num_individuals',
      'company_id',
      'district',
      'kind',
      'reg_ids',
      'phone_number_ids',
      'tags_ids',
      'category_id',
      'display_name',
    ],
  }) as Kw[];
  t.equal(rec!.addl_name, '', 'empty string stays empty');
  t.equal(rec!.occupation, false, 'unset char reads false');
  t.equal(rec!.disabled, false, 'unset datetime reads false');
  t.equal(rec!.district, false, 'unset many2one reads false');
  t.equal(rec!.is_group, false);
  t.equal(rec!.active, true);
  t.ok(rec!.income instanceof PyFloat, 'float field is a PyFloat');
  t.equal((rec!.income as PyFloat).value, 1234.5);
  t.equal(rec!.z_ind_grp_num_individuals, 0);
  t.same(rec!.company_id, [1, 'My Company']);
  t.match(rec!.create_date, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  t.match(rec!.registration_date, /^\d{4}-\d\d-\d\d$/);
  t.equal(rec!.age, String(new Date().getUTCFullYear() - 1990 - (new Date().toISOString().slice(5, 10) < '05-17' ? 1 : 0)));
  t.same(rec!.category_id, []);
  t.equal((rec!.phone_number_ids as number[]).length, 2);
  t.ok((rec!.phone_number_ids as number[])[0]! > (rec!.phone_number_ids as number[])[1]!, 'phones in id desc order');
  t.equal(rec!.display_name, 'WIRE, ALPHA');
  const keys = Object.keys((run('g2p.reg.id', 'read', [rec!.reg_ids]) as Kw[])[0]!);
  t.same(
    keys,
    [
      'id',
      'partner_id',
      'id_type',
      'value',
      'expiry_date',
      'id_type_as_str',
      'status',
      'description',
      'display_name',
      'create_uid',
      'create_date',
      'write_uid',
      'write_date',
    ],
    'read without fields: every field, recorded order',
  );
  const [phone] = run('g2p.phone.number', 'read', [rec!.phone_number_ids], { fields: ['phone_sanitized'] }) as Kw[];
  t.match(phone!.phone_sanitized, /^\+1415555267\d$/);
  const [bank] = run('res.partner.bank', 'search_read', [[['partner_id', '=', id]]], { fields: ['sanitized_acc_number', 'bank_id'] }) as Kw[];
  t.equal(bank!.sanitized_acc_number, 'ACCA1');
  t.same(bank!.bank_id, [2, 'Bank of Africa']);
  t.same(run('res.partner', 'read', [[999999999]], { fields: ['name'] }), [], 'missing id reads as []');
  t.same(plain(run('res.partner', 'read', [[id, 999999999]], { fields: ['name'] })), [{ id, name: 'WIRE, ALPHA' }]);
  t.same(run('res.partner', 'read', [[id]], { fields: ['age'] }), run('res.partner', 'read', [[id]], { fields: ['age'] }));
  t.equal((run('res.partner', 'read', [[person()]], { fields: ['age'] }) as Kw[])[0]!.age, 'No Birthdate!');
  const ids = run('res.partner', 'create', [[{ name: 'A' }, { name: 'B' }]]) as number[];
  t.equal(ids.length, 2, 'create with a list returns a list');
  t.same(
    Object.keys((run('g2p.id.type', 'search_read', [[['id', '=', 1]]], { fields: null, limit: null }) as Kw[])[0]!),
    ['id', 'name', 'id_validation', 'display_name', 'create_uid', 'create_date', 'write_uid', 'write_date'],
    'fields=None reads every field (recorded)',
  );
  const err = failure(() => run('res.partner', 'read', [[id]], { fields: ['name', 'no_such_field'] }));
  t.equal(err.message, "Invalid field 'no_such_field' on model 'res.partner'");
});

t.test('x2many commands 0-6 and their errors', async (t) => {
  const { run, person } = setup();
  const id = person({
    reg_ids: [[0, 0, { id_type: 1, value: 'V1' }]],
    phone_number_ids: [
      [0, 0, { phone_no: '+14155552671' }],
      [0, 0, { phone_no: '+14155552672' }],
    ],
  });
  const read = (fields: string[]) => (run('res.partner', 'read', [[id]], { fields }) as Kw[])[0]!;
  const [regId] = read(['reg_ids']).reg_ids as number[];
  run('res.partner', 'write', [[id], { reg_ids: [[1, regId, { value: 'V2' }]] }]);
  t.equal((run('g2p.reg.id', 'read', [[regId]], { fields: ['value'] }) as Kw[])[0]!.value, 'V2', '1 updates');
  const [phone1, phone2] = read(['phone_number_ids']).phone_number_ids as number[];
  run('res.partner', 'write', [[id], { phone_number_ids: [[2, phone1]] }]);
  t.same(read(['phone_number_ids']).phone_number_ids, [phone2], '2 deletes');
  t.same(run('g2p.phone.number', 'search', [[['id', '=', phone1]]]), [], 'deleted record gone');
  run('res.partner', 'write', [[id], { tags_ids: [[4, 5]] }]);
  run('res.partner', 'write', [[id], { tags_ids: [[4, 6]] }]);
  t.same(read(['tags_ids']).tags_ids, [5, 6], '4 links');
  run('res.partner', 'write', [[id], { tags_ids: [[3, 5]] }]);
  t.same(read(['tags_ids']).tags_ids, [6], '3 unlinks');
  t.equal(run('g2p.registrant.tags', 'search_count', [[['id', '=', 5]]]), 1, 'the tag itself stays');
  run('res.partner', 'write', [[id], { tags_ids: [[5]] }]);
  t.same(read(['tags_ids']).tags_ids, [], '5 clears');
  run('res.partner', 'write', [[id], { tags_ids: [[6, 0, [5, 6]]] }]);
  t.same(read(['tags_ids']).tags_ids, [5, 6], '6 sets');
  run('res.partner', 'write', [[id], { tags_ids: [[0, 0, { name: 'New tag' }]] }]);
  t.equal((read(['tags_ids']).tags_ids as number[]).length, 3, '0 on a many2many creates and links');
  run('res.partner', 'write', [[id], { phone_number_ids: [[0, 0, { phone_no: '+14155552673' }]] }]);
  t.equal((read(['phone_number_ids']).phone_number_ids as number[]).length, 2, '0 in write adds a line');

  // Odoo 17: (3, id) on a one2many whose inverse is required -> NOT NULL violation
  const err = failure(() => run('res.partner', 'write', [[id], { phone_number_ids: [[3, phone2]] }]));
  t.equal(err.pythonClass, 'odoo.exceptions.ValidationError');
  t.equal(err.message, NOT_NULL('g2p.phone.number', 'Phone Number', 'partner_id', 'Registrant'));
  t.equal((read(['phone_number_ids']).phone_number_ids as number[]).length, 2, 'nothing changed');
  // (3, id) on a cascade one2many deletes the line
  run('res.partner', 'write', [[id], { reg_ids: [[3, regId]] }]);
  t.same(run('g2p.reg.id', 'search', [[['id', '=', regId]]]), [], '3 on reg_ids deletes (ondelete cascade)');
  const other = person();
  const [otherPhone] = (
    run('res.partner', 'read', [[person({ phone_number_ids: [[0, 0, { phone_no: '+14155552674' }]] })]], { fields: ['phone_number_ids'] }) as Kw[]
  )[0]!.phone_number_ids as number[];
  run('res.partner', 'write', [[other], { phone_number_ids: [[4, otherPhone]] }]);
  t.same(
    (run('res.partner', 'read', [[other]], { fields: ['phone_number_ids'] }) as Kw[])[0]!.phone_number_ids,
    [otherPhone],
    '4 on a one2many moves the line',
  );
  const bad = failure(() => run('res.partner', 'write', [[id], { tags_ids: [[4, 999999]] }]));
  t.equal(bad.pythonClass, 'odoo.exceptions.ValidationError', 'link to a missing record');
  const badUpdate = failure(() => run('res.partner', 'write', [[id], { reg_ids: [[1, 999999, { value: 'x' }]] }]));
  t.equal(badUpdate.pythonClass, 'odoo.exceptions.MissingError');
  const badCommand = failure(() => run('res.partner', 'write', [[id], { tags_ids: [[9, 1]] }]));
  t.equal(badCommand.pythonClass, 'builtins.ValueError');
});

t.test('constraints and validations with the recorded messages', async (t) => {
  const { run, person } = setup();
  const alpha = person({ gender: 'Female' });
  const bravo = person();
  const group = run('res.partner', 'create', [{ name: 'H', is_registrant: true, is_group: true, kind: 1 }]) as number;
  const m1 = run('g2p.group.membership', 'create', [{ group, individual: alpha, kind: [[6, 0, [1]]] }]) as number;
  const cases: [() => unknown, string, string][] = [
    [() => run('g2p.group.membership', 'create', [{ group, individual: alpha }]), 'odoo.exceptions.ValidationError', 'Duplication of Member is not allowed '],
    [
      () => run('res.partner', 'create', [{ name: 'X', is_registrant: true, registration_date: '2999-01-01' }]),
      'odoo.exceptions.ValidationError',
      'Registration date must be less than the current date.',
    ],
    [
      () => run('g2p.group.membership', 'write', [[m1], { start_date: '2024-01-02 00:00:00', ended_date: '2024-01-01 00:00:00' }]),
      'odoo.exceptions.ValidationError',
      'End Date cannot be earlier than Start Date',
    ],
    [
      () => run('g2p.phone.number', 'create', [{ partner_id: alpha, phone_no: '+15550100' }]),
      'odoo.exceptions.UserError',
      'Invalid number +15550100: probably incorrect prefix.',
    ],
    [
      () => run('g2p.group.membership', 'create', [{ group }]),
      'odoo.exceptions.ValidationError',
      NOT_NULL('g2p.group.membership', 'Group Membership', 'individual', 'Individual'),
    ],
    [
      () => run('g2p.reg.id', 'create', [{ partner_id: alpha, value: 'x' }]),
      'odoo.exceptions.ValidationError',
      NOT_NULL('g2p.reg.id', 'Registrant ID', 'id_type', 'ID Type'),
    ],
    [
      () => run('g2p.group.membership', 'create', [{ group: 999999999, individual: alpha }]),
      'odoo.exceptions.ValidationError',
      'The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Group Membership (g2p.group.membership)\nConstraint: g2p_group_membership_group_fkey\n',
    ],
    [() => run('res.partner', 'create', [{ name: 'X', gender: 'Alien' }]), 'builtins.ValueError', "Wrong value for res.partner.gender: 'Alien'"],
    [
      () => run('res.partner', 'create', [{ name: 'X', birthdate: '17/05/1990' }]),
      'builtins.ValueError',
      "time data '17/05/1990' does not match format '%Y-%m-%d'",
    ],
    [
      () => run('g2p.group.membership', 'write', [[m1], { start_date: 'not-a-date' }]),
      'builtins.ValueError',
      "time data 'not-a-date' does not match format '%Y-%m-%d'",
    ],
    [() => run('res.partner', 'create', [{ name: 'X', no_such_field: 1 }]), 'builtins.ValueError', "Invalid field 'no_such_field' on model 'res.partner'"],
    [
      () => run('res.partner', 'write', [[999999999], { name: 'x' }]),
      'odoo.exceptions.MissingError',
      'Record does not exist or has been deleted.\n(Record: res.partner(999999999,), User: 2)',
    ],
    [
      () => run('res.partner', 'unlink', [[999999999]]),
      'odoo.exceptions.MissingError',
      'Record does not exist or has been deleted.\n(Record: res.partner(999999999,), User: 2)',
    ],
    [() => run('res.partner', 'write', [[alpha], { color: 1099511627776 }]), 'psycopg2.errors.NumericValueOutOfRange', 'integer out of range\n'],
    [
      () => run('g2p.phone.number', 'create', [{ partner_id: alpha, phone_no: '+999123' }]),
      'odoo.exceptions.UserError',
      'Unable to parse +999123: (0) Country calling code supplied was not recognised.',
    ],
    [
      () => run('g2p.phone.number', 'create', [{ partner_id: alpha, phone_no: '+2547123' }]),
      'odoo.exceptions.UserError',
      'Impossible number +2547123: not enough digits.',
    ],
  ];
  for (const [fn, cls, message] of cases) {
    const err = failure(fn);
    t.equal(err.pythonClass, cls, message.split('\n')[0]);
    t.equal(err.message, message);
  }
  const secondHead = run('g2p.group.membership', 'create', [{ group, individual: bravo, kind: [[6, 0, [1]]] }]) as number;
  t.type(secondHead, 'number', 'a second Head is accepted, as on the real server');
  const twoHeads = failure(() => run('res.partner', 'write', [[group], { name: 'Renamed' }]));
  t.same(
    [twoHeads.pythonClass, twoHeads.message],
    ['odoo.exceptions.ValidationError', 'Only one Head is allowed per group'],
    'but then a write of the group is refused, as OpenG2P overrides write',
  );
  t.equal(
    failure(() => run('res.partner', 'write', [[bravo], { given_name: 'Bravo' }])).message,
    'Only one Head is allowed per group',
    'and so is a write of a member',
  );
  run('g2p.group.membership', 'write', [[secondHead], { kind: [[6, 0, [2]]] }]);
  run('res.partner', 'write', [[alpha], { reg_ids: [[0, 0, { id_type: 3, value: '123456789' }]] }]);
  t.equal(
    failure(() => run('res.partner', 'write', [[alpha], { reg_ids: [[0, 0, { id_type: 3, value: '223456789' }]] }])).pythonClass,
    'odoo.exceptions.ValidationError',
    'one ID per type',
  );
  t.equal(
    failure(() => run('res.partner', 'write', [[bravo], { reg_ids: [[0, 0, { id_type: 3, value: 'ABC' }]] }])).pythonClass,
    'odoo.exceptions.ValidationError',
    'id_validation regex',
  );
  t.type(run('g2p.reg.id', 'create', [{ partner_id: bravo, id_type: 3, value: '123456789' }]), 'number', 'same value on another registrant is allowed');
  const ended = run('g2p.group.membership', 'read', [[m1]], { fields: ['status', 'is_ended'] }) as Kw[];
  t.same(plain(ended), [{ id: m1, status: 'active', is_ended: false }]);
  run('g2p.group.membership', 'write', [[m1], { start_date: '2019-01-01 00:00:00', ended_date: '2020-01-01 00:00:00' }]);
  t.same(plain(run('g2p.group.membership', 'read', [[m1]], { fields: ['status', 'is_ended', 'start_date', 'ended_date'] })), [
    { id: m1, status: 'inactive', is_ended: true, start_date: '2019-01-01 00:00:00', ended_date: '2020-01-01 00:00:00' },
  ]);
  t.equal(
    (run('res.partner', 'read', [[group]], { fields: ['z_ind_grp_num_individuals'] }) as Kw[])[0]!.z_ind_grp_num_individuals,
    1,
    'ended member not counted',
  );
  const phoneOwner = person({ phone_number_ids: [[0, 0, { phone_no: '+14155552671' }]] });
  const restrict = failure(() => run('res.partner', 'unlink', [[phoneOwner]]));
  t.equal(
    restrict.message,
    'The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Phone Number (g2p.phone.number)\nConstraint: g2p_phone_number_partner_id_fkey\n',
  );
});

t.test('every call is atomic', async (t) => {
  const { run, person } = setup();
  const before = run('res.partner', 'search_count', [[]], { context: { active_test: false } });
  const err = failure(() =>
    run('res.partner', 'create', [
      [
        { name: 'OK 1', reg_ids: [[0, 0, { id_type: 1, value: 'x' }]] },
        { name: 'BAD', gender: 'Alien' },
      ],
    ]),
  );
  t.equal(err.pythonClass, 'builtins.ValueError');
  t.equal(run('res.partner', 'search_count', [[]], { context: { active_test: false } }), before, 'no partner of the failed batch remains');
  t.same(run('g2p.reg.id', 'search', [[['value', '=', 'x']]]), [], 'nor its nested lines');
  const id = person({ occupation: 'Farmer', tags_ids: [[6, 0, [5]]] });
  const [{ write_date: stamp }] = run('res.partner', 'read', [[id]], { fields: ['write_date'] }) as { write_date: string }[];
  failure(() => run('res.partner', 'write', [[id], { occupation: 'Teacher', tags_ids: [[5]], phone_number_ids: [[0, 0, { phone_no: '+15550100' }]] }]));
  t.same(
    plain(run('res.partner', 'read', [[id]], { fields: ['occupation', 'tags_ids', 'phone_number_ids', 'write_date'] })),
    [{ id, occupation: 'Farmer', tags_ids: [5], phone_number_ids: [], write_date: stamp }],
    'failed write left nothing behind',
  );
  failure(() => run('res.partner', 'unlink', [[id, 999999]]));
  t.equal(run('res.partner', 'search_count', [[['id', '=', id]]]), 1, 'failed unlink kept the record');
  run('res.partner', 'unlink', [[id]]);
  t.equal(run('res.partner', 'search_count', [[['id', '=', id]]]), 0);
});

t.test('write_date strictly increases per call', async (t) => {
  const { db, run, person } = setup();
  const id = person();
  const stamps: string[] = [];
  for (let i = 0; i < 20; i++) {
    run('res.partner', 'write', [[id], { occupation: `job ${i}` }]);
    stamps.push(db.orm.row('res.partner', id)!.write_date as string);
  }
  for (let i = 1; i < stamps.length; i++) t.ok(stamps[i]! > stamps[i - 1]!, `stamp ${i} after ${i - 1}`);
});

t.test('access rules per group', async (t) => {
  const { db, as, person } = setup();
  const id = person();
  const uid = (login: string) => db.findUserByLogin(login)!.id;
  t.equal(uid('noaccess'), 6);
  const noaccess = as(6);
  const membership = failure(() => noaccess('g2p.group.membership', 'search_read', [[]], { fields: ['group'] }));
  t.equal(membership.pythonClass, 'odoo.exceptions.AccessError');
  t.equal(
    membership.message,
    "You are not allowed to access 'Group Membership' (g2p.group.membership) records.\n\nThis operation is allowed for the following groups:\n\t- OpenG2P Module Access/Administrator\n\t- OpenG2P Module Access/Registrar\n\nContact your administrator to request access if necessary.",
  );
  t.equal(
    failure(() => noaccess('res.partner', 'create', [{ name: 'x' }])).message,
    "You are not allowed to create 'Contact' (res.partner) records.\n\nThis operation is allowed for the following groups:\n\t- Extra Rights/Contact Creation\n\t- OpenG2P Module Access/Registrar\n\t- OpenG2P Rest API/Rest API POST\n\nContact your administrator to request access if necessary.",
  );
  t.equal(
    failure(() => noaccess('g2p.id.type', 'write', [[1], { name: 'National ID' }])).message,
    "You are not allowed to modify 'ID Type' (g2p.id.type) records.\n\nThis operation is allowed for the following groups:\n\t- OpenG2P Module Access/Administrator\n\t- OpenG2P Rest API/Rest API POST\n\nContact your administrator to request access if necessary.",
  );
  for (const model of ['g2p.reg.id', 'g2p.phone.number', 'g2p.group.membership', 'g2p.id.type']) {
    t.equal(failure(() => noaccess(model, 'search', [[]])).pythonClass, 'odoo.exceptions.AccessError', `noaccess cannot read ${model}`);
  }
  for (const model of ['res.partner.bank', 'gender.type', 'g2p.relationship'])
    t.ok(Array.isArray(noaccess(model, 'search', [[]])), `every internal user reads ${model}`);
  const restGet = as(uid('rest_get'));
  t.ok(Array.isArray(restGet('res.partner', 'search_read', [[['id', '=', id]]], { fields: ['name'] })), 'GET reads partners');
  t.ok(Array.isArray(restGet('g2p.reg.id', 'search', [[]])), 'GET reads IDs');
  t.equal(failure(() => restGet('res.partner', 'write', [[id], { name: 'x' }])).pythonClass, 'odoo.exceptions.AccessError', 'GET cannot write');
  t.equal(failure(() => restGet('g2p.group.membership', 'search', [[]])).pythonClass, 'odoo.exceptions.AccessError', 'GET cannot read memberships');
  const restPost = as(uid('rest_post'));
  // OpenG2P's create and write of res.partner search the unique membership kinds as the caller,
  // which the REST API groups may not read: those groups alone cannot write a registrant.
  const kindsRefused = failure(() => restPost('res.partner', 'create', [{ name: 'P', is_registrant: true, reg_ids: [[0, 0, { id_type: 1, value: '1' }]] }]));
  t.match(
    kindsRefused.message,
    /^You are not allowed to access 'Group Membership Kind' \(g2p.group.membership.kind\) records/,
    'POST alone cannot create partners',
  );
  t.equal(failure(() => restPost('res.partner', 'write', [[id], { name: 'x' }])).message, kindsRefused.message, 'nor change them');
  const writer = as(
    db.addUser({
      login: 'rest_post_registrar',
      name: 'W',
      password: 'w',
      apiKeys: [],
      groups: ['base.group_user', 'g2p_registry_rest_api.group_g2p_rest_api_post', 'g2p_registry_base.group_g2p_registrar'],
      companyId: 1,
      active: true,
    }).id,
  );
  const created = writer('res.partner', 'create', [{ name: 'P', is_registrant: true, reg_ids: [[0, 0, { id_type: 1, value: '1' }]] }]) as number;
  t.type(created, 'number', 'POST with registrar rights creates partners with IDs');
  t.equal(
    failure(() => writer('res.partner', 'create', [{ name: 'P', bank_ids: [[0, 0, { acc_number: '1' }]] }])).pythonClass,
    'odoo.exceptions.AccessError',
    'nested bank account needs bank access',
  );
  t.equal(failure(() => writer('res.partner', 'unlink', [[created]])).pythonClass, 'odoo.exceptions.AccessError', 'POST cannot delete');
  const registrar = as(uid('registrar'));
  const group = registrar('res.partner', 'create', [{ name: 'G', is_registrant: true, is_group: true }]) as number;
  t.type(registrar('g2p.group.membership', 'create', [{ group, individual: id }]), 'number', 'registrar creates memberships');
  t.match(failure(() => registrar('res.partner', 'unlink', [[group]])).message, /not allowed to delete 'Contact'/, 'registrar cannot delete');
  t.type(as(uid('rest_both'))('res.partner', 'search_count', [[]]), 'number');
  const priv = failure(() => as(2)('res.partner', '_compute_display_name', [[id]]));
  t.same([priv.pythonClass, priv.message], ['odoo.exceptions.AccessError', 'Private methods (such as _compute_display_name) cannot be called remotely.']);
  const unknownModel = failure(() => as(2)('no.such.model', 'search', [[]]));
  t.same([unknownModel.pythonClass, unknownModel.message], ['odoo.exceptions.UserError', "Object no.such.model doesn't exist"]);
  const unknownMethod = failure(() => as(2)('res.partner', 'no_such_method', [[]]));
  t.same(
    [unknownMethod.pythonClass, unknownMethod.message],
    ['builtins.AttributeError', "The method 'no_such_method' does not exist on the model 'res.partner'"],
  );
  const wrongUid = failure(() => as(424242)('res.partner', 'search', [[]]));
  t.same(
    [wrongUid.pythonClass, wrongUid.message],
    ['odoo.exceptions.MissingError', 'Record does not exist or has been deleted.\n(Record: res.users(424242,), User: 424242)'],
  );
  const kwarg = failure(() => as(2)('res.partner', 'search', [[]], { no_such_kwarg: 1 }));
  t.same([kwarg.pythonClass, kwarg.message], ['builtins.TypeError', "BaseModel.search() got an unexpected keyword argument 'no_such_kwarg'"]);
  const str = failure(() => as(2)('res.partner', 'read', ['notalist']));
  t.equal(str.pythonClass, 'psycopg2.errors.InvalidTextRepresentation');
  t.match(str.message, /^invalid input syntax for type integer: "n"\n/);
});

t.test('web_read and web_search_read shapes match web-read.json', async (t) => {
  const { run, person } = setup();
  const recordings = JSON.parse(readFileSync(sharedPath('odoo-wire', 'web-read.json'), 'utf8')) as {
    case: string;
    request: { body: string };
    response: { body: string };
  }[];
  const recorded = (name: string) => {
    const c = recordings.find((r) => r.case === name)!;
    return { kwargs: JSON.parse(c.request.body).params.args[6] as Kw, result: JSON.parse(c.response.body).result };
  };
  const alpha = person({ name: 'RESTW, ALPHA', given_name: 'Alpha', family_name: 'Restw', birthdate: '1990-05-17' });
  const bravo = person({ name: 'RESTW, BRAVO', given_name: 'Bravo', family_name: 'Restw', birthdate: '1985-01-01' });
  const charlie = person({
    name: 'RESTW, CHARLIE',
    given_name: 'Charlie',
    family_name: 'Restw',
    gender: 'Male',
    birthdate: '1992-03-04',
    reg_ids: [[0, 0, { id_type: 1, value: 'RNID-C', status: 'valid', expiry_date: '2030-01-01' }]],
    phone_number_ids: [[0, 0, { phone_no: '+14155552672', date_collected: '2024-01-02' }]],
  });
  const group = run('res.partner', 'create', [{ name: 'RestW Household', is_registrant: true, is_group: true, kind: 1 }]) as number;
  run('g2p.group.membership', 'create', [{ group, individual: alpha, kind: [[6, 0, [1]]] }]);
  run('g2p.group.membership', 'create', [{ group, individual: bravo }]);

  /** The structure of a value: key lists and value kinds, recursively. */
  const shape = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.length ? ['array', shape(value[0])] : ['array'];
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
    return typeof value;
  };
  const individual = recorded('web_read_individual_nested');
  t.same(shape(plain(run('res.partner', 'web_read', [[charlie]], individual.kwargs))), shape(individual.result), 'individual with nested lines');
  const household = recorded('web_read_group_with_members');
  const got = plain(run('res.partner', 'web_read', [[group]], household.kwargs));
  t.same(shape(got), shape(household.result), 'group with members');
  t.same(
    Object.keys(got[0].group_membership_ids[0].individual),
    ['id', 'given_name', 'family_name', 'birthdate', 'display_name'],
    'display_name last on many2one',
  );
  t.same(got[0].group_membership_ids[1].kind, [{ id: 1, name: 'Head' }]);
  const list = recorded('web_search_read_individuals');
  const page = plain(run('res.partner', 'web_search_read', [], list.kwargs));
  t.same(Object.keys(page), ['length', 'records']);
  t.equal(page.length, 3);
  t.same(
    page.records.map((r: Kw) => r.id),
    [charlie, bravo, alpha],
  );
  t.same(Object.keys(page.records[0]), Object.keys(list.result.records[0]), 'same keys as recorded');
  t.same(plain(run('res.partner', 'web_read', [[999999999]], { specification: { name: {} } })), recorded('web_read_missing').result);
  t.same(
    plain(run('res.partner', 'web_read', [[charlie]], { specification: { company_id: {} } })),
    [{ id: charlie, company_id: 1 }],
    'many2one without fields is the id',
  );
  t.same(plain(run('res.partner', 'web_read', [[charlie]], { specification: { reg_ids: {} } }))[0].reg_ids.length, 1, 'x2many without fields is ids');
  const twoIds = person({
    reg_ids: [
      [0, 0, { id_type: 1, value: 'A' }],
      [0, 0, { id_type: 2, value: 'B12345678' }],
    ],
  });
  const limited = plain(run('res.partner', 'web_read', [[twoIds]], { specification: { reg_ids: { fields: { value: {} }, limit: 1, order: 'id desc' } } }));
  t.same(
    limited[0].reg_ids.map((r: Kw) => Object.keys(r)),
    [['id', 'value'], ['id']],
    'limit reads only the first lines fully',
  );
  t.equal(limited[0].reg_ids[0].value, 'B12345678', 'order applies before limit');
  const paged = plain(
    run('res.partner', 'web_search_read', [], { domain: [['family_name', '=', 'Restw']], specification: { name: {} }, limit: 2, offset: 0, order: 'id asc' }),
  );
  t.same([paged.length, paged.records.length], [3, 2], 'length counts past the limit');
  t.same(plain(run('res.partner', 'web_search_read', [], { domain: [['family_name', '=', 'Restw']], specification: {}, offset: 10, limit: 2 })), {
    length: 0,
    records: [],
  });
  t.equal(failure(() => run('res.partner', 'web_read', [[charlie]], { specification: { no_such_field: {} } })).pythonClass, 'builtins.ValueError');
});

t.test('read_group, name_search, fields_get, default_get, archive', async (t) => {
  const { run, person } = setup();
  person({ family_name: 'G', gender: 'Female', income: 1234.5 });
  person({ family_name: 'G', gender: 'Male', income: 50 });
  person({ family_name: 'G', gender: 'Male', income: 2549.75 });
  const delta = person({ family_name: 'G' });
  t.same(plain(run('res.partner', 'read_group', [[['family_name', '=', 'G']], ['gender'], ['gender']], { lazy: true })), [
    { gender: 'Female', gender_count: 1, __domain: ['&', ['family_name', '=', 'G'], ['gender', '=', 'Female']] },
    { gender: 'Male', gender_count: 2, __domain: ['&', ['family_name', '=', 'G'], ['gender', '=', 'Male']] },
    { gender: false, gender_count: 1, __domain: ['&', ['family_name', '=', 'G'], ['gender', '=', false]] },
  ]);
  t.same(plain(run('res.partner', 'read_group', [[['family_name', '=', 'G']], ['income:sum'], ['gender']], { orderby: 'gender', lazy: false })), [
    { gender: 'Female', __count: 1, income: 1234.5, __domain: ['&', ['family_name', '=', 'G'], ['gender', '=', 'Female']] },
    { gender: 'Male', __count: 2, income: 2599.75, __domain: ['&', ['family_name', '=', 'G'], ['gender', '=', 'Male']] },
    { gender: false, __count: 1, income: false, __domain: ['&', ['family_name', '=', 'G'], ['gender', '=', false]] },
  ]);
  const byCompany = run('res.partner', 'read_group', [[['family_name', '=', 'G']], ['__count'], ['company_id']], { lazy: false }) as Kw[];
  t.same(plain(byCompany)[0].company_id, [1, 'My Company']);
  const named = run('res.partner', 'search', [[['name', 'ilike', 'test, per']]], { limit: 2 }) as number[];
  t.same(
    run('res.partner', 'name_search', ['test, per'], { limit: 2 }),
    named.map((id) => [id, 'TEST, PERSON']),
    'name_search',
  );
  t.same(run('res.partner', 'name_search', [], { name: 'test, per', args: [['family_name', '=', 'nobody']], operator: 'ilike', limit: 5 }), []);
  const fields = plain(run('g2p.group.membership', 'fields_get', [], { attributes: ['type', 'required', 'readonly', 'relation', 'selection', 'string'] }));
  t.same(Object.keys(fields.group), ['readonly', 'relation', 'required', 'string', 'type']);
  const recorded = JSON.parse(readFileSync(sharedPath('odoo-wire', 'fields', 'res.partner.json'), 'utf8'));
  t.same(plain(run('res.partner', 'fields_get', [], {})), recorded, 'fields_get equals the recorded dump');
  t.same(plain(run('res.partner', 'fields_get', [['gender', 'kind']], { attributes: ['selection'] })), {
    kind: {},
    gender: {
      selection: [
        ['Male', 'Male'],
        ['Female', 'Female'],
      ],
    },
  });
  const defaults = run('res.partner', 'default_get', [['color', 'active', 'company_id']], { context: { default_color: 1099511627776 } }) as Kw;
  t.ok(defaults.color instanceof PyFloat, 'big int default becomes a float');
  t.same([defaults.active, defaults.company_id], [true, 1]);
  t.equal(run('res.partner', 'action_archive', [[delta]]), null, 'action_archive returns None');
  t.same(plain(run('res.partner', 'read', [[delta]], { fields: ['active'] })), [{ id: delta, active: false }], 'read still sees archived records');
  t.equal(run('res.partner', 'action_unarchive', [[delta]]), null);
  t.equal(run('res.partner', 'search_count', [[['id', '=', delta]]]), 1);
});

t.test('read_group on dates groups by month by default', async (t) => {
  const { run, person } = setup();
  person({ family_name: 'D', birthdate: '1990-05-17' });
  person({ family_name: 'D', birthdate: '1990-05-02' });
  person({ family_name: 'D', birthdate: '1991-01-09' });
  person({ family_name: 'D' });
  const groups = plain(run('res.partner', 'read_group', [[['family_name', '=', 'D']], ['__count'], ['birthdate']], { lazy: true }));
  t.same(
    groups.map((g: Kw) => [g.birthdate, g.birthdate_count]),
    [
      ['May 1990', 2],
      ['January 1991', 1],
      [false, 1],
    ],
  );
  t.same(groups[0].__range, { birthdate: { from: '1990-05-01', to: '1990-06-01' } });
  t.same(groups[0].__domain, ['&', ['family_name', '=', 'D'], '&', ['birthdate', '>=', '1990-05-01'], ['birthdate', '<', '1990-06-01']]);
  const years = plain(run('res.partner', 'read_group', [[['family_name', '=', 'D']], [], ['birthdate:year', 'gender']], { lazy: false }));
  t.same(
    years.map((g: Kw) => [g['birthdate:year'], g.gender, g.__count]),
    [
      ['1990', false, 2],
      ['1991', false, 1],
      [false, false, 1],
    ],
  );
});

t.test('API keys are created and revoked through the recorded wizard flow', async (t) => {
  const { db, run } = setup();
  const admin = db.userById(2)!;
  const description = run('res.users.apikeys.description', 'create', [{ name: 'gw' }]) as number;
  const check = run('res.users.apikeys.description', 'make_key', [[description]]) as Kw;
  t.same(Object.keys(check), ['type', 'res_model', 'res_id', 'name', 'target', 'views']);
  t.same([check.res_model, check.name, check.views], ['res.users.identitycheck', 'Security Control', [[false, 'form']]]);
  run('res.users.identitycheck', 'write', [[check.res_id], { password: 'wrong' }]);
  t.equal(failure(() => run('res.users.identitycheck', 'run_check', [[check.res_id]])).pythonClass, 'odoo.exceptions.UserError');
  run('res.users.identitycheck', 'write', [[check.res_id], { password: admin.password }]);
  const shown = plain(run('res.users.identitycheck', 'run_check', [[check.res_id]]));
  t.same([shown.res_model, shown.name], ['res.users.apikeys.show', 'API Key Ready']);
  t.match(shown.context.default_key, /^[0-9a-f]{40}$/);
  t.ok(admin.apiKeys.includes(shown.context.default_key), 'the key is usable for the wire layer');
  const keys = plain(run('res.users.apikeys', 'search_read', [[['name', '=', 'gw']]], { fields: ['name', 'scope', 'user_id'] }));
  t.same(
    keys.map((k: Kw) => [k.name, k.scope, k.user_id]),
    [['gw', false, [2, 'Administrator']]],
  );
  t.same(db.execute(6, 'res.users.apikeys', 'search_read', [[]], { fields: ['name'] }), [], 'other users do not see the key');
  const removal = run('res.users.apikeys', 'remove', [[keys[0].id]]) as Kw;
  run('res.users.identitycheck', 'write', [[removal.res_id], { password: admin.password }]);
  t.same(run('res.users.identitycheck', 'run_check', [[removal.res_id]]), { type: 'ir.actions.act_window_close' });
  t.same(run('res.users.apikeys', 'search_read', [[['name', '=', 'gw']]], { fields: ['name'] }), []);
  t.notOk(admin.apiKeys.includes(shown.context.default_key), 'revoked');
});
