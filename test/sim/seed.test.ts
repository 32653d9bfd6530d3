import t from 'tap';
import { SimDatabase } from '../../src/sim/orm/database.js';

type Kw = Record<string, unknown>;
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

/** Everything about the registrants except timestamps, in id order. */
function snapshot(db: SimDatabase): unknown {
  const run = (model: string, fields: string[]) =>
    plain(db.execute(2, model, 'search_read', [[]], { fields, order: 'id asc', context: { active_test: false } }));
  return {
    partners: run('res.partner', [
      'name',
      'given_name',
      'family_name',
      'gender',
      'birthdate',
      'registration_date',
      'is_group',
      'kind',
      'district',
      'income',
      'occupation',
      'active',
      'tags_ids',
      'reg_ids',
      'phone_number_ids',
      'bank_ids',
    ]),
    memberships: run('g2p.group.membership', ['group', 'individual', 'kind', 'start_date', 'ended_date']),
    ids: run('g2p.reg.id', ['partner_id', 'id_type', 'value']),
    phones: run('g2p.phone.number', ['partner_id', 'phone_no', 'phone_sanitized']),
  };
}

t.test('users and reference data have the recorded ids', async (t) => {
  const db = new SimDatabase({ adminPassword: 'secret' });
  t.equal(db.name, 'g2p');
  const admin = db.userById(2)!;
  t.same([admin.login, admin.name, admin.password, admin.companyId], ['admin', 'Administrator', 'secret', 1]);
  t.ok(admin.groups.includes('base.group_system') && admin.groups.includes('g2p_registry_base.group_g2p_admin'));
  t.same([db.userById(1)!.login, db.userById(1)!.active], ['__system__', false]);
  t.same([db.userById(6)!.login, db.userById(6)!.password], ['noaccess', 'noaccess']);
  for (const login of ['registrar', 'rest_get', 'rest_post', 'rest_both']) t.equal(db.findUserByLogin(login)?.password, login);
  const read = (model: string, id: number, fields: string[]) => plain(db.execute(2, model, 'read', [[id]], { fields }))[0];
  t.same(read('res.users', 2, ['display_name', 'partner_id']).display_name, 'Administrator');
  t.same(read('res.company', 1, ['name']).name, 'My Company');
  t.same(read('g2p.id.type', 1, ['name', 'id_validation', 'create_uid']), {
    id: 1,
    name: 'National ID',
    id_validation: false,
    create_uid: [2, 'Administrator'],
  });
  t.same(read('g2p.group.kind', 1, ['name']).name, 'Household');
  t.same(read('g2p.group.kind', 2, ['name']).name, 'Family');
  t.same(read('g2p.group.membership.kind', 1, ['name', 'is_unique']), { id: 1, name: 'Head', is_unique: true });
  t.ok(read('res.bank', 2, ['name']).name);
  t.ok(read('g2p.registrant.tags', 5, ['name']).name && read('g2p.registrant.tags', 6, ['name']).name);
  t.same(
    plain(db.execute(2, 'gender.type', 'search_read', [[]], { fields: ['value'] })).map((g: Kw) => g.value),
    ['Male', 'Female'],
  );
  t.equal(db.execute(2, 'res.partner', 'search_count', [[['is_registrant', '=', true]]], {}), 0, 'no demo registrants by default');
  const added = db.addUser({ login: 'extra', name: 'Extra User', password: 'pw', apiKeys: ['k1'], groups: ['base.group_user'], companyId: 1, active: true });
  t.ok(added.id > 6 && added.partnerId > 0);
  t.equal(db.findUserByLogin('extra')?.id, added.id);
  t.ok(db.hasModel('g2p.reg.id') && !db.hasModel('no.such.model'));
});

t.test('the same seed builds the same registry', async (t) => {
  // compared as JSON text: tap's deep comparison of thousands of records is slow
  const a = JSON.stringify(snapshot(new SimDatabase({ households: 40, seed: 7 })));
  const b = JSON.stringify(snapshot(new SimDatabase({ households: 40, seed: 7 })));
  const c = JSON.stringify(snapshot(new SimDatabase({ households: 40, seed: 8 })));
  t.ok(a.length > 10_000, 'snapshot has content');
  t.equal(a, b, 'deterministic');
  t.not(a, c, 'another seed, another registry');
});

t.test('demo households are realistic', async (t) => {
  const db = new SimDatabase({ households: 60, seed: 3 });
  const run = (model: string, method: string, args: unknown[], kwargs: Kw = {}) => plain(db.execute(2, model, method, args, kwargs));
  const groups = run('res.partner', 'search_read', [[['is_group', '=', true]]], { fields: ['group_membership_ids', 'kind', 'z_ind_grp_num_individuals'] });
  t.equal(groups.length, 60);
  for (const group of groups) t.ok(group.group_membership_ids.length >= 1 && group.group_membership_ids.length <= 9, 'size 1-9');
  const heads = run('g2p.group.membership', 'search_count', [[['kind', 'in', [1]]]]);
  t.equal(heads, 60, 'one head per household');
  t.ok(run('g2p.group.membership', 'search_count', [[['is_ended', '=', true]]]) > 0, 'some ended memberships');
  t.ok(
    run('res.partner', 'search_count', [
      [
        ['active', '=', false],
        ['is_registrant', '=', true],
      ],
    ]) >= 0,
  );
  const names = run(
    'res.partner',
    'search_read',
    [
      [
        ['is_group', '=', false],
        ['is_registrant', '=', true],
      ],
    ],
    { fields: ['name'] },
  ).map((p: Kw) => p.name as string);
  t.ok(
    names.some((name: string) => /[^\p{ASCII}]/u.test(name)),
    'non-ASCII names',
  );
  t.ok(
    names.every((name: string) => name === name.toUpperCase() && name.includes(', ')),
    'FAMILY, GIVEN names',
  );
  t.ok(run('g2p.reg.id', 'search_count', [[['id_type', '=', 1]]]) > 0, 'national IDs');
  t.ok(run('res.partner.bank', 'search_count', [[]]) > 0, 'bank accounts');
  const phones = run('g2p.phone.number', 'search_read', [[]], { fields: ['phone_sanitized'], limit: 5 });
  for (const phone of phones) t.match(phone.phone_sanitized, /^\+2547\d{8}$/);
});

// Generating 100,000 individuals takes seconds; leave room on a busy CI machine.
t.setTimeout(180_000);

t.test('100,000 individuals', async (t) => {
  const started = Date.now();
  const db = new SimDatabase({ households: 20200, seed: 1 });
  const seconds = (Date.now() - started) / 1000;
  const individuals = db.execute(
    2,
    'res.partner',
    'search_count',
    [
      [
        ['is_registrant', '=', true],
        ['is_group', '=', false],
      ],
    ],
    { context: { active_test: false } },
  ) as number;
  t.ok(individuals >= 100_000, `${individuals} individuals generated in ${seconds.toFixed(1)} s`);
  const page = plain(
    db.execute(2, 'res.partner', 'web_search_read', [], {
      domain: [
        ['is_registrant', '=', true],
        ['is_group', '=', false],
      ],
      specification: { name: {}, reg_ids: { fields: { value: {} } } },
      limit: 50,
      order: 'write_date asc, id asc',
    }),
  );
  t.equal(page.records.length, 50);
  t.ok(page.length > 90_000);
});
