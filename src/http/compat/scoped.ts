import type { FieldView, Selection } from '../../registry/field-scope.js';

/**
 * The module's JSON for a caller with field scopes: only the keys whose registry field its view
 * shows. Each key of the module's shapes names the registry field it comes from; `true` keys
 * (ids, `is_group`) are how records are named and always kept; `false` keys (photos) have no
 * registry field, so no scope shows them and they are never read for a scoped caller.
 */

type Json = Record<string, unknown>;
type KeyTable = Readonly<Record<string, string | boolean | { field: string; keys: KeyTable }>>;

const REG_ID_KEYS: KeyTable = { id: true, id_type_as_str: 'id_type', value: 'value', expiry_date: 'expiry_date' };
const PHONE_KEYS: KeyTable = { id: true, phone_no: 'phone_no', phone_sanitized: 'phone_sanitized', date_collected: 'date_collected' };

const REGISTRANT_KEYS: KeyTable = {
  id: true,
  name: 'name',
  is_group: true,
  registration_date: 'registration_date',
  email: 'email',
  address: 'address',
  image_1920: false,
  create_date: 'created_at',
  write_date: 'updated_at',
};

export const INDIVIDUAL_KEYS: KeyTable = {
  ...REGISTRANT_KEYS,
  reg_ids: { field: 'reg_ids', keys: REG_ID_KEYS },
  phone_number_ids: { field: 'phone_numbers', keys: PHONE_KEYS },
  given_name: 'given_name',
  addl_name: 'addl_name',
  family_name: 'family_name',
  gender: 'gender',
  birthdate: 'birthdate',
  age: 'birthdate',
  birth_place: 'birth_place',
};

/** A group's own IDs and phones have no registry field of groups: no scope shows them. */
const GROUP_KEYS: KeyTable = { ...REGISTRANT_KEYS, reg_ids: false, phone_number_ids: false, is_partial_group: 'is_partial_group' };

function project(json: Json, keys: KeyTable, selection: Selection): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(json)) {
    const source = keys[key];
    if (source === true) out[key] = value;
    else if (typeof source === 'string') {
      if (selection[source] !== undefined) out[key] = value;
    } else if (source && typeof source === 'object') {
      const sub = selection[source.field];
      if (sub === undefined) continue;
      out[key] = sub === true || !Array.isArray(value) ? value : value.map((item) => project(item as Json, source.keys, sub));
    }
  }
  return out;
}

/** An individual in the module's shape, as the view shows it. */
export function scopedIndividual(json: Json, view: FieldView): Json {
  return view.individual ? project(json, INDIVIDUAL_KEYS, view.individual) : json;
}

/** A group in the module's shape: its own keys by the group view, members by the membership view, their individuals by the individual view. */
export function scopedGroup(json: Json, view: FieldView): Json {
  const out = view.group ? project(json, GROUP_KEYS, view.group) : { ...json };
  const members = json.group_membership_ids;
  if (Array.isArray(members) && (view.group === undefined || view.group.members !== undefined)) {
    out.group_membership_ids = members.map((member: Json) => {
      const shown: Json = { id: member.id };
      if (!view.membership || view.membership.individual !== undefined)
        shown.individual = member.individual ? scopedIndividual(member.individual as Json, view) : null;
      if (!view.membership || view.membership.kinds !== undefined) shown.kind = member.kind;
      return shown;
    });
  }
  return out;
}
