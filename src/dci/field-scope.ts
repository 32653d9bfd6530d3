import type { WebSpecification } from '../odoo/types.js';
import { shows, type FieldView, type Selection } from '../registry/field-scope.js';
import type { Attribute, Entity } from './attributes.js';
import { GROUP_SPEC, MEMBER_SPEC, PERSON_SPEC } from './records.js';

/**
 * Field scopes on the DCI surface. A scope names REST API fields of individuals, groups and
 * memberships; a DCI record carries the standard's attributes, each read from one or more of
 * those fields. An attribute is shown (and its Odoo field read) only when the caller's scope
 * shows every API field it comes from; one that no API field exposes (a member's `is_disabled`,
 * a group's identifiers, the district) is never shown to a scoped caller. Searching or sorting
 * by an attribute follows the same rule: nobody may search by what they may not read.
 */

/** API fields of a registrant (individual or group) an Odoo field of the DCI specifications is read for; null: no API field shows it. */
export const REGISTRANT_NEEDS: Readonly<Record<string, readonly string[] | null>> = {
  name: ['name'],
  family_name: ['family_name'],
  given_name: ['given_name'],
  addl_name: ['addl_name'],
  gender: ['gender'],
  birthdate: ['birthdate'],
  registration_date: ['registration_date'],
  civil_status: ['civil_status'],
  occupation: ['occupation'],
  disabled: null,
  write_date: ['updated_at'],
  kind: ['kind'],
  // Of an individual: its IDs. A group's IDs are no field of the REST API's groups.
  reg_ids: ['reg_ids.id_type', 'reg_ids.value'],
};

/** The DCI record keys of a member (an SRPerson inside it) and the Odoo field each is mapped from. */
const MEMBER_KEYS: ReadonlyArray<readonly [path: string, odooField: string]> = [
  ['member_identifier', 'reg_ids'],
  ['demographic_info.identifier', 'reg_ids'],
  ['demographic_info.name.surname', 'family_name'],
  ['demographic_info.name.given_name', 'given_name'],
  ['demographic_info.name.second_name', 'addl_name'],
  ['demographic_info.name.full_name', 'name'],
  ['demographic_info.sex', 'gender'],
  ['demographic_info.birth_date', 'birthdate'],
  ['demographic_info.registration_date', 'registration_date'],
  ['is_disabled', 'disabled'],
  ['marital_status', 'civil_status'],
  ['occupation', 'occupation'],
  ['registration_date', 'registration_date'],
  ['last_updated', 'write_date'],
];

const GROUP_KEYS: ReadonlyArray<readonly [path: string, odooField: string]> = [
  ['group_identifier', 'reg_ids'],
  ['group_type', 'kind'],
  ['group_name', 'name'],
  ['registration_date', 'registration_date'],
  ['last_updated', 'write_date'],
];

type Row = Record<string, unknown>;

/** The caller's selection of a kind of record; undefined: every field (no scope, or a kind the view leaves whole). */
const selectionOf = (view: FieldView | undefined, resource: 'individual' | 'group' | 'membership'): Selection | undefined => view?.[resource];

const showsAll = (selection: Selection | undefined, paths: readonly string[] | null | undefined, entity: Entity): boolean => {
  if (paths === undefined) return false;
  if (selection === undefined) return true;
  if (paths === null) return false;
  // A group's IDs are no REST field: under a scope they stay hidden.
  if (entity === 'Group' && paths.some((p) => p.startsWith('reg_ids'))) return false;
  return paths.every((path) => shows(selection, path));
};

/** Whether a group's current members may be told apart from past ones, counted and listed. */
const membersShown = (group: Selection | undefined, ...paths: string[]): boolean =>
  group === undefined || ['members.is_ended', ...paths].every((path) => shows(group, path));

/** A DCI specification narrowed to what the selection shows (registrant fields only; relations are handled by the caller). */
function registrantSpec(full: WebSpecification, selection: Selection | undefined, entity: Entity): WebSpecification {
  const spec: WebSpecification = {};
  for (const [field, sub] of Object.entries(full)) if (showsAll(selection, REGISTRANT_NEEDS[field], entity)) spec[field] = sub;
  return spec;
}

/**
 * The Odoo specification a DCI search reads under the caller's view: exactly the fields behind
 * the attributes it may see, so nothing outside the scope crosses from Odoo. Without a view, the
 * whole specification.
 */
