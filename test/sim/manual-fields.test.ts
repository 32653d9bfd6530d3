/**
 * Custom `x_` fields added over RPC (ir.model / ir.model.fields), as a deployment script or
 * Odoo Studio adds them: the simulator answers as the real server does. Runs against the
 * simulator, or a real OpenG2P Odoo when the G2P_E2E_ODOO_* variables are set (the same
 * assertions: that is the check that the simulator follows the real server).
 */
import t from 'tap';
import { createOdooConnection, isOdooError, type OdooConnection } from '../../src/odoo/index.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { realOdooSettings } from '../support/stack.js';

const FIELD = 'x_g2p_gateway_probe';
let sim: RunningSimulator | undefined;
let connection: OdooConnection;
let url: string;
let db: string;
let admin: { login: string; secret: string };

t.before(async () => {
  const real = realOdooSettings();
  if (!real) sim = await startSimulator({ households: 1, seed: 2, adminPassword: 'admin' });
  url = real?.url ?? sim!.url;
  db = real?.db ?? 'g2p';
  admin = { login: real?.login ?? 'admin', secret: real?.password ?? 'admin' };
  connection = createOdooConnection({ url, db, protocol: 'jsonrpc' });
});
t.teardown(async () => {
  await connection.close();
  await sim?.close();
});

async function refusal(promise: Promise<unknown>): Promise<{ odooClass?: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isOdooError(err)) return { odooClass: err.odooClass, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

t.test('an administrator adds an x_ field to res.partner; it is then a field like the others', async (t) => {
  const odoo = connection.as(admin);
  const [modelId] = await odoo.search('ir.model', [['model', '=', 'res.partner']]);
  t.type(modelId, 'number', 'ir.model finds res.partner');
  const existing = await odoo.searchRead(
    'ir.model.fields',
    [
      ['model', '=', 'res.partner'],
      ['name', '=', FIELD],
    ],
    ['name', 'ttype', 'state'],
  );
  if (existing.length === 0)
    t.type(await odoo.create('ir.model.fields', { model_id: modelId, name: FIELD, ttype: 'char', field_description: 'Gateway probe' }), 'number', 'created');
  const [listed] = await odoo.searchRead(
    'ir.model.fields',
    [
      ['model', '=', 'res.partner'],
      ['name', '=', FIELD],
    ],
    ['name', 'ttype', 'state'],
  );
  t.match(listed, { name: FIELD, ttype: 'char', state: 'manual' }, 'listed as a manual field');

  const fields = await odoo.fieldsGet('res.partner', ['type', 'string', 'store', 'readonly', 'required']);
  t.same(fields[FIELD], { type: 'char', string: 'Gateway probe', store: true, readonly: false, required: false }, 'fields_get describes it');

  const id = await odoo.create('res.partner', { name: 'Probe of x_ fields', [FIELD]: 'first' });
  await odoo.write('res.partner', [id], { [FIELD]: 'second' });
  const [read] = await odoo.read('res.partner', [id], [FIELD]);
  t.equal(read?.[FIELD], 'second', 'written and read');
  t.same(
    await odoo.search('res.partner', [
      [FIELD, '=', 'second'],
      ['id', '=', id],
    ]),
    [id],
    'searchable',
  );
  await odoo.write('res.partner', [id], { active: false });

  const duplicate = await refusal(odoo.create('ir.model.fields', { model_id: modelId, name: FIELD, ttype: 'char', field_description: 'Again' }));
  t.same(
    duplicate,
    { odooClass: 'odoo.exceptions.ValidationError', message: 'The operation cannot be completed: Field names must be unique per model.' },
    'a second field of that name is refused',
  );
  const unprefixed = await refusal(odoo.create('ir.model.fields', { model_id: modelId, name: 'probe_without_prefix', ttype: 'char' }));
  t.same(
    unprefixed,
    { odooClass: 'odoo.exceptions.ValidationError', message: "The operation cannot be completed: Custom fields must have a name that starts with 'x_'!" },
    'a name without x_ is refused',
  );
});

t.test('a user without administration rights may not', async (t) => {
  const odoo = connection.as({ login: 'noaccess', secret: 'noaccess' });
  const refused = await refusal(odoo.create('ir.model.fields', { model_id: 1, name: 'x_not_allowed', ttype: 'char' }));
  t.equal(refused.odooClass, 'odoo.exceptions.AccessError');
  t.match(refused.message, /^You are not allowed to access 'Models' \(ir\.model\) records\./);
});
