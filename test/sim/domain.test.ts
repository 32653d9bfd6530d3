import t from 'tap';
import { SimDatabase } from '../../src/sim/orm/database.js';
import { OdooSimError } from '../../src/sim/exceptions.js';
import { thrownBy } from '../support/thrown.js';

/** The four individuals of the recorded domain cases (xmlrpc-2.json search_op_*). */
function fixture() {
  const db = new SimDatabase();
  const run = (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) => db.execute(2, model, method, args, kwargs);
  const [alpha, bravo, charlie, delta] = run('res.partner', 'create', [
    [
      {
        name: 'WIRE-T, ALPHA',
        family_name: 'Wire-t',
        given_name: 'Alpha',
        is_registrant: true,
        gender: 'Female',
        birthdate: '1990-05-17',
        income: 1234.5,
        tags_ids: [[6, 0, [5]]],
        reg_ids: [[0, 0, { id_type: 1, value: 'NID-A' }]],
      },
      { name: 'WIRE-T, BRAVO', family_name: 'Wire-t', given_name: 'Bravo', is_registrant: true, gender: 'Male', birthdate: '1985-01-01', income: 50 },
      { name: 'WIRE-T, CHARLIE', family_name: 'Wire-t', given_name: 'Charlie', is_registrant: true, gender: 'Male', birthdate: '2001-07-30', income: 2500.25 },
      { name: 'WIRE-T, DELTA', family_name: 'Wire-t', given_name: 'Delta', is_registrant: true, birthdate: '1970-02-28' },
    ],
  ]) as number[];
  const scope = ['family_name', '=', 'Wire-t'];
  const search = (domain: unknown[], kwargs: Record<string, unknown> = {}) =>
    run('res.partner', 'search', [[scope, ...domain]], { order: 'id asc', ...kwargs }) as number[];
  return { db, run, search, alpha: alpha!, bravo: bravo!, charlie: charlie!, delta: delta! };
}

const failure = (fn: () => unknown) => thrownBy(fn, OdooSimError);

t.test('comparison operators behave as the recorded server', async (t) => {
  const { search, alpha, bravo, charlie, delta } = fixture();
  t.same(search([['gender', '=', 'Female']]), [alpha], '=');
  t.same(search([['gender', '!=', 'Female']]), [bravo, charlie, delta], '!= also matches NULL');
  t.same(search([['gender', '=', false]]), [delta], '= False is IS NULL');
  t.same(search([['gender', '!=', false]]), [alpha, bravo, charlie], '!= False is IS NOT NULL');
  t.same(search([['id', 'in', [alpha, charlie, 999999999]]]), [alpha, charlie], 'in');
  t.same(search([['given_name', 'not in', ['Alpha', 'Bravo']]]), [charlie, delta], 'not in');
  t.same(search([['gender', 'in', ['Male', false]]]), [bravo, charlie, delta], 'in with False includes NULL');
  t.same(search([['name', 'ilike', 'alpha']]), [alpha], 'ilike');
  t.same(search([['name', 'like', 'ALPHA']]), [alpha], 'like');
  t.same(search([['name', 'like', 'alpha']]), [], 'like is case-sensitive');
  t.same(search([['name', 'not ilike', 'alpha']]), [bravo, charlie, delta], 'not ilike');
  t.same(search([['name', 'not like', 'ALPHA']]), [bravo, charlie, delta], 'not like');
  t.same(search([['given_name', '=ilike', 'al%']]), [alpha], '=ilike uses the pattern as is');
  t.same(search([['given_name', '=like', 'Al%']]), [alpha], '=like');
  t.same(search([['given_name', '=like', 'al%']]), [], '=like is case-sensitive');
  t.same(search([['given_name', '=like', 'Br_vo']]), [bravo], '_ matches one character');
  t.same(search([['income', '>', 1000]]), [alpha, charlie], '> on a float');
  t.same(search([['income', '>=', 50]]), [alpha, bravo, charlie], '>=');
  t.same(search([['income', '<', 100]]), [bravo], '< skips NULL');
  t.same(search([['birthdate', '<=', '1985-01-01']]), [bravo, delta], '<= on a date');
  t.same(search([['birthdate', '>', '1985-01-01']]), [alpha, charlie], '> on a date');
  t.same(search([['tags_ids', 'in', [5]]]), [alpha], 'many2many in');
  t.same(search([['tags_ids', '=', false]]), [bravo, charlie, delta], 'many2many = False');
  t.same(search([['reg_ids', '!=', false]]), [alpha], 'one2many != False');
  t.same(search([['company_id', '=', 1]]), [alpha, bravo, charlie, delta], 'many2one = id');
  t.same(search([['company_id', 'ilike', 'my comp']]), [alpha, bravo, charlie, delta], 'many2one ilike name');
  t.same(search([['gender', '=?', false]]), [alpha, bravo, charlie, delta], '=? with False is always true');
});

t.test('prefix logic', async (t) => {
  const { search, alpha, bravo, charlie, delta } = fixture();
  t.same(search(['|', ['gender', '=', 'Female'], '!', ['income', '>', 100]]), [alpha, bravo], 'recorded case: NOT (income > 100) leaves NULL out');
  t.same(search(['!', ['gender', '=', 'Female']]), [bravo, charlie, delta], "'!' of '=' is '!=' (NULL included)");
  t.same(search(['!', '&', ['gender', '=', 'Male'], ['income', '>', 100]]), [alpha, bravo, delta], "De Morgan over '&'");
  t.same(
    search([
      ['gender', '=', 'Male'],
      ['income', '>', 100],
    ]),
    [charlie],
    'implicit and',
  );
  t.same(search(['&', ['gender', '=', 'Male'], ['income', '<', 100]]), [bravo], "explicit '&'");
  t.same(search(['!', '|', ['gender', '=', 'Male'], ['gender', '=', false]]), [alpha], "'!' of an or");
  t.same(search(['|', '|', ['given_name', '=', 'Alpha'], ['given_name', '=', 'Bravo'], ['given_name', '=', 'Delta']]), [alpha, bravo, delta], 'nested or');
  t.same(search([[1, '=', 1]]), [alpha, bravo, charlie, delta], 'TRUE_LEAF');
  t.same(search([[0, '=', 1]]), [], 'FALSE_LEAF');
});

