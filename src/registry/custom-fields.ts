import { z } from 'zod';
import { storableString } from './text.js';

export const CUSTOM_FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'date'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];
export type CustomFieldRole = 'Rest API GET' | 'Rest API POST';

/** An extra `res.partner` field a deployment exposes (declared in YAML under `api.customFields`). */
export interface CustomField {
  /** Name in the API (snake_case). */
  name: string;
  /** Field on res.partner, typically an `x_` field added by a customisation module. */
  odooField: string;
  type: CustomFieldType;
  /** Role a caller needs to see the field; without it the field is left out of responses. */
  readRole: CustomFieldRole;
  /** Role a caller needs to set the field. */
  writeRole: CustomFieldRole;
}

/**
 * Fields the gateway manages itself: a custom field may not alias them, or it would reopen the
 * mass-assignment hole the strict schemas close (`is_group`, `company_id`, `active`, ...).
 */
export const RESERVED_ODOO_FIELDS = new Set([
  'id',
  'name',
  'is_registrant',
  'is_group',
  'active',
  'company_id',
  'ref',
  'user_ids',
  'parent_id',
  'child_ids',
  'write_date',
  'write_uid',
  'create_date',
  'create_uid',
  'kind',
  'reg_ids',
  'phone_number_ids',
  'bank_ids',
  'group_membership_ids',
  'individual_membership_ids',
  'disabled',
  'disabled_by',
  'is_company',
  'type',
]);

/** Value schema of one custom field, for input and output alike (null clears or means empty). */
export function customFieldSchema(field: CustomField): z.ZodType {
  switch (field.type) {
    case 'string':
      return storableString().max(1000).nullable();
    case 'integer':
      return z.number().int().nullable();
    case 'number':
      return z.number().nullable();
    case 'boolean':
      return z.boolean();
    case 'date':
      return z.iso.date().nullable();
  }
}

/** Start-up check of the declared custom fields; returns problems as sentences (empty when fine). */
export function checkCustomFields(fields: readonly CustomField[], builtInNames: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const field of fields) {
    if (builtInNames.has(field.name)) problems.push(`custom field "${field.name}" clashes with a built-in field of the API`);
    if (seen.has(field.name)) problems.push(`custom field "${field.name}" is declared twice`);
    seen.add(field.name);
    if (RESERVED_ODOO_FIELDS.has(field.odooField)) problems.push(`custom field "${field.name}" may not map the managed Odoo field "${field.odooField}"`);
  }
  return problems;
}
