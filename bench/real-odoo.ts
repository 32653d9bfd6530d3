/**
 * The real Odoo 17 + OpenG2P server for `npm run bench -- --real`: the one named by the
 * G2P_E2E_ODOO_* variables (as the test suites use it), or else the one `../shared/real-odoo/up`
 * starts beside the project (its own default folder and port). Also the bench's fixture there:
 * one individual with IDs, phones and a bank account, made through the gateway once and found
 * again by later runs, and an API-key account for the protocol measurements.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildApp } from '../src/app.js';
import { realOdooSettings, startOdooTarget, type OdooTarget } from '../test/support/odoo-target.js';
import { benchConfig, benchToken, type BenchOdoo } from './support.js';

const UP_SCRIPT = fileURLToPath(new URL('../../shared/real-odoo/up', import.meta.url));
const FIXTURE_FAMILY = 'Benchfixture';

export interface RealOdoo {
  odoo: BenchOdoo;
  target: OdooTarget;
  /** An individual with two IDs, two phones and a bank account. */
  individualId: number;
  /** Further individuals (the demo registry's), for loads spread over many records. */
  otherIndividualIds: number[];
  /** The administrator again, with an API key instead of the password (/web/session/authenticate refuses keys). */
  apiKeyAccount: { login: string; secret: string };
  close(): Promise<void>;
}

export async function connectRealOdoo(): Promise<RealOdoo> {
  if (!realOdooSettings()) await startSharedRealOdoo();
  const settings = realOdooSettings()!;
  const odoo: BenchOdoo = { url: settings.url, db: settings.db, login: settings.login, password: settings.password };
  // The demo registry (made once over RPC, then found again) gives loads many records to read.
  const target = await startOdooTarget({ demoOnRealServer: true, households: 30 });
  try {
    const individualId = await ensureFixture(target, odoo);
    // The same user as the password account, so the two differ only in how they log in.
    const secret = await target.createApiKey(odoo.login, odoo.password);
    const otherIndividualIds = await target.admin.search(
      'res.partner',
      [
        ['is_registrant', '=', true],
        ['is_group', '=', false],
        ['id', '!=', individualId],
      ],
      {
        limit: 63,
        order: 'id asc',
      },
    );
    return { odoo, target, individualId, otherIndividualIds, apiKeyAccount: { login: odoo.login, secret }, close: () => target.close() };
  } catch (err) {
    await target.close();
    throw err;
  }
}

/** Runs `up` (which only prints the settings when its Odoo already runs) and takes its exports. */
async function startSharedRealOdoo(): Promise<void> {
  if (!existsSync(UP_SCRIPT)) {
    throw new Error('--real needs a real Odoo: set G2P_E2E_ODOO_URL, _DB, _USERNAME and _PASSWORD, or have ../shared/real-odoo beside the project');
  }
  console.log('starting the real Odoo with ../shared/real-odoo/up (a minute or a few the first time)');
  const { stdout } = await promisify(execFile)(UP_SCRIPT, [], { maxBuffer: 1 << 20 });
  for (const match of stdout.matchAll(/^export (G2P_E2E_ODOO_[A-Z]+)=(.*)$/gm)) process.env[match[1]!] = match[2]!.replace(/^'(.*)'$/, '$1');
  if (!realOdooSettings()) throw new Error(`../shared/real-odoo/up printed no G2P_E2E_ODOO_* settings: ${stdout.slice(-300)}`);
}

async function ensureFixture(target: OdooTarget, odoo: BenchOdoo): Promise<number> {
  const [existing] = await target.admin.search(
    'res.partner',
    [
      ['family_name', '=', FIXTURE_FAMILY],
      ['is_registrant', '=', true],
    ],
    { limit: 1, order: 'id asc' },
  );
  if (existing !== undefined) return existing;
  const app = buildApp(benchConfig(odoo));
  try {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/individuals',
      headers: { authorization: `Bearer ${benchToken()}` },
      payload: {
        given_name: 'Amina',
        family_name: FIXTURE_FAMILY,
        gender: target.reference.gender,
        birthdate: '1988-03-14',
        reg_ids: [
          { id_type: target.reference.idType, value: 'BENCH-NID-0001', expiry_date: '2031-01-01' },
          { id_type: 'Passport', value: 'B20260001' },
        ],
        phone_numbers: [{ phone_no: '+254712345678', date_collected: '2024-01-02' }, { phone_no: '+254723456789' }],
        bank_accounts: [{ acc_number: 'BENCH-ACC-0001' }],
      },
    });
    if (response.statusCode !== 201) throw new Error(`creating the bench individual answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
    return (response.json() as { id: number }).id;
  } finally {
    await app.close();
  }
}
