import type { DciSettings } from '../config/dci.js';

export type Entity = 'Group' | 'Member';

/** How an attribute is found in Odoo. Only these kinds exist: nothing a caller sends reaches a domain unmapped. */
export type AttributeSource =
  | { kind: 'field'; field: string; type: 'string' | 'number' | 'date' | 'datetime' }
  | { kind: 'sex' }
  /** A many2one compared by the related record's name (group kind, district). */
  | { kind: 'relatedName'; path: string }
  /** A registrant ID of one OpenG2P ID type (UIN, NID…), looked up in g2p.reg.id. */
  | { kind: 'identifier'; idTypeName: string }
  /** Whole years since birthdate, relative to today (UTC). */
  | { kind: 'age' }
  /** Members with a membership that has not ended, counted in g2p.group.membership. */
  | { kind: 'groupSize' };

export interface Attribute {
  name: string;
  source: AttributeSource;
  /** The stored field that orders results by this attribute (`reversed`: ascending attribute = descending field). */
  sort?: AttributeSort;
}

export interface AttributeSort {
  field: string;
  reversed?: boolean;
}

interface AttributeDef {
  names: string[];
  entity: Entity | 'both';
  source: AttributeSource;
  sort?: AttributeSort;
}

/**
 * The whitelist of queryable attributes, by DCI name (and the dotted paths of the standard's
 * record shapes, as `demographic_info.person.sex` in the samples).
 */
const BUILT_IN: AttributeDef[] = [
  {
    names: ['birth_date', 'birthdate', 'dob', 'demographic_info.birth_date', 'demographic_info.person.birth_date'],
    entity: 'Member',
    source: { kind: 'field', field: 'birthdate', type: 'date' },
    sort: { field: 'birthdate' },
  },
  { names: ['sex', 'gender', 'demographic_info.sex', 'demographic_info.person.sex'], entity: 'Member', source: { kind: 'sex' }, sort: { field: 'gender' } },
  { names: ['age'], entity: 'Member', source: { kind: 'age' }, sort: { field: 'birthdate', reversed: true } },
  {
    names: ['surname', 'family_name', 'name.surname', 'demographic_info.name.surname', 'demographic_info.person.name.surname'],
    entity: 'Member',
    source: { kind: 'field', field: 'family_name', type: 'string' },
    sort: { field: 'family_name' },
  },
  {
    names: ['given_name', 'first_name', 'name.given_name', 'demographic_info.name.given_name', 'demographic_info.person.name.given_name'],
    entity: 'Member',
    source: { kind: 'field', field: 'given_name', type: 'string' },
    sort: { field: 'given_name' },
  },
  {
    names: ['second_name', 'addl_name', 'name.second_name', 'demographic_info.name.second_name'],
    entity: 'Member',
    source: { kind: 'field', field: 'addl_name', type: 'string' },
    sort: { field: 'addl_name' },
  },
  {
    names: ['marital_status', 'civil_status'],
    entity: 'Member',
    source: { kind: 'field', field: 'civil_status', type: 'string' },
    sort: { field: 'civil_status' },
  },
  { names: ['occupation'], entity: 'Member', source: { kind: 'field', field: 'occupation', type: 'string' }, sort: { field: 'occupation' } },
  { names: ['name', 'full_name', 'group_name'], entity: 'both', source: { kind: 'field', field: 'name', type: 'string' }, sort: { field: 'name' } },
  { names: ['registration_date'], entity: 'both', source: { kind: 'field', field: 'registration_date', type: 'date' }, sort: { field: 'registration_date' } },
  { names: ['last_updated', 'last_update'], entity: 'both', source: { kind: 'field', field: 'write_date', type: 'datetime' }, sort: { field: 'write_date' } },
  { names: ['location', 'district'], entity: 'both', source: { kind: 'relatedName', path: 'district.name' } },
  { names: ['group_type', 'kind'], entity: 'Group', source: { kind: 'relatedName', path: 'kind.name' } },
  { names: ['group_size', 'household_size'], entity: 'Group', source: { kind: 'groupSize' } },
];

export class AttributeCatalog {
  private readonly byEntity: Record<Entity, Map<string, Attribute>> = { Group: new Map(), Member: new Map() };

  constructor(settings: Pick<DciSettings, 'idTypes' | 'extraAttributes'>) {
    const add = (def: AttributeDef) => {
      for (const entity of def.entity === 'both' ? (['Group', 'Member'] as const) : [def.entity]) {
        for (const name of def.names) this.byEntity[entity].set(name.toLowerCase(), { name, source: def.source, ...(def.sort ? { sort: def.sort } : {}) });
      }
    };
    BUILT_IN.forEach(add);
    // Identifier types are attributes too: `{"UIN": {"$eq": "123"}}`, predicate `UIN eq 123`.
    for (const [dciType, idTypeName] of Object.entries(settings.idTypes)) add({ names: [dciType], entity: 'both', source: { kind: 'identifier', idTypeName } });
    for (const [name, extra] of Object.entries(settings.extraAttributes)) {
      add({
        names: [name],
        entity: extra.entity,
        source: { kind: 'field', field: extra.odooField, type: extra.type },
        ...(extra.sortable ? { sort: { field: extra.odooField } } : {}),
      });
    }
  }

  find(entity: Entity, name: string): Attribute | undefined {
    return this.byEntity[entity].get(name.toLowerCase());
  }
}
