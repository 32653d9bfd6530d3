import { createHmac, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { clientCredentialsSchema, ROLE_GET, ROLE_POST, type Role } from './config/auth.js';
import { loadEndpointsFile, type Config } from './config/load.js';
import { odooSchema } from './config/schema.js';
import { dciSettingsSchema } from './config/dci.js';
import { eventsSettingsSchema } from './config/events.js';
import { loadOrCreateSandboxSecret, sandboxIssuer, signSandboxToken } from './http/auth/sandbox.js';
import { hashSecret } from './http/auth/secret-hash.js';
import { startDemoReceiver, type ReceiverLog } from './sandbox-receiver.js';
import { startSimulator, type SimDatabase } from './sim/index.js';

/** The simulator's user the gateway acts as: the least privilege that can do everything the API needs. */
const SANDBOX_ODOO_ACCOUNT = { login: 'registrar', password: 'registrar' };
/** Printed tokens last a working day, so a tester can keep one pasted in a tool. */
const TOKEN_TTL_SECONDS = 24 * 3600;

export interface SandboxToken {
  roles: Role[];
  token: string;
}

/** The demo partner system: an OAuth client that is also a DCI sender, with its callbacks on the demo receiver. */
export const DEMO_CLIENT_ID = 'demo-spmis';

export interface Sandbox {
  /** The configuration with the simulator as its Odoo, the sandbox issuer trusted and every feature on. */
  config: Config;
  simulatorUrl: string;
  /** One token per role, and one carrying both. */
  tokens: SandboxToken[];
  /** The demo OAuth client (client credentials at /oauth2/client/token), also the DCI sender `demo-spmis`. */
  demoClient: { id: string; secret: string };
  /** The demo receiver: the DCI sender's callbacks and an allowed webhook target. */
  receiverUrl: string;
  close(): Promise<void>;
}

export interface SandboxOptions {
  stateDir: string;
  /** config/endpoints.example.yaml: served when the configuration declares no endpoints of its own. */
  exampleEndpointsFile: string;
  /** Where the demo receiver reports what it received. */
  log: ReceiverLog;
}

/**
 * Sandbox mode: the bundled Odoo simulator, seeded with the demo registry, stands in for
 * Odoo, and a local HS256 issuer (its secret kept in `stateDir`, so tokens survive a
 * restart) signs tokens for trying the API.
 */
export async function startSandbox(config: Config, options: SandboxOptions): Promise<Sandbox> {
  const simulator = await startSimulator({ port: config.sandbox.odooPort, households: config.sandbox.households, seed: config.sandbox.seed });
  const receiver = await startDemoReceiver(options.log).catch(async (err: unknown) => {
    await simulator.close();
    throw err;
  });
  const close = async () => {
    await receiver.close();
    await simulator.close();
  };
  try {
    addDemoCustomField(simulator.database);
    const secret = loadOrCreateSandboxSecret(options.stateDir);
    // Derived from the sandbox secret: the same on every start, so a pasted command keeps working.
    const demoClient = { id: DEMO_CLIENT_ID, secret: createHmac('sha256', secret).update('demo-client').digest('base64url') };
    const sandboxConfig: Config = {
      ...config,
      odoo: odooSchema.parse({ url: simulator.url, db: simulator.database.name, accounts: { default: SANDBOX_ODOO_ACCOUNT } }),
      auth: {
        ...config.auth,
        issuers: [...config.auth.issuers, sandboxIssuer(secret)],
        clientCredentials: clientCredentialsSchema.parse({
          ...config.auth.clientCredentials,
          clients: {
            ...config.auth.clientCredentials.clients,
            [DEMO_CLIENT_ID]: { secretHash: await hashSecret(demoClient.secret), roles: [ROLE_GET], senderId: DEMO_CLIENT_ID },
          },
        }),
      },
      dci: dciSettingsSchema.parse({
        ...config.dci,
        enabled: true,
        // Made at each start when none is configured: answers are signed, the key published at /.well-known/jwks.json.
        signingKey: config.dci.signingKey ?? generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        // Keys a partner configures for demo-spmis (publicKeys, jwksUrl) are kept: a signature it sends is then checked.
        senders: {
          ...config.dci.senders,
          [DEMO_CLIENT_ID]: { ...config.dci.senders[DEMO_CLIENT_ID], requireSignature: false, callbackUrl: `${receiver.url}/dci` },
        },
      }),
      events: eventsSettingsSchema.parse({
        ...config.events,
        enabled: true,
        webhooks: { ...config.events.webhooks, allowedTargets: [...config.events.webhooks.allowedTargets, `${receiver.url}/webhooks`] },
      }),
      // The demo receiver listens on this machine: the one non-public address the sandbox may deliver to.
      outbound: { ...config.outbound, allowedNetworks: [...config.outbound.allowedNetworks, new URL(receiver.url).hostname] },
      ...exampleEndpoints(config, options.exampleEndpointsFile),
    };
    const tokens = ([[ROLE_GET], [ROLE_POST], [ROLE_GET, ROLE_POST]] as Role[][]).map((roles) => ({
      roles,
      token: signSandboxToken(secret, { roles, ttlSeconds: TOKEN_TTL_SECONDS, mapping: config.roles }),
    }));
    return { config: sandboxConfig, simulatorUrl: simulator.url, tokens, demoClient, receiverUrl: receiver.url, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The shipped example endpoints, unless the configuration declares its own. */
function exampleEndpoints(config: Config, file: string): Pick<Config, 'endpoints' | 'endpointSources'> | Record<string, never> {
  if (config.endpoints.length > 0 || !existsSync(file)) return {};
  const { endpoints, sources } = loadEndpointsFile('config/endpoints.example.yaml', file);
  return { endpoints, endpointSources: sources };
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
  database.execute(
    ADMIN_UID,
    'ir.model.fields',
    'create',
    [{ model_id: modelId, name: 'x_enrolment_status', ttype: 'char', field_description: 'Enrolment status' }],
    {},
  );
}
