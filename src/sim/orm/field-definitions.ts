/**
 * Field definitions of the simulated models. The data, generated once from the fields_get dumps
 * of the real Odoo 17 + OpenG2P server (odoo-wire/fields/*.json), is field-definitions.json;
 * res.users, res.company, res.country, res.currency and the API key models are hand-written
 * (some in the data, the ones below here). Key order is the server's field order: read()
 * without fields and fields_get() answer in this order.
 */
import type { FieldAttributes } from './field-types.js';
import generated from './field-definitions.json' with { type: 'json' };

// JSON types a selection as string[][] where FieldAttributes has pairs; the data is fields_get's own (checked against the real server by test/sim).
export const FIELD_DEFINITIONS = generated as unknown as Record<string, Record<string, FieldAttributes>>;

const magic = (): Record<string, FieldAttributes> => ({
  id: { readonly: true, required: false, store: true, string: 'ID', type: 'integer' },
  display_name: { readonly: true, required: false, store: false, string: 'Display Name', type: 'char' },
  create_uid: { readonly: true, relation: 'res.users', required: false, store: true, string: 'Created by', type: 'many2one' },
  create_date: { readonly: true, required: false, store: true, string: 'Created on', type: 'datetime' },
  write_uid: { readonly: true, relation: 'res.users', required: false, store: true, string: 'Last Updated by', type: 'many2one' },
  write_date: { readonly: true, required: false, store: true, string: 'Last Updated on', type: 'datetime' },
});

/** The API key models the recordings use (web-session.json apikey_* cases), hand-written. */
FIELD_DEFINITIONS['res.users.apikeys'] = {
  name: { readonly: true, required: true, store: true, string: 'Description', type: 'char' },
  user_id: { readonly: true, relation: 'res.users', required: true, store: true, string: 'User', type: 'many2one' },
  scope: { readonly: true, required: false, store: true, string: 'Scope', type: 'char' },
  ...magic(),
};
FIELD_DEFINITIONS['res.users.apikeys.description'] = {
  name: { readonly: false, required: true, store: true, string: 'Description', type: 'char' },
  ...magic(),
};
FIELD_DEFINITIONS['res.users.identitycheck'] = {
  request: { readonly: false, required: true, store: true, string: 'Request', type: 'char' },
  password: { readonly: false, required: false, store: true, string: 'Password', type: 'char' },
  ...magic(),
};
