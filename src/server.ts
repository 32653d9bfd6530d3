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
  const sandbox = config.sandboxMode ? await (await import('./sandbox.js')).startSandbox(config, { stateDir: resolve(process.cwd(), '.sandbox') }) : undefined;
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
  const lines = [
    rule,
    'SANDBOX MODE: no Odoo is configured, so the bundled Odoo simulator stands in,',
    `seeded with a demo registry (${settings.households} households, seed ${settings.seed}). Nothing here is real.`,
    `Odoo simulator: ${sandbox.simulatorUrl}`,
    `API base URL:   ${base}${api.prefix}`,
    `API docs:       ${base}/docs`,
    'Bearer tokens (24 h; send as "Authorization: Bearer <token>"):',
    ...sandbox.tokens.map(({ roles, token }) => `  token for ${roles.map((r) => `"${r}"`).join(' + ')}: ${token}`),
    `Try: curl -H "Authorization: Bearer <token>" ${base}${api.prefix}/individuals?limit=2`,
    rule,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
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
