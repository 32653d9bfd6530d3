import { FIELD_DEFINITIONS } from './field-definitions.js';
import type { FieldAttributes } from './field-types.js';

/** What a many2one does when its target is deleted (PostgreSQL ON DELETE). */
export type OnDelete = 'cascade' | 'restrict' | 'set null';

export interface ModelInfo {
  name: string;
  /** _description, used in error texts ("Model: Group Membership (g2p.group.membership)"). */
  description: string;
  /** _order: the default sort of search() and of x2many values. */
  order: string;
  /** Field the display name comes from (display names of partners, memberships etc. are special-cased). */
  recName: string;
  fields: Record<string, FieldAttributes>;
  fieldNames: string[];
  hasActive: boolean;
  /** ON DELETE of the many2one fields whose target is a simulated model. */
  onDelete: Record<string, OnDelete>;
  /** Stored columns PostgreSQL checks on write: NOT NULL and foreign keys to simulated models. */
  columnChecks: { field: string; required: boolean; foreignModel?: string }[];
  /** Stored many2many fields (kept as id arrays on the row). */
  many2manyFields: string[];
}

interface ModelSpec {
  description: string;
  order?: string;
  recName?: string;
  onDelete?: Record<string, OnDelete>;
}

/**
 * The models the simulator knows. The ondelete rules follow the real modules where the
 * recordings show them: command 3 on phone_number_ids fails with the NOT NULL text, so the
 * phone's partner_id is not "cascade" (Odoo turns "set null" on a required field into
 * "restrict"); registrant IDs, bank accounts, memberships and relations are owned by their
 * registrant and deleted with it.
 */
const MODEL_SPECS: Record<string, ModelSpec> = {
  'res.partner': { description: 'Contact', order: 'complete_name asc, id desc', recName: 'name' },
  'g2p.group.membership': {
    description: 'Group Membership',
    order: 'id desc',
    recName: 'group',
    onDelete: { group: 'cascade', individual: 'cascade' },
  },
  'g2p.group.membership.kind': { description: 'Group Membership Kind' },
  'g2p.group.kind': { description: 'Group Kind' },
  'g2p.reg.id': { description: 'Registrant ID', order: 'id desc', recName: 'partner_id', onDelete: { partner_id: 'cascade', id_type: 'restrict' } },
  'g2p.id.type': { description: 'ID Type' },
  'g2p.phone.number': { description: 'Phone Number', order: 'id desc', recName: 'phone_no', onDelete: { partner_id: 'restrict' } },
  'res.partner.bank': {
    description: 'Bank Accounts',
    order: 'sequence asc, id asc',
    recName: 'acc_number',
    onDelete: { partner_id: 'cascade' },
  },
  'res.bank': { description: 'Bank', order: 'name asc' },
  'gender.type': { description: 'Gender Type', recName: 'value' },
  'g2p.registrant.tags': { description: 'Registrant Tags' },
  'g2p.district': { description: 'District' },
  'g2p.reg.rel': {
    description: 'Registrant Relationship',
    onDelete: { source: 'cascade', destination: 'cascade' },
  },
  'g2p.relationship': { description: 'Relationship' },
  'res.users': { description: 'User', recName: 'login', onDelete: { partner_id: 'restrict', company_id: 'restrict' } },
  'res.company': { description: 'Companies', order: 'name asc', onDelete: { partner_id: 'restrict' } },
  'res.country': { description: 'Country', order: 'name asc' },
  'res.currency': { description: 'Currency', order: 'name asc' },
  'res.users.apikeys': { description: 'Users API Keys', onDelete: { user_id: 'cascade' } },
  'res.users.apikeys.description': { description: 'API Key Description' },
  'res.users.identitycheck': { description: 'Password Check', recName: 'request' },
};

const MAGIC = new Set(['id', 'create_uid', 'create_date', 'write_uid', 'write_date', 'display_name']);

function buildModel(name: string, spec: ModelSpec): ModelInfo {
  const fields = FIELD_DEFINITIONS[name];
  if (!fields) throw new Error(`no field definitions for ${name}`);
  const onDelete: Record<string, OnDelete> = {};
  for (const [fieldName, field] of Object.entries(fields)) {
    // create_uid / write_uid are not indexed: users are not deleted over RPC, and two indexes
    // on every record of every model cost more than they would ever give back.
    if (fieldName === 'create_uid' || fieldName === 'write_uid') continue;
    if (field.type !== 'many2one' || field.store === false || !field.relation || !(field.relation in MODEL_SPECS)) continue;
    onDelete[fieldName] = spec.onDelete?.[fieldName] ?? (field.required ? 'restrict' : 'set null');
  }
  return {
    name,
    description: spec.description,
    order: spec.order ?? 'id asc',
    recName: spec.recName ?? ('name' in fields ? 'name' : 'id'),
    fields,
    fieldNames: Object.keys(fields),
    hasActive: 'active' in fields,
    onDelete,
    columnChecks: Object.entries(fields)
      .filter(([fieldName, f]) => f.store !== false && f.type !== 'one2many' && f.type !== 'many2many' && !MAGIC.has(fieldName))
      .map(([fieldName, f]) => ({
        field: fieldName,
        required: f.required && f.type !== 'boolean',
        foreignModel: f.type === 'many2one' && f.relation && f.relation in MODEL_SPECS ? f.relation : undefined,
      }))
      .filter((check) => check.required || check.foreignModel),
    many2manyFields: Object.entries(fields)
      .filter(([, f]) => f.type === 'many2many' && f.store !== false)
      .map(([n]) => n),
  };
}

export const MODELS: ReadonlyMap<string, ModelInfo> = new Map(Object.entries(MODEL_SPECS).map(([name, spec]) => [name, buildModel(name, spec)]));

/** PostgreSQL table name of a model, as it appears in constraint names. */
export const tableName = (model: string): string => model.replace(/\./g, '_');
