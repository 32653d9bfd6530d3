import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startSimulator } from '../../src/sim/index.js';

/**
 * The real entry point as an operator runs it: a separate process, configured by a file and
 * the environment, talking over real sockets. It runs under tsx from a temp folder, so
 * nothing (the sandbox secret) is written into the checkout.
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));
// tsx as a loader inside the server's own process, not its CLI: the CLI is a second process that
// relays SIGTERM and force-kills the server when the relay is not acknowledged within 30 ms,
// which a loaded machine misses.
const TSX_LOADER = import.meta.resolve('tsx');
const SERVER = join(repo, 'src/server.ts');

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startServer(cwd: string, env: Record<string, string>, args: string[] = []): Running {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, SERVER, ...args], {
    cwd,
    // Only what the test sets, so a developer's ODOO_URL or PORT cannot leak in.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once `pattern` shows up in stdout; rejects if the process exits first. */
async function waitForOutput(running: Running, pattern: RegExp): Promise<RegExpMatchArray> {
  for (;;) {
    const match = pattern.exec(running.stdout());
    if (match) return match;
    const exited = await Promise.race([running.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 50))]);
    if (exited && !pattern.test(running.stdout())) throw new Error(`server exited before printing ${pattern}:\n${running.stdout()}\n${running.stderr()}`);
  }
}

/** A temp folder with a copy of config/ whose default.yaml is adjusted by `edit`. */
function configFolder(edit: (yaml: string) => string = (y) => y): string {
  const dir = mkdtempSync(join(tmpdir(), 'g2p-server-'));
  cpSync(join(repo, 'config'), join(dir, 'config'), { recursive: true });
  const file = join(dir, 'config/default.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const smallSandbox = (yaml: string) => yaml.replace('  port: 3000\n', '  port: 0\n').replace('  households: 300\n', '  households: 12\n');

t.test('npm start without Odoo: sandbox mode prints URLs and tokens that work, SIGTERM exits 0', async (t) => {
  const dir = configFolder(smallSandbox);
  const server = startServer(dir, { G2P_CONFIG: 'config/default.yaml' });
  t.teardown(() => server.child.kill('SIGKILL'));

  const [, apiBase] = await waitForOutput(server, /API base URL:\s+(\S+)/);
  const [, docs] = await waitForOutput(server, /API docs:\s+(\S+)/);
  const [, getToken] = await waitForOutput(server, /token for "Rest API GET": (\S+)/);
  const [, postToken] = await waitForOutput(server, /token for "Rest API POST": (\S+)/);
  const [, bothToken] = await waitForOutput(server, /token for "Rest API GET" \+ "Rest API POST": (\S+)/);
  t.match(server.stdout(), /SANDBOX MODE/);
  t.match(apiBase, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
  const origin = new URL(apiBase!).origin;
  t.equal(docs, `${origin}/docs`);

  const ready = await fetch(`${origin}/readyz`);
  t.equal(ready.status, 200, 'ready: the simulator answers and accepts the registrar login');

  const list = await fetch(`${apiBase}/individuals?limit=2`, { headers: { authorization: `Bearer ${getToken}` } });
  t.equal(list.status, 200, 'the printed GET token reads the demo registry');
  const both = await fetch(`${apiBase}/individuals?limit=1`, { headers: { authorization: `Bearer ${bothToken}` } });
  t.equal(both.status, 200);
  const postOnly = await fetch(`${apiBase}/individuals?limit=1`, { headers: { authorization: `Bearer ${postToken}` } });
  t.equal(postOnly.status, 403, 'the POST-only token may not read');

  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'graceful exit');
  t.notMatch(server.stderr(), /Error/);
});

t.test('--check: sandbox, good and wrong Odoo logins, bad values; production refuses sandbox', async (t) => {
  const simulator = await startSimulator({ households: 2 });
  t.teardown(() => simulator.close());
  const withOdoo = configFolder((yaml) =>
    yaml.replace(
      '# odoo: absent here, so sandbox mode. See production.example.yaml for every key.\n',
      `odoo:\n  url: ${simulator.url}\n  db: ${simulator.database.name}\n  accounts:\n    default: { login: registrar, password: { env: GW_ODOO_PASSWORD } }\n    read: { login: rest_get, password: rest_get }\n`,
    ),
  );
  const check = ['--check'];
  // Independent processes: started together, since most of each one's time is tsx starting up.
  const sandbox = startServer(configFolder(), { G2P_CONFIG: 'config/default.yaml' }, check);
  const good = startServer(withOdoo, { G2P_CONFIG: 'config/default.yaml', GW_ODOO_PASSWORD: 'registrar' }, check);
  const wrong = startServer(withOdoo, { G2P_CONFIG: 'config/default.yaml', GW_ODOO_PASSWORD: 'not-the-password' }, check);
  const bad = startServer(
    configFolder((yaml) => yaml.replace('  max: 600\n', '  max: -5\n')),
    { G2P_CONFIG: 'config/default.yaml' },
    check,
  );
  const production = startServer(configFolder(), { G2P_CONFIG: 'config/default.yaml', NODE_ENV: 'production' });

  t.equal(await sandbox.exited, 0);
  t.match(sandbox.stdout(), /sandbox mode/);

  t.equal(await good.exited, 0, good.stdout() + good.stderr());
  t.match(good.stdout(), /ok: odoo\.accounts\.default \(registrar\).*login accepted/);
  t.match(good.stdout(), /ok: odoo\.accounts\.read \(rest_get\).*login accepted/);

  t.equal(await wrong.exited, 1);
  t.match(wrong.stdout(), /problem: odoo\.accounts\.default \(registrar\).*login refused/);
  t.match(wrong.stdout(), /ok: odoo\.accounts\.read \(rest_get\)/, 'the other account is still checked');
  t.notMatch(wrong.stdout(), /not-the-password/, 'the secret is never echoed');

  t.equal(await bad.exited, 1);
  t.match(bad.stderr(), /config\/default\.yaml:\d+: rateLimit\.max: /);
  t.notMatch(bad.stderr(), /\n\s+at /, 'no stack trace');

  t.equal(await production.exited, 1, 'sandbox mode is refused in production');
  t.match(production.stderr(), /sandbox mode is refused when NODE_ENV=production/);
});
