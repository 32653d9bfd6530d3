/**
 * `npm run seed -- --individuals N --households M --pg URL [--odoo-url URL --db NAME --login L --password P]
 *                  [--seed S] [--cache NAME] [--verify K]`
 *
 * Builds a large, realistic registry on a real Odoo 17 + OpenG2P. Odoo's ORM makes the
 * reference data and one template of each record; the bulk rows are copies of those templates
 * written straight into Odoo's PostgreSQL in one transaction, then checked: K seeded households
 * are made again through the ORM from what Odoo reads back, and both are compared field by field
 * over RPC; samples are read through OpenG2P's REST module too. With --cache, the seeded database
 * is kept as a PostgreSQL template database and later runs restore it in seconds. docs/scale.md
 * says more.
 */
import { parseArgs } from 'node:util';
import { seedOrRestore } from './seed/registry.js';

const USAGE = `usage: npm run seed -- --individuals N --households M --pg postgresql://USER@/?host=SOCKET_DIR [--odoo-url URL] [--db NAME]
       [--login L] [--password P] [--seed S] [--cache NAME] [--verify K]
  --pg          the PostgreSQL cluster of the Odoo (its database is --db)
  --odoo-url, --db, --login, --password   the Odoo (default: the G2P_E2E_ODOO_* variables the test suites use)
  --cache NAME  keep the seeded database as template database NAME, or restore it from there when it exists
  --verify K    households re-made through the ORM and compared (default 3)`;

const { values: args } = parseArgs({
  options: {
    individuals: { type: 'string' },
    households: { type: 'string' },
    seed: { type: 'string', default: '27' },
    pg: { type: 'string' },
    'odoo-url': { type: 'string' },
    db: { type: 'string' },
    login: { type: 'string' },
    password: { type: 'string' },
    cache: { type: 'string' },
    verify: { type: 'string', default: '3' },
    help: { type: 'boolean' },
  },
  strict: true,
});
const count = (name: string, value: string | undefined, min: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be a whole number of at least ${min} (got ${value ?? 'nothing'})`);
  return n;
};
function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const individuals = count('individuals', args.individuals, 1);
const households = count('households', args.households, 0);
if (households > individuals) fail('--households cannot exceed --individuals: every household has at least one member');
const odooSettings = {
  url: args['odoo-url'] ?? process.env.G2P_E2E_ODOO_URL,
  db: args.db ?? process.env.G2P_E2E_ODOO_DB,
  login: args.login ?? process.env.G2P_E2E_ODOO_USERNAME,
  password: args.password ?? process.env.G2P_E2E_ODOO_PASSWORD,
};
if (!args.pg) fail("--pg is required: the connection string of the Odoo database's PostgreSQL cluster");
if (!odooSettings.url || !odooSettings.db || !odooSettings.login || !odooSettings.password)
  fail('the Odoo is not named: give --odoo-url, --db, --login and --password');
const { url, db, login, password } = odooSettings as Record<keyof typeof odooSettings, string>;
const cacheName = args.cache;
if (cacheName !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(cacheName))
  fail('--cache must be a plain PostgreSQL database name (lower case letters, digits, _)');
const seed = count('seed', args.seed, 0);
const verifyCount = count('verify', args.verify, 0);

const started = performance.now();
const log = (message: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`);
await seedOrRestore({ pg: args.pg, odoo: { url, db, login, password }, individuals, households, seed, cache: cacheName, verify: verifyCount }, log);
log('done');
