import { ROLE_GET, ROLE_POST, type Role } from './config/auth.js';
import type { Config } from './config/load.js';
import { odooSchema } from './config/schema.js';
import { loadOrCreateSandboxSecret, sandboxIssuer, signSandboxToken } from './http/auth/sandbox.js';
import { startSimulator, type SimDatabase } from './sim/index.js';

/** The simulator's user the gateway acts as: the least privilege that can do everything the API needs. */
const SANDBOX_ODOO_ACCOUNT = { login: 'registrar', password: 'registrar' };
/** Printed tokens last a working day, so a tester can keep one pasted in a tool. */
const TOKEN_TTL_SECONDS = 24 * 3600;

export interface SandboxToken {
  roles: Role[];
  token: string;
}

export interface Sandbox {
  /** The configuration with the simulator as its Odoo and the sandbox issuer trusted. */
  config: Config;
  simulatorUrl: string;
  /** One token per role, and one carrying both. */
  tokens: SandboxToken[];
  close(): Promise<void>;
}

/**
 * Sandbox mode: the bundled Odoo simulator, seeded with the demo registry, stands in for
 * Odoo, and a local HS256 issuer (its secret kept in `stateDir`, so tokens survive a
 * restart) signs tokens for trying the API.
 */
export async function startSandbox(config: Config, options: { stateDir: string }): Promise<Sandbox> {
  const simulator = await startSimulator({ port: config.sandbox.odooPort, households: config.sandbox.households, seed: config.sandbox.seed });
  try {
    addDemoCustomField(simulator.database);
    const secret = loadOrCreateSandboxSecret(options.stateDir);
    const sandboxConfig: Config = {
      ...config,
      odoo: odooSchema.parse({ url: simulator.url, db: simulator.database.name, accounts: { default: SANDBOX_ODOO_ACCOUNT } }),
      auth: { ...config.auth, issuers: [...config.auth.issuers, sandboxIssuer(secret)] },
    };
    const tokens = ([[ROLE_GET], [ROLE_POST], [ROLE_GET, ROLE_POST]] as Role[][]).map((roles) => ({
      roles,
      token: signSandboxToken(secret, { roles, ttlSeconds: TOKEN_TTL_SECONDS, mapping: config.roles }),
    }));
    return { config: sandboxConfig, simulatorUrl: simulator.url, tokens, close: () => simulator.close() };
  } catch (err) {
    await simulator.close();
    throw err;
  }
}

/** uid of the simulator's administrator. */
const ADMIN_UID = 2;

/**
 * The demo registry is a customised deployment: res.partner carries `x_enrolment_status`, added
 * as an administrator adds one over RPC, so the shipped example endpoints
 * (config/endpoints.example.yaml) run in sandbox mode too.
 */
function addDemoCustomField(database: SimDatabase): void {
  const [modelId] = database.execute(ADMIN_UID, 'ir.model', 'search', [[['model', '=', 'res.partner']]], {}) as number[];
  database.execute(ADMIN_UID, 'ir.model.fields', 'create', [{ model_id: modelId, name: 'x_enrolment_status', ttype: 'char', field_description: 'Enrolment status' }], {});
}