export function dciSpecification(entity: Entity, view: FieldView | undefined): WebSpecification {
  if (!view) return entity === 'Group' ? GROUP_SPEC : MEMBER_SPEC;
  const person = registrantSpec(PERSON_SPEC, selectionOf(view, 'individual'), 'Member');
  if (entity === 'Member') {
    const membership = selectionOf(view, 'membership');
    const spec = { ...person };
    // A member's relationship to its head comes from its own current membership's kind.
    if (membership === undefined || (shows(membership, 'kinds') && shows(membership, 'is_ended')))
      spec.individual_membership_ids = { fields: { kind: { fields: { name: {} } }, is_ended: {} } };
    return spec;
  }
  const group = selectionOf(view, 'group');
  const spec = registrantSpec(GROUP_SPEC, group, 'Group');
  delete spec.group_membership_ids;
  if (membersShown(group)) {
    const fields: WebSpecification = { is_ended: {} };
    if (membersShown(group, 'members.kinds')) fields.kind = { fields: { name: {} } };
    if (membersShown(group, 'members.individual')) fields.individual = { fields: person };
    spec.group_membership_ids = { fields };
  }
  return spec;
}

/** A mapped DCI record cut to the caller's view: what it may not see is absent (never null). */
export function cutRecord(entity: Entity, record: Row, view: FieldView | undefined): Row {
  if (!view) return record;
  const individual = selectionOf(view, 'individual');
  if (entity === 'Member') {
    const membership = selectionOf(view, 'membership');
    return cutMember(record, individual, membership === undefined || (shows(membership, 'kinds') && shows(membership, 'is_ended')));
  }
  const group = selectionOf(view, 'group');
  const out = cutKeys(record, GROUP_KEYS, group, 'Group');
  const relationship = membersShown(group, 'members.kinds');
  if (!membersShown(group)) {
    delete out.group_size;
    delete out.member_list;
    delete out.group_head_info;
    return out;
  }
  if (!membersShown(group, 'members.individual')) delete out.member_list;
  else if (Array.isArray(out.member_list)) out.member_list = out.member_list.map((member) => cutMember(member as Row, individual, relationship));
  // The head is found by its membership kind: without kinds (or members) there is no telling who it is.
  if (!relationship || !membersShown(group, 'members.individual')) delete out.group_head_info;
  else if (out.group_head_info) out.group_head_info = cutMember(out.group_head_info as Row, individual, relationship);
  return out;
}

function cutMember(record: Row, individual: Selection | undefined, relationship: boolean): Row {
  const out = cutKeys(record, MEMBER_KEYS, individual, 'Member');
  if (!relationship) delete out.relationship_head;
  const info = out.demographic_info as Row | undefined;
  const name = info?.name as Row | undefined;
  if (info && name && Object.keys(name).every((key) => key === '@type')) delete info.name;
  return out;
}

/** A deep copy of the record without the keys whose Odoo field the selection does not show. */
function cutKeys(record: Row, keys: ReadonlyArray<readonly [string, string]>, selection: Selection | undefined, entity: Entity): Row {
  const out = structuredClone(record);
  for (const [path, field] of keys) {
    if (showsAll(selection, REGISTRANT_NEEDS[field], entity)) continue;
    const parts = path.split('.');
    let node: Row | undefined = out;
    for (const part of parts.slice(0, -1)) node = node?.[part] as Row | undefined;
    if (node) delete node[parts.at(-1)!];
  }
  return out;
}

/**
 * The API fields (of the entity's kind of record) an attribute is searched or sorted by; null
 * when none shows it (it is then hidden from every scoped caller).
 */
function attributeNeeds(
  entity: Entity,
  attribute: Attribute,
  customFields: ReadonlyMap<string, string>,
): { resource: 'individual' | 'group'; paths: string[] } | null {
  const resource = entity === 'Group' ? 'group' : 'individual';
  const source = attribute.source;
  const field = (odooField: string): string[] | null => {
    const needs = REGISTRANT_NEEDS[odooField];
    if (needs !== undefined) return needs === null || (entity === 'Group' && odooField === 'reg_ids') ? null : [...needs];
    const custom = customFields.get(odooField);
    return custom ? [custom] : null;
  };
  let paths: string[] | null;
  switch (source.kind) {
    case 'field':
      paths = field(source.field);
      break;
    case 'sex':
      paths = ['gender'];
      break;
    case 'age':
      paths = ['birthdate'];
      break;
    case 'relatedName':
      paths = field(source.path.split('.')[0]!);
      break;
    case 'identifier':
      paths = entity === 'Group' ? null : ['reg_ids.id_type', 'reg_ids.value'];
      break;
    case 'groupSize':
      paths = ['members.is_ended'];
      break;
  }
  return paths ? { resource, paths } : null;
}

/**
 * The first API field behind the attribute that the caller's view hides, or the attribute's own
 * name when no API field shows it; undefined when the caller may search by it.
 * `customFields` maps a custom field's Odoo name to its API name.
 */
export function hiddenBehind(entity: Entity, attribute: Attribute, view: FieldView | undefined, customFields: ReadonlyMap<string, string>): string | undefined {
  if (!view) return undefined;
  const needs = attributeNeeds(entity, attribute, customFields);
  if (!needs) return attribute.name;
  const selection = view[needs.resource];
  if (selection === undefined) return undefined;
  return needs.paths.find((path) => !shows(selection, path));
}
