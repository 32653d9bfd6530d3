import type { WebSpecification } from '../odoo/types.js';
import type { FieldView, Resource } from '../registry/field-scope.js';
import type { Entity } from './attributes.js';
import { dciSpecification, REGISTRANT_NEEDS } from './field-scope.js';

/**
 * The disclosure audit of DCI answers (sync search answers, async on-search callbacks,
 * subscription notifies): which fields of which registrants an answer carried, in the words of
 * the REST API's audit (`individual.name`, `group.members.kinds`) so one report
 * (`npm run disclosures`) counts both surfaces alike. A DCI attribute that no API field shows
 * (a member's `is_disabled`, a group's `group_identifier`) is named by itself. Never a value.
 */

/** What a DCI answer disclosed: per kind of record, the fields and the ids of the registrants shown with them. */
export interface DciDisclosure {
  fields: Partial<Record<Resource, string[]>>;
  ids: Partial<Record<Resource, number[]>>;
}

/** Who asked for work done later (an async search, a subscription), for the audit lines of what it sends. */
export interface DciRequester {
  sub: string | null;
  client_id: string | null;
  via: string | null;
}

/** The API fields an Odoo field of the DCI specifications discloses (those no API field shows: the attribute's name). */
const disclosedBy = (odooField: string, entity: Entity): readonly string[] => {
  if (odooField === 'reg_ids' && entity === 'Group') return ['group_identifier'];
  if (odooField === 'disabled') return ['is_disabled'];
  return REGISTRANT_NEEDS[odooField] ?? [];
};

type Fields = Record<Resource, Set<string>>;

function addRegistrant(out: Set<string>, spec: WebSpecification, entity: Entity): void {
  out.add('id');
  for (const field of Object.keys(spec)) for (const path of disclosedBy(field, entity)) out.add(path);
}

/** The fields a record of the entity carries under the view: those its Odoo specification reads. */
function fieldsOf(entity: Entity, view: FieldView | undefined): Fields {
  const out: Fields = { individual: new Set(), group: new Set(), membership: new Set() };
  const spec = dciSpecification(entity, view);
  if (entity === 'Member') {
    addRegistrant(out.individual, spec, 'Member');
    // relationship_head: the kind of the member's current membership.
    if (spec.individual_membership_ids) ['kinds', 'is_ended'].forEach((path) => out.membership.add(path));
    return out;
  }
  addRegistrant(out.group, spec, 'Group');
  const members = spec.group_membership_ids?.fields;
  if (!members) return out;
  out.group.add('members.is_ended');
  if (members.kind) out.group.add('members.kinds');
  const person = members.individual?.fields;
  if (person) {
    out.group.add('members.individual');
    addRegistrant(out.individual, person, 'Member');
  }
  return out;
}

type Row = Record<string, unknown>;
const isRow = (value: unknown): value is Row => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A DCI record's registrant id (`urn:openg2p:registrant:12`). */
const registrantId = (record: unknown): number | undefined => {
  const id = isRow(record) && typeof record['@id'] === 'string' ? /:(\d+)$/.exec(record['@id'])?.[1] : undefined;
  return id === undefined ? undefined : Number(id);
};

/**
 * What these DCI records (as answered, cut to `view`) disclosed. A membership field is counted
 * by the member it tells about (a DCI record names registrants, not memberships).
 */
export function dciDisclosure(records: readonly unknown[], view: FieldView | undefined): DciDisclosure {
  const fields: Fields = { individual: new Set(), group: new Set(), membership: new Set() };
  const ids: Record<Resource, Set<number>> = { individual: new Set(), group: new Set(), membership: new Set() };
  const seen = new Set<Entity>();
  const addFields = (entity: Entity) => {
    if (seen.has(entity)) return;
    seen.add(entity);
    const shown = fieldsOf(entity, view);
    for (const resource of ['individual', 'group', 'membership'] as const) for (const path of shown[resource]) fields[resource].add(path);
  };
  const addMember = (record: unknown, membershipShown: boolean) => {
    const id = registrantId(record);
    if (id === undefined) return;
    ids.individual.add(id);
    if (membershipShown) ids.membership.add(id);
  };
  const memberships = fieldsOf('Member', view).membership.size > 0;
  for (const record of records) {
    if (!isRow(record)) continue;
    if (record['@type'] === 'Group') {
      addFields('Group');
      const id = registrantId(record);
      if (id !== undefined) ids.group.add(id);
      for (const member of Array.isArray(record.member_list) ? record.member_list : []) addMember(member, false);
      if (record.group_head_info) addMember(record.group_head_info, false);
    } else {
      addFields('Member');
      addMember(record, memberships);
    }
  }
  const out: DciDisclosure = { fields: {}, ids: {} };
  for (const resource of ['individual', 'group', 'membership'] as const) {
    if (fields[resource].size === 0 || ids[resource].size === 0) continue;
    out.fields[resource] = [...fields[resource]];
    out.ids[resource] = [...ids[resource]];
  }
  return out;
}

/** The records of a search answer's succeeded items. */
export function searchAnswerRecords(message: unknown): unknown[] {
  const items = isRow(message) && Array.isArray(message.search_response) ? message.search_response : [];
  return items.flatMap((item: unknown): unknown[] =>
    isRow(item) && isRow(item.data) && Array.isArray(item.data.reg_records) ? (item.data.reg_records as unknown[]) : [],
  );
}

/**
 * The audit line of a DCI answer sent outside any HTTP request of its sender (an on-search
 * callback, a notify), in the shape of the request audit lines (`"msg":"audit"`).
 */
export function dciAuditLine(options: {
  requester: DciRequester | undefined;
  sender: string;
  route: string;
  status: number | undefined;
  reference: string;
  scopes: readonly string[] | null;
  disclosure: DciDisclosure;
}): Record<string, unknown> {
  const { requester, disclosure } = options;
  return {
    sub: requester?.sub ?? null,
    client_id: requester?.client_id ?? null,
    via: requester?.via ?? null,
    dci_sender: options.sender,
    roles: [],
    method: 'POST',
    route: options.route,
    access: null,
    record_ids: [...new Set(Object.values(disclosure.ids).flat())],
    status: options.status ?? null,
    request_id: options.reference,
    scope: options.scopes ? [...options.scopes] : null,
    disclosed: disclosure.fields,
    disclosed_ids: disclosure.ids,
  };
}
