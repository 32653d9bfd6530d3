import type { OdooRecord, WebSpecification } from '../odoo/types.js';
import type { CustomField, CustomFieldRole } from './custom-fields.js';
import type { Group, Individual, Membership } from './schemas.js';
import { isoDate, isoDatetime, numberOrNull, relation, relations, stringOrNull } from './values.js';

/**
 * Which Odoo fields the API reads, and how a record becomes API JSON. Only what is listed here
 * is ever read or shown: the rest of res.partner (company, users, accounting, ...) stays out.
 */

const NAME_ONLY = { fields: { display_name: {} } };

const REGISTRANT_FIELDS: WebSpecification = {
  name: {},
  email: {},
  phone: {},
  mobile: {},
  address: {},
  registration_date: {},
  active: {},
  create_date: {},
  write_date: {},
};

export const MEMBERSHIP_SPEC: WebSpecification = {
  group: NAME_ONLY,
  individual: NAME_ONLY,
  kind: NAME_ONLY,
  start_date: {},
  ended_date: {},
  is_ended: {},
};

/** A registrant's IDs and phone numbers. */
export const CONTACTS_SPEC: WebSpecification = {
  reg_ids: { fields: { id_type: NAME_ONLY, value: {}, status: {}, expiry_date: {}, description: {} }, order: 'id asc' },
  phone_number_ids: { fields: { phone_no: {}, phone_sanitized: {}, date_collected: {} }, order: 'id asc' },
};

const customSpec = (customFields: readonly CustomField[]): WebSpecification => Object.fromEntries(customFields.map((f) => [f.odooField, {}]));

export function individualSpec(customFields: readonly CustomField[]): WebSpecification {
  return {
    ...REGISTRANT_FIELDS,
    given_name: {},
    family_name: {},
    addl_name: {},
    gender: {},
    birthdate: {},
    birthdate_not_exact: {},
    birth_place: {},
    occupation: {},
    income: {},
    civil_status: {},
    ...CONTACTS_SPEC,
    bank_ids: { fields: { acc_number: {}, bank_id: NAME_ONLY, acc_holder_name: {} }, order: 'id asc' },
    ...customSpec(customFields),
  };
}

export function groupSpec(customFields: readonly CustomField[], withMembers: boolean): WebSpecification {
  return {
    ...REGISTRANT_FIELDS,
    kind: NAME_ONLY,
    is_partial_group: {},
    ...customSpec(customFields),
    ...(withMembers ? { group_membership_ids: { fields: MEMBERSHIP_SPEC, order: 'id asc' } } : {}),
  };
}

type Row = Record<string, unknown>;
const rows = (value: unknown): Row[] => (Array.isArray(value) ? value.filter((v): v is Row => Boolean(v) && typeof v === 'object') : []);

function registrantBase(record: OdooRecord) {
  return {
    id: record.id,
    name: stringOrNull(record.name),
    email: stringOrNull(record.email),
    phone: stringOrNull(record.phone),
    mobile: stringOrNull(record.mobile),
    address: stringOrNull(record.address),
    registration_date: isoDate(record.registration_date),
    active: record.active !== false,
    created_at: isoDatetime(record.create_date),
    updated_at: isoDatetime(record.write_date),
  };
}

function addCustomValues(out: Record<string, unknown>, record: OdooRecord, customFields: readonly CustomField[]): void {
  for (const field of customFields) {
    const raw = record[field.odooField];
    out[field.name] =
      field.type === 'boolean' ? raw === true : field.type === 'date' ? isoDate(raw) : field.type === 'string' ? stringOrNull(raw) : numberOrNull(raw);
  }
}

// The mappers below extend the base object by assignment rather than `{ ...base, ... }`: object
// spread takes a slow path in V8 (Node 20) that made mapping the main CPU cost of a list page.
export function toIndividual(record: OdooRecord, customFields: readonly CustomField[]): Individual {
  const out = registrantBase(record) as Individual;
  out.given_name = stringOrNull(record.given_name);
  out.family_name = stringOrNull(record.family_name);
  out.addl_name = stringOrNull(record.addl_name);
  out.gender = stringOrNull(record.gender);
  out.birthdate = isoDate(record.birthdate);
  out.birthdate_not_exact = record.birthdate_not_exact === true;
  out.birth_place = stringOrNull(record.birth_place);
  out.occupation = stringOrNull(record.occupation);
  out.income = numberOrNull(record.income);
  out.civil_status = stringOrNull(record.civil_status);
  out.reg_ids = regIdsOf(record);
  out.phone_numbers = phoneNumbersOf(record);
  out.bank_accounts = rows(record.bank_ids).map((r) => ({
    id: r.id as number,
    acc_number: stringOrNull(r.acc_number),
    bank: relation(r.bank_id),
    acc_holder_name: stringOrNull(r.acc_holder_name),
  }));
  addCustomValues(out, record, customFields);
  return out;
}

/** A record's IDs, read with CONTACTS_SPEC. */
export function regIdsOf(record: OdooRecord): Individual['reg_ids'] {
  return rows(record.reg_ids).map((r) => ({
    id: r.id as number,
    id_type: relation(r.id_type),
    value: stringOrNull(r.value),
    status: stringOrNull(r.status),
    expiry_date: isoDate(r.expiry_date),
    description: stringOrNull(r.description),
  }));
}

/** A record's phone numbers, read with CONTACTS_SPEC. */
export function phoneNumbersOf(record: OdooRecord): Individual['phone_numbers'] {
  return rows(record.phone_number_ids).map((r) => ({
    id: r.id as number,
    phone_no: stringOrNull(r.phone_no),
    phone_sanitized: stringOrNull(r.phone_sanitized),
    date_collected: isoDate(r.date_collected),
  }));
}

export function toMembership(record: Row): Membership {
  return {
    id: record.id as number,
    group: relation(record.group) ?? { id: 0, name: '' },
    individual: relation(record.individual) ?? { id: 0, name: '' },
    kinds: relations(record.kind),
    start_date: isoDatetime(record.start_date),
    ended_date: isoDatetime(record.ended_date),
    is_ended: record.is_ended === true || Boolean(stringOrNull(record.ended_date)),
  };
}

export function toGroup(record: OdooRecord, customFields: readonly CustomField[], withMembers: boolean): Group {
  const out = registrantBase(record) as Group;
  out.kind = relation(record.kind);
  out.is_partial_group = record.is_partial_group === true;
  addCustomValues(out, record, customFields);
  if (withMembers) out.members = rows(record.group_membership_ids).map(toMembership);
  return out;
}

/** Leaves out custom fields the caller's roles may not see. */
export function visibleTo<T extends Record<string, unknown>>(value: T, customFields: readonly CustomField[], roles: ReadonlySet<CustomFieldRole>): T {
  const hidden = customFields.filter((f) => !roles.has(f.readRole));
  if (hidden.length === 0) return value;
  const copy: Record<string, unknown> = { ...value };
  for (const field of hidden) delete copy[field.name];
  return copy as T;
}
