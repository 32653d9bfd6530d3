import type { Config } from '../../config/load.js';
import { ROLES } from '../../config/auth.js';
import { pino } from 'pino';
import { createOdooConnection, isOdooError } from '../../odoo/index.js';
import { RedisStateStore } from '../../state/index.js';
import { ConfigError } from '../../config/yaml.js';

/**
 * `npm run check-config`: the configuration has already loaded (so it is valid, roles file
 * included); this tries the Odoo login of every configured account. Returns whether all is
 * well; every finding goes to `report`, one line each, without secrets.
 */
export async function checkConfiguration(config: Config, report: (line: string) => void): Promise<boolean> {
  report(`ok: ${config.configFile} is valid`);
  for (const role of ROLES) {
    const rules = config.roles[role]?.length ?? 0;
    report(`${rules > 0 ? 'ok' : 'warning'}: role "${role}" is granted by ${rules} rule(s) in ${config.auth.rolesFile}`);
  }
  for (const [name, scope] of Object.entries(config.fieldScopes ?? {})) {
    const { claims, clients, basicLogins } = scope.grantedTo;
    report(
      `ok: field scope "${name}": ${scope.individuals.length} individual, ${scope.groups.length} group, ${scope.memberships.length} membership field(s); ` +
        `granted by ${claims.length} claim rule(s), ${clients.length} client(s), ${basicLogins.length} Basic login(s) in ${config.auth.rolesFile}`,
    );
  }
  if (config.auth.issuers.length === 0 && !config.sandboxMode) report('warning: auth.issuers is empty: no bearer token will be accepted');
  const stateOk = await checkSharedState(config, report);
  if (!config.odoo) {
    report('ok: sandbox mode (no Odoo configured): `npm start` runs the bundled simulator with demo data');
    if (config.endpoints.length > 0)
      report(`ok: the ${config.endpoints.length} declared endpoint(s) are checked against the simulator's fields when the sandbox starts`);
    return stateOk;
  }

  const odoo = createOdooConnection({ ...config.odoo, name: 'gateway', readRetries: 0 });
  let allGood = true;
  try {
    for (const [name, account] of Object.entries(config.odoo.accounts)) {
      if (!account) continue;
      const what = `odoo.accounts.${name} (${account.login}) at ${config.odoo.url}, database ${config.odoo.db}`;
      try {
        const uid = await odoo.authenticate({ login: account.login, secret: account.password }, AbortSignal.timeout(config.odoo.timeoutMs));
        report(`ok: ${what}: login accepted (uid ${uid})`);
      } catch (err) {
        allGood = false;
        const reason = !isOdooError(err)
          ? String(err)
          : err.kind === 'access_denied'
            ? 'login refused (wrong login, password or API key)'
            : err.kind === 'unknown_database'
              ? `${err.message}; set odoo.db (ODOO_DB) to one it has`
              : `${err.kind}: ${err.message}`;
        report(`problem: ${what}: ${reason}`);
      }
    }
  } finally {
    await odoo.close();
  }
  if (config.endpoints.length > 0) allGood = (await checkDeclaredEndpoints(config, report)) && allGood;
  return allGood && stateOk;
}

const silentLogger = pino({ level: 'silent' });

/** With `redis.url`: Redis answers a PING (the URL, which may hold a password, is not printed). */
async function checkSharedState(config: Config, report: (line: string) => void): Promise<boolean> {
  if (!config.redis.url) {
    report('ok: shared state in memory (no redis.url): run one replica, or set redis.url for several');
    return true;
  }
  const store = new RedisStateStore(
    { ...config.redis, url: config.redis.url, marginMs: 0, writeTimeoutMs: 1, idempotencyTtlMs: 1, replayWindowMs: 1 },
    silentLogger,
  );
  try {
    const deadline = Date.now() + config.redis.connectTimeoutMs;
    let health = await store.health();
    while (!health.up && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      health = await store.health();
    }
    report(
      health.up ? 'ok: redis: connected (shared state for several replicas)' : `problem: redis: ${health.reason} within ${config.redis.connectTimeoutMs} ms`,
    );
    return health.up;
  } finally {
    await store.close();
  }
}

/**
 * The declared endpoints, checked exactly as start-up checks them: the gateway is built (not
 * listened) so they are compiled against Odoo's fields and every built-in route.
 */
async function checkDeclaredEndpoints(config: Config, report: (line: string) => void): Promise<boolean> {
  const { buildApp } = await import('../../app.js');
  const app = buildApp({ ...config, log: { ...config.log, level: 'silent' }, metrics: { ...config.metrics, port: undefined } });
  try {
    await app.ready();
    report(`ok: ${config.endpoints.length} declared endpoint(s) checked against Odoo's fields`);
    return true;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) report(`problem: ${problem}`);
    return false;
  } finally {
    await app.close();
  }
}
