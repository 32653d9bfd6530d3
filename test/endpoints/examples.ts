/** The shipped example declarations (config/endpoints.example.yaml) and the x_ field the fourth needs. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { OdooClient } from '../../src/odoo/index.js';
import type { FileConfig } from '../../src/config/schema.js';

export const EXAMPLES_FILE = fileURLToPath(new URL('../../config/endpoints.example.yaml', import.meta.url));

export function exampleEndpoints(): NonNullable<FileConfig['endpoints']> {
  return (parse(readFileSync(EXAMPLES_FILE, 'utf8')) as { endpoints: NonNullable<FileConfig['endpoints']> }).endpoints;
}

/** Adds res.partner.x_enrolment_status (char) as an administrator would, unless the Odoo has it. */
export async function ensureEnrolmentStatusField(odoo: OdooClient): Promise<void> {
  const fields = await odoo.fieldsGet('res.partner', ['type']);
  if ('x_enrolment_status' in fields) return;
  const [modelId] = await odoo.search('ir.model', [['model', '=', 'res.partner']]);
  await odoo.create('ir.model.fields', { model_id: modelId, name: 'x_enrolment_status', ttype: 'char', field_description: 'Enrolment status' });
}
