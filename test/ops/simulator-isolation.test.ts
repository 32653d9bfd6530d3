import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { startSimulator } from '../../src/sim/index.js';
import { freePort } from '../support/redis.js';

/**
 * The bundled Odoo simulator (src/sim) is for sandbox mode only: a gateway process with an Odoo
 * configured must never load it. The server runs as an operator runs it, in a process of its
 * own, with a module loader hook that writes down every module the process loads.
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));
const SIM_SOURCES = pathToFileURL(join(repo, 'src/sim/')).href;

/** Registered after tsx's loader, so it sees each module's URL before tsx compiles it. */
const RECORDER = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, nextLoad) {
  appendFileSync(process.env.MODULE_LOG, url + '\\n');
  return nextLoad(url, context);
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(RECORDER)}`)});`;

interface Run {
  /** Every module URL the server process loaded, in load order. */
  modules: string[];
  exitCode: number | null;
  output: string;
}

/** Starts src/server.ts, waits until /readyz answers 200 (its Odoo login accepted), stops it with SIGTERM. */
async function runServer(t: Test, cwd: string, env: Record<string, string>): Promise<Run> {
  const log = join(mkdtempSync(join(tmpdir(), 'g2p-modules-')), 'modules.log');
  t.teardown(() => rmSync(join(log, '..'), { recursive: true, force: true }));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), '--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, join(repo, 'src/server.ts')],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        MODULE_LOG: log,
        G2P_CONFIG: 'config/default.yaml',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.teardown(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => (running = false));

  const origin = `http://127.0.0.1:${port}`;
  const answers = async (path: string) => (await fetch(`${origin}${path}`).catch(() => undefined))?.status === 200;
  while (running && !(await answers('/readyz'))) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!running) throw new Error(`the server exited before it was ready:\n${output}`);
  child.kill('SIGTERM');
  const exitCode = await exited;
  return { modules: existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [], exitCode, output };
}

t.test('with an Odoo configured the server never loads src/sim; sandbox mode does', async (t) => {
  const simulator = await startSimulator({ households: 2 });
  t.teardown(() => simulator.close());
  const sandboxDir = mkdtempSync(join(tmpdir(), 'g2p-sandbox-'));
  t.teardown(() => rmSync(sandboxDir, { recursive: true, force: true }));
  cpSync(join(repo, 'config'), join(sandboxDir, 'config'), { recursive: true });
  const sandboxConfig = join(sandboxDir, 'config/default.yaml');
  writeFileSync(
    sandboxConfig,
    readFileSync(sandboxConfig, 'utf8').replace('  port: 3000\n', '  port: 0\n').replace('  households: 300\n', '  households: 12\n'),
  );

  const [production, sandbox] = await Promise.all([
    runServer(t, repo, { ODOO_URL: simulator.url, ODOO_DB: simulator.database.name, ODOO_USERNAME: 'registrar', ODOO_PASSWORD: 'registrar' }),
    runServer(t, sandboxDir, {}),
  ]);

  t.equal(production.exitCode, 0, 'clean exit on SIGTERM', { output: production.output });
  const loaded = (file: string) => production.modules.includes(pathToFileURL(join(repo, file)).href);
  t.ok(loaded('src/server.ts') && loaded('src/app.ts') && loaded('src/config/load.ts'), 'the recorder saw the gateway load its own modules');
  t.same(
    production.modules.filter((url) => url.startsWith(SIM_SOURCES)),
    [],
    'no simulator module was loaded',
  );
  t.notOk(loaded('src/sandbox.ts'), 'nor the sandbox set-up');

  t.equal(sandbox.exitCode, 0, 'sandbox: clean exit on SIGTERM', { output: sandbox.output });
  t.ok(sandbox.modules.includes(`${SIM_SOURCES}index.ts`), 'sandbox mode loads the simulator (the recorder would see it)');
});
