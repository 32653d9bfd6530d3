import type { OdooDomain, WebSpecification } from '../odoo/types.js';

/**
 * The vocabulary declarations speak: for each target, the API names a path may use and the Odoo
 * field behind each. Nothing outside these catalogs is reachable, except the target model's own
 * `x_` fields (checked against fields_get) and, for `target: model`, the fields the declaration
 * lists. Names follow the built-in API (`members`, `phone_numbers`, `updated_at`), not Odoo's.
 */

export type ValueType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime';

export interface ScalarField {
  odoo: string;
}

export interface RelationField {
  odoo: string;
  catalog: string;
  /** Shape of the answer: one object (or null) or a list. */
  many: boolean;
  /** x2many rows to keep (e.g. memberships not ended): Odoo terms, the fields they need read, and the same test in code. */
  where?: { terms: Array<readonly [string, string, unknown]>; spec: WebSpecification; test: (row: Record<string, unknown>) => boolean };
  /** Step from each kept row into this many2one of it (`head` = the individual of the Head membership). */
  through?: string;
}

export type CatalogField = ({ kind: 'scalar' } & ScalarField) | ({ kind: 'relation' } & RelationField);

export interface Catalog {
  model: string;
  /** Whether the model's own `x_` fields may be named. */
  customFields: boolean;
  fields: Record<string, CatalogField>;
}

export interface TargetInfo {
  catalog: string;
  /** Terms every read of the target carries (registrants only, individuals or groups). */
  scope: OdooDomain;
}

const scalar = (odoo: string): CatalogField => ({ kind: 'scalar', odoo });
const one = (odoo: string, catalog: string): CatalogField => ({ kind: 'relation', odoo, catalog, many: false });
const many = (odoo: string, catalog: string, where?: RelationField['where'], through?: string): CatalogField => ({
  kind: 'relation',
  odoo,
  catalog,
  many: through === undefined,
  where,
  through,
});

const isTrue = (value: unknown) => value === true;
const notEnded = {
  terms: [['is_ended', '=', false]] as Array<readonly [string, string, unknown]>,
  spec: { is_ended: {} },
  test: (row: Record<string, unknown>) => !isTrue(row.is_ended),
};
/** The Head: a current membership of a unique kind (OpenG2P allows one such member per group). */
const headMembership = {
  terms: [
    ['is_ended', '=', false],
    ['kind', 'any', [['is_unique', '=', true]]],
  ] as Array<readonly [string, string, unknown]>,
  spec: { is_ended: {}, kind: { fields: { is_unique: {} } } } as WebSpecification,
  test: (row: Record<string, unknown>) =>
    !isTrue(row.is_ended) && Array.isArray(row.kind) && row.kind.some((k) => isTrue((k as { is_unique?: unknown }).is_unique)),
};

const registrant: Record<string, CatalogField> = {
  id: scalar('id'),
  name: scalar('name'),
  email: scalar('email'),
  phone: scalar('phone'),
  mobile: scalar('mobile'),
  address: scalar('address'),
  registration_date: scalar('registration_date'),
  active: scalar('active'),
  created_at: scalar('create_date'),
  updated_at: scalar('write_date'),
  district: one('district', 'named'),
  tags: many('tags_ids', 'named'),
};

export const CATALOGS: Record<string, Catalog> = {
  individual: {
    model: 'res.partner',
    customFields: true,
    fields: {
      ...registrant,
      given_name: scalar('given_name'),
      family_name: scalar('family_name'),
      addl_name: scalar('addl_name'),
      gender: scalar('gender'),
      birthdate: scalar('birthdate'),
      birth_place: scalar('birth_place'),
      occupation: scalar('occupation'),
      income: scalar('income'),
      civil_status: scalar('civil_status'),
      reg_ids: many('reg_ids', 'reg_id'),
      phone_numbers: many('phone_number_ids', 'phone_number'),
      memberships: many('individual_membership_ids', 'membership', notEnded),
    },
  },
  group: {
    model: 'res.partner',
    customFields: true,
    fields: {
      ...registrant,
      kind: one('kind', 'named'),
      is_partial_group: scalar('is_partial_group'),
      members: many('group_membership_ids', 'membership', notEnded),
      head: many('group_membership_ids', 'individual', headMembership, 'individual'),
    },
  },
  membership: {
    model: 'g2p.group.membership',
    customFields: false,
    fields: {
      id: scalar('id'),
      group: one('group', 'group'),
      individual: one('individual', 'individual'),
      kinds: many('kind', 'named'),
      start_date: scalar('start_date'),
      ended_date: scalar('ended_date'),
      is_ended: scalar('is_ended'),
    },
  },
  reg_id: {
    model: 'g2p.reg.id',
    customFields: false,
    fields: { id: scalar('id'), id_type: one('id_type', 'named'), value: scalar('value'), status: scalar('status'), expiry_date: scalar('expiry_date') },
  },
  phone_number: {
    model: 'g2p.phone.number',
    customFields: false,
    fields: { id: scalar('id'), phone_no: scalar('phone_no'), phone_sanitized: scalar('phone_sanitized'), date_collected: scalar('date_collected') },
  },
  /** Reference records (district, kind, ID type, tags): their name only. The model comes from the relation. */
  named: { model: '', customFields: false, fields: { id: scalar('id'), name: scalar('name') } },
};

const registrantScope = (isGroup: boolean): OdooDomain => [
  ['is_registrant', '=', true],
  ['is_group', '=', isGroup],
];

export const BUILT_IN_TARGETS: Record<'individuals' | 'groups' | 'memberships', TargetInfo> = {
  individuals: { catalog: 'individual', scope: registrantScope(false) },
  groups: { catalog: 'group', scope: registrantScope(true) },
  memberships: { catalog: 'membership', scope: [] },
};

/**
 * Models a `target: model` declaration may not name: users, keys and Odoo's own machinery, and
 * res.partner (registrants are reached through individuals/groups, which keep the registrant scope).
 */
export function forbiddenModel(model: string): boolean {
  return /^(ir|res\.users|res\.partner$|res\.company|mail|bus|base|auth|iap|digest|queue)\b/.test(model) || model.startsWith('ir.');
}

/** fields_get types -> the value types of the filter language and of answers; undefined: not usable as a value. */
export function valueTypeOf(odooType: string): ValueType | undefined {
  switch (odooType) {
    case 'char':
    case 'text':
    case 'html':
    case 'selection':
      return 'string';
    case 'integer':
      return 'integer';
    case 'float':
    case 'monetary':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    default:
      return undefined;
  }
}
