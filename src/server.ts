import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loadConfig } from './config/load.js';
import { ConfigError } from './config/yaml.js';
import { checkConfiguration } from './http/ops/config-check.js';
import { closeGracefully } from './http/ops/shutdown.js';
import type { Sandbox } from './sandbox.js';

/**
 * Entry point: `node dist/server.js` (npm start) serves; `--check` (npm run check-config)
 * validates the configuration, tries the Odoo logins and exits. This is the only place that
 * hands `process.env` to the configuration.
 */
async function main(argv: string[]): Promise<number> {
  const config = loadConfig({ env: process.env, cwd: process.cwd() });
  if (argv.includes('--check')) {
    const ok = await checkConfiguration(config, (line) => process.stdout.write(`${line}\n`));
    return ok ? 0 : 1;
  }

  // Imported only here, so a process with an Odoo configured never loads the simulator (src/sim).
  const sandbox = config.sandboxMode
    ? await (
        await import('./sandbox.js')
      ).startSandbox(config, {
        stateDir: resolve(process.cwd(), '.sandbox'),
        exampleEndpointsFile: resolve(process.cwd(), 'config/endpoints.example.yaml'),
        log: (line) => process.stdout.write(`${line}\n`),
      })
    : undefined;
  let app: FastifyInstance;
  try {
    app = buildApp(sandbox?.config ?? config);
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await sandbox?.close();
    throw err;
  }
  if (sandbox) announceSandbox(app, sandbox);

  const stopped = new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      // Repeats are ignored: under `npm start` a Ctrl-C arrives twice (from the terminal and
      // forwarded by npm), and the grace period bounds the wait anyway.
      if (stopping) return;
      stopping = true;
      app.log.info({ signal }, 'shutting down');
      closeGracefully(app, config.server.shutdownGraceMs)
        .then(async (outcome) => {
          await sandbox?.close();
          app.log.info({ outcome }, 'stopped');
          resolveExit(outcome === 'clean' ? 0 : 1);
        })
        .catch((err: unknown) => {
          app.log.error({ err }, 'shutdown failed');
          resolveExit(1);
        });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  return stopped;
}

/** The first-run banner: loud, plain text (not JSON) so a person sees it among the log lines. */
function announceSandbox(app: FastifyInstance, sandbox: Sandbox): void {
  const base = baseUrl(app.server.address() as AddressInfo);
  const { sandbox: settings, api } = sandbox.config;
  app.log.warn({ simulator: sandbox.simulatorUrl }, 'SANDBOX MODE: no Odoo is configured; serving the bundled simulator with demo data');
  const rule = '='.repeat(78);
  const both = sandbox.tokens[sandbox.tokens.length - 1]!.token;
  const client = sandbox.demoClient;
  const lines = [
    rule,
    'SANDBOX MODE: no Odoo is configured, so the bundled Odoo simulator stands in,',
    `seeded with a demo registry (${settings.households} households, seed ${settings.seed}). Nothing here is real.`,
    `Odoo simulator: ${sandbox.simulatorUrl}`,
    `API base URL:   ${base}${api.prefix}`,
    `API docs:       ${base}/docs`,
    'Bearer tokens (24 h; send as "Authorization: Bearer <token>"):',
    ...sandbox.tokens.map(({ roles, token }) => `  token for ${roles.map((r) => `"${r}"`).join(' + ')}: ${token}`),
    `Demo partner system: OAuth client and DCI sender "${client.id}", client_secret ${client.secret}`,
    `Demo receiver:  ${sandbox.receiverUrl} (DCI callbacks and webhooks; it logs what it receives here)`,
    'Every feature is on: DCI sync and async search, subscriptions, change events and webhooks,',
    'the token endpoint, the example custom endpoints (config/endpoints.example.yaml).',
    '',
    ...sandboxCommands(base, api.prefix, both, sandbox),
    rule,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Ready commands, each working as printed (paste the export first). */
export function sandboxCommands(base: string, prefix: string, token: string, sandbox: Pick<Sandbox, 'demoClient' | 'receiverUrl'>): string[] {
  const client = sandbox.demoClient;
  const dciMessage = [
    `{"header":{"version":"1.0.0","message_id":"demo-'"$(date +%s)"'","message_ts":"'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'",`,
    `"action":"search","sender_id":"${client.id}","receiver_id":"g2p-social-registry","total_count":1,"is_msg_encrypted":false},`,
    `"message":{"transaction_id":"demo-txn-'"$(date +%s)"'","search_request":[{"reference_id":"ref-1","timestamp":"'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'",`,
    `"search_criteria":{"version":"1.0.0","query_type":"idtype-value","response_entity":"Member","query":{"type":"NID","value":"3421751206"}}}]}}`,
  ].join('');
  return [
    'Try (paste the export first):',
    `  export G2P_TOKEN='${token}'`,
    '  # the demo registry',
    `  curl -s "${base}${prefix}/individuals?limit=2" -H "Authorization: Bearer $G2P_TOKEN"`,
    '  # a token for the demo client (OAuth 2.0 client credentials)',
    `  curl -s -X POST ${base}/oauth2/client/token -d grant_type=client_credentials -d client_id=${client.id} -d client_secret=${client.secret}`,
    '  # an async DCI search: 200 with an ACK now, the answer to the demo receiver (logged here)',
    `  curl -s -X POST ${base}/registry/search -H "Authorization: Bearer $G2P_TOKEN" -H 'content-type: application/json' -d '${dciMessage}'`,
    '  # a webhook on the demo receiver, then a change it is told about (logged here within seconds)',
    `  curl -s -X POST ${base}${prefix}/webhooks -H "Authorization: Bearer $G2P_TOKEN" -H 'content-type: application/json' -d '{"url":"${sandbox.receiverUrl}/webhooks/demo"}'`,
    `  curl -s -X PATCH ${base}${prefix}/individuals/9 -H "Authorization: Bearer $G2P_TOKEN" -H 'content-type: application/json' -d '{"occupation":"Teacher"}'`,
    '  # an example custom endpoint',
    `  curl -s "${base}${prefix}/custom/individuals/without-national-id?gender=Female&limit=2" -H "Authorization: Bearer $G2P_TOKEN"`,
  ];
}

function baseUrl({ address, port, family }: AddressInfo): string {
  // A wildcard address is not something to paste into a browser.
  const host = address === '0.0.0.0' || address === '::' ? 'localhost' : family === 'IPv6' ? `[${address}]` : address;
  return `http://${host}:${port}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // A configuration mistake is the operator's to fix: the problems, not a stack trace.
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`g2p-gateway failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
