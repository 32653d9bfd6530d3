/**
 * What a declared endpoint reaches in the words of field scopes (scope-needs.ts): the API
 * fields behind each path, or null when a path reaches what no scope can name. The HTTP side
 * (a covered scoped caller answered, an uncovered one refused) is in test/http/field-scopes.test.ts.
 */
import t from 'tap';
import { endpointDeclarationSchema } from '../../src/endpoints/declaration.js';
import { scopeNeeds } from '../../src/endpoints/scope-needs.js';

const CUSTOM = [{ name: 'enrolment_status', odooField: 'x_enrolment_status' }];
const needs = (declaration: Record<string, unknown>) =>
  scopeNeeds(endpointDeclarationSchema.parse({ path: '/custom/x', kind: 'list', roles: ['Rest API GET'], ...declaration }), CUSTOM)
    ?.map((n) => `${n.resource}:${n.path}`)
    .sort() ?? null;

t.test('paths of individuals: scalars, nested lists, memberships, custom fields', async (t) => {
  t.same(
    needs({
      target: 'individuals',
      fields: ['id', 'name', 'phone_numbers.phone_no', 'reg_ids.id_type.name', 'memberships.group.name', 'x_enrolment_status'],
      filter: [{ not: { field: 'reg_ids.value', op: 'is_set' } }],
      params: [{ name: 'born', field: 'birthdate', op: 'gte' }],
    }),
    [
      'individual:birthdate',
      'individual:enrolment_status',
      'individual:name',
      'individual:phone_numbers.phone_no',
      'individual:reg_ids.id_type',
      'individual:reg_ids.value',
      'membership:group',
      'membership:is_ended',
    ],
  );
});

t.test("a group's head and members", async (t) => {
  t.same(needs({ target: 'groups', fields: ['name', 'kind.name', 'head.phone', 'members.kinds.name'] }), [
    'group:kind',
    'group:members.individual',
    'group:members.is_ended',
    'group:members.kinds',
    'group:name',
    'individual:phone',
  ]);
  t.same(needs({ kind: 'aggregate', target: 'groups', groupBy: ['kind.name'], measures: ['count'] }), ['group:kind']);
});

t.test('what no scope can name: null', async (t) => {
  t.equal(needs({ target: 'individuals', fields: ['name', 'district.name'] }), null, 'a district');
  t.equal(needs({ target: 'individuals', fields: ['x_not_an_api_field'] }), null, 'an x_ field the API does not map');
  t.equal(needs({ target: 'model', model: 'g2p.program', modelFields: ['name'], fields: ['name'] }), null, 'target: model');
});
