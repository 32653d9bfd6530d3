import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { createOdooConnection, type OdooClient } from '../../src/odoo/index.js';
import { bulkInsert } from './bulk.js';
import { createTemplates, ensureReference, seededAlready } from './orm.js';
import { compareHousehold, readThroughModule } from './verify.js';

export interface SeedOptions {
  /** Connection string of the Odoo database's PostgreSQL cluster. */
  pg: string;
  odoo: { url: string; db: string; login: string; password: string };
  individuals: number;
  households: number;
  seed: number;
  /** Template database that keeps the seeded registry (restored from when it exists). */
  cache?: string;
  /** Households re-made through the ORM and compared. */
  verify: number;
}

export type SeedLog = (message: string) => void;

const quote = (name: string) => `"${name}"`;

/** Create/drop helpers on a connection to the cluster's `postgres` database. */
function maintenance(cluster: pg.Client) {
  const databaseExists = async (name: string) => (await cluster.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  /** Closes the database's sessions (Odoo's pool reconnects on its next request) and keeps new ones out while `run` works. */
  async function withDatabaseClosed(name: string, run: () => Promise<void>): Promise<void> {
    await cluster.query(`ALTER DATABASE ${quote(name)} ALLOW_CONNECTIONS false`);
    try {
      await cluster.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      await run();
    } finally {
      if (await databaseExists(name)) await cluster.query(`ALTER DATABASE ${quote(name)} ALLOW_CONNECTIONS true`);
    }
  }
  const query = async (sql: string) => void (await cluster.query(sql));
  return { databaseExists, withDatabaseClosed, query };
}

/** Runs `work` on the cluster's maintenance connection. */
async function onCluster<T>(pgUrl: string, work: (ops: ReturnType<typeof maintenance>) => Promise<T>): Promise<T> {
  const cluster = new pg.Client({ ...parseIntoClientConfig(pgUrl), database: 'postgres' });
  await cluster.connect();
  try {
    return await work(maintenance(cluster));
  } finally {
    await cluster.end();
  }
}

/** Whether the cluster holds a database (a template) of that name. */
export const templateExists = (pgUrl: string, name: string): Promise<boolean> => onCluster(pgUrl, (ops) => ops.databaseExists(name));

/** Keeps database `db` as the template database `name` (a file copy), as `--cache` does after seeding. */
export const saveTemplate = (pgUrl: string, db: string, name: string): Promise<void> =>
  onCluster(pgUrl, (ops) => ops.withDatabaseClosed(db, () => ops.query(`CREATE DATABASE ${quote(name)} TEMPLATE ${quote(db)} STRATEGY FILE_COPY`)));

/**
 * Restores the registry from the cache when there is one, or else seeds it (and keeps it in the
 * cache when asked). Resolves to how the registry came about.
 */
export async function seedOrRestore(options: SeedOptions, log: SeedLog): Promise<'restored' | 'seeded'> {
  const { url, db, login, password } = options.odoo;
  const cacheName = options.cache;
  const clusterConfig = parseIntoClientConfig(options.pg);
  // The maintenance connection (create/drop databases) goes to the cluster's own `postgres` database.
  const cluster = new pg.Client({ ...clusterConfig, database: 'postgres' });
  await cluster.connect();
  const { databaseExists, withDatabaseClosed, query } = maintenance(cluster);

  try {
    if (cacheName && (await databaseExists(cacheName))) {
      log(`restoring ${db} from the template database ${cacheName}`);
      await withDatabaseClosed(db, async () => {
        await cluster.query(`DROP DATABASE ${quote(db)}`);
        await cluster.query(`CREATE DATABASE ${quote(db)} TEMPLATE ${quote(cacheName)} STRATEGY FILE_COPY`);
      });
      await cluster.query(`ALTER DATABASE ${quote(db)} ALLOW_CONNECTIONS true`);
      log(`${db} restored`);
      return 'restored';
    }
    await seedRegistry();
    if (cacheName) {
      log(`saving ${db} as the template database ${cacheName}`);
      await withDatabaseClosed(db, () => query(`CREATE DATABASE ${quote(cacheName)} TEMPLATE ${quote(db)} STRATEGY FILE_COPY`));
      log('saved');
    }
    return 'seeded';
  } finally {
    await cluster.end();
  }

  async function seedRegistry(): Promise<void> {
    const connection = createOdooConnection({ url, db, protocol: 'jsonrpc', timeoutMs: 120_000 });
    const odoo = connection.as({ login, secret: password });
    const pool = new pg.Pool({ ...clusterConfig, database: db, max: 1 });
    try {
      if (await seededAlready(odoo)) throw new Error(`${db} holds a seeded registry already; restore a clean database first (for example \`up --reset\`)`);
      log('reference data and templates through the ORM');
      const reference = await ensureReference(odoo);
      const templates = await createTemplates(odoo, reference);
      const client = await pool.connect();
      let result;
      try {
        await client.query('BEGIN');
        log(`bulk: ${options.individuals} individuals, ${options.households} households`);
        result = await bulkInsert(client, { individuals: options.individuals, households: options.households, seed: options.seed }, reference, templates);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      } finally {
        client.release();
      }
      for (const s of result.steps) log(`  ${s.step}: ${s.rows} rows in ${(s.ms / 1000).toFixed(1)} s`);
      log('ANALYZE (the planner needs the new row counts)');
      await pool.query('ANALYZE res_partner, g2p_reg_id, g2p_phone_number, g2p_group_membership, g2p_group_membership_g2p_group_membership_kind_rel');
      await verify(odoo, result);
    } finally {
      await pool.end();
      await connection.close();
    }
  }

  async function verify(odoo: OdooClient, result: Awaited<ReturnType<typeof bulkInsert>>): Promise<void> {
    const { first, last } = result.groupIds;
    const samples = Array.from(
      { length: Math.min(options.verify, options.households) },
      (_, k) => first + Math.floor(((k + 0.5) * (last - first + 1)) / Math.max(1, Math.min(options.verify, options.households))),
    );
    let differences = 0;
    for (const groupId of samples) {
      const found = await compareHousehold(odoo, groupId);
      differences += found.length;
      for (const d of found) console.error(`  ${d.record}: ${d.field} seeded ${JSON.stringify(d.seeded)} but through the ORM ${JSON.stringify(d.orm)}`);
    }
    log(`verified ${samples.length} households against twins made through the ORM: ${differences} differences`);
    const sampleIndividuals = [result.individualIds.first, Math.floor((result.individualIds.first + result.individualIds.last) / 2), result.individualIds.last];
    for (const id of sampleIndividuals) {
      const [rpc] = await odoo.read('res.partner', [id], ['name', 'given_name', 'family_name', 'birthdate', 'active'], { context: { active_test: false } });
      const module = await readThroughModule(url, login, password, id, 'individual');
      const body = module.body as Record<string, unknown>;
      const agree = module.status === 200 && body.name === rpc!.name && body.given_name === rpc!.given_name && body.family_name === rpc!.family_name;
      // OpenG2P's module answers only active registrants (it searches with Odoo's default active test).
      const expected = rpc!.active ? 'found, same values' : 'not found (archived)';
      const got = module.status === 200 ? (agree ? 'found, same values' : 'found, other values') : `status ${module.status}`;
      if (rpc!.active ? !agree : module.status === 200) differences++;
      log(`OpenG2P's module, individual ${id}: ${got} (expected ${expected})`);
    }
    if (differences) throw new Error(`${differences} differences between seeded records and what Odoo's ORM makes`);
  }
}
