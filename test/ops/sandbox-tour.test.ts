import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';

/**
 * `npm start` with no Odoo as a newcomer meets it: every feature on, and each command the
 * banner prints run as printed by a shell (curl), against the real process. The demo receiver's
 * log lines show the async DCI answer and the webhook delivery arriving.
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));
const TSX_CLI = join(repo, 'node_modules/tsx/dist/cli.mjs');
const run = promisify(execFile);

t.test('the sandbox banner prints commands that work as printed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'g2p-sandbox-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(repo, 'config'), join(dir, 'config'), { recursive: true });
  // Laid over config/default.yaml: a free port, a small registry, no load shedding on a busy test machine.
  writeFileSync(join(dir, 'tour.yaml'), 'server:\n  port: 0\n  underPressure:\n    enabled: false\nsandbox:\n  households: 12\n');
  const child = spawn(process.execPath, [TSX_CLI, join(repo, 'src/server.ts')], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', G2P_CONFIG: 'tour.yaml' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // SIGTERM, which tsx passes on to the gateway it runs (SIGKILL would leave that one running).
  t.teardown(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const waitFor = async (pattern: RegExp, ms = 60_000): Promise<RegExpMatchArray> => {
    const until = Date.now() + ms;
    for (;;) {
      const match = pattern.exec(out);
      if (match) return match;
      if (Date.now() > until || child.exitCode !== null) throw new Error(`no ${pattern} in:\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const [, block] = await waitFor(/^Try \(paste the export first\):\n([\s\S]*?)\n=+$/m);
  const lines = block!.split('\n').map((line) => line.trim());
  const exportLine = lines.find((line) => line.startsWith('export G2P_TOKEN='))!;
  const commands = lines.filter((line) => line.startsWith('curl '));
  t.equal(commands.length, 6, 'a list, a token, an async search, a webhook and a change, a custom endpoint');
  const shell = async (command: string) => JSON.parse((await run('sh', ['-c', `${exportLine}\n${command}`])).stdout);

  const [list, token, search, webhook, change, custom] = commands as [string, string, string, string, string, string];
  t.match(await shell(list), { items: Array }, 'the demo registry is there');
  t.match(await shell(token), { token_type: 'Bearer', access_token: String }, 'the demo OAuth client gets a token');
  t.match(await shell(search), { message: { ack_status: 'ACK' } }, 'the async search is acknowledged');
  t.match(await shell(webhook), { id: String, secret: /^whsec_/ }, 'a webhook on the demo receiver');
  t.match(await shell(change), { id: 9, occupation: 'Teacher' });
  t.match(await shell(custom), { items: Array }, 'an example custom endpoint');

  // Every shell block of the README's tour, against this sandbox: the set-up and production
  // blocks (npm commands) are the ones it cannot run. Each curl answers JSON, and what the
  // README says an answer holds is what it holds.
  const origin = new URL(lines.find((line) => line.startsWith('curl -s "'))!.split('"')[1]!).origin;
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).filter((block) => !/^npm |npm start/m.test(block));
  t.ok(blocks.length >= 4, 'the tour has shell blocks');
  let script = `${exportLine}\n`;
  for (const block of blocks) script += `${block.replaceAll('http://127.0.0.1:3000', origin)}\n`;
  const answers = (await run('sh', ['-c', script.replace(/\ncurl /g, '\necho; curl ')])).stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, any>);
  const comments = [...readme.matchAll(/^# (\d{3})\b/gm)].map((m) => Number(m[1]));
  t.ok(answers.length >= 8, `every curl of the tour answered JSON (${answers.length})`);
  t.match(answers[0], { name: 'OTIENO, AMINA', phone: '+254712345678' });
  t.match(answers[1], { name: 'OTIENO, AMINA' });
  t.match(answers[2], { status: 409, holder: { id: answers[0]!.id, type: 'individual' } });
  t.same(
    answers.slice(3).map((a) => a.status),
    comments,
    'each refusal has the status the README shows',
  );

  await waitFor(/^demo receiver: POST \/dci\/registry\/on-search .*"action":"on-search"/m);
  await waitFor(/^demo receiver: POST \/webhooks\/demo webhook \S+ .*"subject":"individuals\/9"/m);
  t.pass('the receiver logged the DCI answer and the change event');
});