t.test('dotted paths and active_test', async (t) => {
  const { run, search, alpha, bravo } = fixture();
  t.same(search([['reg_ids.value', '=', 'NID-A']]), [alpha], 'one2many path');
  t.same(search([['reg_ids.id_type.name', '=', 'National ID']]), [alpha], 'two-step path');
  t.same(search([['tags_ids.name', 'ilike', 'female-headed']]), [alpha], 'many2many path');
  t.same(search([['company_id.name', '=', 'My Company']]).length, 4, 'many2one path');
  const group = run('res.partner', 'create', [{ name: 'Path Household', is_registrant: true, is_group: true, kind: 1 }]) as number;
  run('g2p.group.membership', 'create', [{ group, individual: bravo, kind: [[6, 0, [1]]] }]);
  t.same(search([['individual_membership_ids.group.name', '=', 'Path Household']]), [bravo], 'membership path');
  t.same(
    run('g2p.group.membership', 'search', [[['individual.birthdate', '=', '1985-01-01']]]),
    run('g2p.group.membership', 'search', [[['group', '=', group]]]),
    'many2one to date',
  );
  // archive the partner: many2one paths ignore active_test, searches on the model do not
  run('res.partner', 'action_archive', [[bravo]]);
  t.same(search([['given_name', '=', 'Bravo']]), [], 'archived partner hidden');
  t.same(search([['given_name', '=', 'Bravo']], { context: { active_test: false } }), [bravo], 'active_test False');
  t.same(search([['active', '=', false]]), [bravo], "a domain on 'active' disables the implicit filter");
  t.equal((run('g2p.group.membership', 'search', [[['individual.given_name', '=', 'Bravo']]]) as number[]).length, 1, 'many2one path reaches archived partner');
  // archived bank account: x2many paths apply active_test on the comodel
  run('res.partner', 'write', [[alpha], { bank_ids: [[0, 0, { acc_number: 'ACC-1', bank_id: 2 }]] }]);
  t.same(search([['bank_ids.acc_number', '=', 'ACC-1']]), [alpha]);
  const bank = (run('res.partner.bank', 'search', [[['acc_number', '=', 'ACC-1']]]) as number[])[0];
  run('res.partner.bank', 'write', [[bank], { active: false }]);
  t.same(search([['bank_ids.acc_number', '=', 'ACC-1']]), [], 'archived comodel record not followed');
  t.same(search([['bank_ids.acc_number', '=', 'ACC-1']], { context: { active_test: false } }), [alpha], 'followed with active_test False');
});

t.test('order, limit and offset', async (t) => {
  const { run, search, alpha, bravo, charlie, delta } = fixture();
  t.same(search([], { limit: 2, offset: 1, order: 'name desc' }), [charlie, bravo], 'recorded limit/offset/order');
  t.same(search([], { order: 'gender asc, id desc' }), [alpha, charlie, bravo, delta], 'NULL last ascending, several keys');
  t.same(search([], { order: 'gender desc, id asc' }), [delta, bravo, charlie, alpha], 'NULL first descending');
  t.same(search([], { order: 'income desc' }), [delta, charlie, alpha, bravo], 'float desc');
  t.same(search([], { order: null }), [alpha, bravo, charlie, delta], 'default res.partner order is by name');
  t.same(search([], { order: 'write_date asc, id asc', offset: 1 }), [bravo, charlie, delta], 'write_date then id');
  t.same(run('res.partner', 'search_count', [[['family_name', '=', 'Wire-t']]]), 4);
  t.same(run('res.partner', 'search_count', [[['family_name', '=', 'Wire-t']]], { limit: 2 }), 2);
  const err = failure(() => search([], { order: 'no_such desc' }));
  t.equal(err.pythonClass, 'builtins.ValueError');
});

t.test('malformed domains fail as Odoo fails', async (t) => {
  const { search, db } = fixture();
  const cases: [unknown[], string, string][] = [
    [[['name', 'nope', 'x']], 'builtins.ValueError', "Invalid leaf ('name', 'nope', 'x')"],
    [[['no_such_field', '=', 1]], 'builtins.ValueError', "Invalid field res.partner.no_such_field in leaf ('no_such_field', '=', 1)"],
    [[['name', 'x']], 'builtins.ValueError', 'not enough values to unpack (expected 3, got 2)'],
    [[['name', '=', 'x', 'y']], 'builtins.ValueError', 'too many values to unpack (expected 3)'],
  ];
  for (const [domain, cls, message] of cases) {
    const err = failure(() => db.execute(2, 'res.partner', 'search', [domain], {}));
    t.equal(err.pythonClass, cls);
    t.equal(err.message, message);
  }
  const err = failure(() => db.execute(2, 'res.partner', 'search', [['|', ['name', '=', 'x']]], {}));
  t.equal(err.pythonClass, 'builtins.ValueError');
  t.match(err.message, /is syntactically not correct/);
  const path = failure(() => search([['reg_ids.nope', '=', 1]]));
  t.equal(path.message, "Invalid field g2p.reg.id.nope in leaf ('nope', '=', 1)");
});
