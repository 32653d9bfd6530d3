import type { OdooRecord, WebSpecification } from '../odoo/types.js';
import type { Entity } from './attributes.js';
import type { DciSettings } from '../config/dci.js';

/**
 * OpenG2P registrants in the DCI Social Registry record shapes (Group, Member with an SRPerson
 * as demographic_info). A page of groups with all their members is one `web_search_read`.
 */

const ID_SPEC: WebSpecification = { value: {}, id_type: { fields: { display_name: {} } } };

export const PERSON_SPEC: WebSpecification = {
  name: {},
  family_name: {},
  given_name: {},
  addl_name: {},
  gender: {},
  birthdate: {},
  registration_date: {},
  civil_status: {},
  occupation: {},
  disabled: {},
  write_date: {},
  reg_ids: { fields: ID_SPEC },
};

const KIND_SPEC: WebSpecification = { name: {} };

export const MEMBER_SPEC: WebSpecification = {
  ...PERSON_SPEC,
  individual_membership_ids: { fields: { group: { fields: { display_name: {} } }, kind: { fields: KIND_SPEC }, is_ended: {} } },
};

export const GROUP_SPEC: WebSpecification = {
  name: {},
  registration_date: {},
  write_date: {},
  kind: { fields: { display_name: {} } },
  reg_ids: { fields: ID_SPEC },
  group_membership_ids: { fields: { individual: { fields: PERSON_SPEC }, kind: { fields: KIND_SPEC }, is_ended: {} } },
};

type Row = Record<string, unknown>;

export interface Identifier {
  '@type': 'Identifier';
  identifier_type: string;
  identifier_value: string;
}

export class RecordMapper {
  /** OpenG2P ID type name -> DCI identifier type (the first configured key naming it). */
  private readonly idTypeByName = new Map<string, string>();
  private readonly sexByGender = new Map<string, string>();

  constructor(settings: Pick<DciSettings, 'idTypes' | 'sexValues'>) {
    for (const [dci, name] of Object.entries(settings.idTypes)) if (!this.idTypeByName.has(name)) this.idTypeByName.set(name, dci);
    // The longest configured spelling ("female" rather than "f") is what records say.
    for (const [dci, gender] of Object.entries(settings.sexValues)) {
      const known = this.sexByGender.get(gender);
      if (!known || dci.length > known.length) this.sexByGender.set(gender, dci.toLowerCase());
    }
  }

  toRecord(entity: Entity, record: OdooRecord): Row {
    return entity === 'Group' ? this.group(record) : this.member(record, relationshipFromOwnMemberships(record));
  }

  group(record: OdooRecord): Row {
    const memberships = rows(record.group_membership_ids).filter((m) => m.is_ended !== true);
    const members = memberships
      .filter((m) => isRow(m.individual))
      .map((m) => ({ membership: m, member: this.member(m.individual as OdooRecord, relationshipOf(kindNames(m.kind))) }));
    const head = members.find(({ membership }) => kindNames(membership.kind).some((k) => k.toLowerCase() === 'head'));
    return {
      '@type': 'Group',
      '@id': `urn:openg2p:registrant:${record.id}`,
      group_identifier: this.identifiers(record.reg_ids),
      group_type: nameOf(record.kind),
      group_name: text(record.name),
      group_head_info: head ? head.member : null,
      // Counted from memberships that have not ended: the stored counter lags behind queue jobs.
      group_size: memberships.length,
      member_list: members.map(({ member }) => member),
      registration_date: date(record.registration_date),
      last_updated: datetime(record.write_date),
    };
  }

  member(record: OdooRecord, relationshipHead: string | null): Row {
    const identifiers = this.identifiers(record.reg_ids);
    return {
      '@type': 'Member',
      '@id': `urn:openg2p:registrant:${record.id}`,
      member_identifier: identifiers,
      demographic_info: {
        '@type': 'SRPerson',
        identifier: identifiers,
        name: {
          '@type': 'Name',
          surname: text(record.family_name),
          given_name: text(record.given_name),
          second_name: text(record.addl_name),
          full_name: text(record.name),
        },
        sex: typeof record.gender === 'string' ? (this.sexByGender.get(record.gender) ?? record.gender.toLowerCase()) : null,
        birth_date: date(record.birthdate),
        registration_date: date(record.registration_date),
      },
      relationship_head: relationshipHead,
      is_disabled: typeof record.disabled === 'string' && record.disabled !== '',
      marital_status: text(record.civil_status),
      occupation: text(record.occupation),
      registration_date: date(record.registration_date),
      last_updated: datetime(record.write_date),
    };
  }

  private identifiers(value: unknown): Identifier[] {
    return rows(value)
      .filter((id) => typeof id.value === 'string' && id.value !== '')
      .map((id) => {
        const typeName = nameOf(id.id_type) ?? '';
        return { '@type': 'Identifier', identifier_type: this.idTypeByName.get(typeName) ?? typeName, identifier_value: id.value as string };
      });
  }
}

/** DCI relationship to the head: "self" for the head, else the membership kind ("spouse", "child", …). */
function relationshipOf(kinds: string[]): string | null {
  if (kinds.some((k) => k.toLowerCase() === 'head')) return 'self';
  return kinds[0]?.toLowerCase() ?? null;
}

/** A member found on its own: its relationship in its first group that it has not left. */
function relationshipFromOwnMemberships(record: OdooRecord): string | null {
  const current = rows(record.individual_membership_ids).find((m) => m.is_ended !== true);
  return current ? relationshipOf(kindNames(current.kind)) : null;
}

const isRow = (value: unknown): value is Row => value !== null && typeof value === 'object' && !Array.isArray(value);
const rows = (value: unknown): Row[] => (Array.isArray(value) ? value.filter(isRow) : []);
const kindNames = (value: unknown): string[] =>
  rows(value)
    .map((k) => text(k.name) ?? text(k.display_name))
    .filter((k): k is string => k !== null);
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const nameOf = (value: unknown): string | null => (isRow(value) ? (text(value.display_name) ?? text(value.name)) : null);
const date = (value: unknown): string | null => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null);
/** Odoo's naive UTC "YYYY-MM-DD HH:MM:SS" -> ISO 8601 with Z. */
const datetime = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? `${value.replace(' ', 'T').slice(0, 19)}Z` : null);
