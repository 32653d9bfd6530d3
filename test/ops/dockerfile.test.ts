import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(join(repo, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

interface Stage {
  name: string;
  instructions: Array<{ op: string; args: string }>;
}

/** Dockerfile stages with their instructions (continuation lines joined, comments dropped). */
function parseStages(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (!op) continue;
    if (op.toUpperCase() === 'FROM') stages.push({ name: /\bAS\s+(\S+)/i.exec(args!)?.[1] ?? '', instructions: [] });
    stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args: args! });
  }
  return stages;
}

const stages = parseStages(dockerfile);
const [build, runtime] = stages;

t.test('two stages on node:24-slim: build with CI steps, slim runtime as non-root', async (t) => {
  t.equal(stages.length, 2);
  for (const stage of stages) t.match(stage.instructions[0]!.args, /^node:24-slim\b/);
  const runs = (stage: Stage) => stage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
  t.ok(
    runs(build!).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)),
    'build stage: npm ci',
  );
  t.ok(
    runs(build!).some((r) => /\bnpm run build\b/.test(r)),
    'build stage: npm run build',
  );
  t.ok(
    runs(runtime!).some((r) => /\bnpm ci\b.*--omit=dev/.test(r)),
    'runtime stage: production dependencies only',
  );
  const user = runtime!.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
  t.ok(user && user !== 'root' && user !== '0', 'runs as a non-root user');
  t.match(runtime!.instructions.find((i) => i.op === 'ENV')?.args ?? '', /G2P_CONFIG=config\//);
});

t.test('everything the Dockerfile copies exists, and CMD runs what the build produces', async (t) => {
  // Files copied from the build context.
  for (const stage of stages) {
    for (const copy of stage.instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const parts = copy.args.split(/\s+/);
      for (const source of parts.slice(0, -1)) t.ok(existsSync(join(repo, source)), `${stage.name}: COPY ${source} exists`);
    }
  }
  // The runtime copies dist/ from the build stage, and runs a file inside it.
  const fromBuild = runtime!.instructions.find((i) => i.op === 'COPY' && i.args.startsWith(`--from=${build!.name}`));
  t.match(fromBuild?.args ?? '', /\/app\/dist\s+\.\/dist$/);
  const cmd = JSON.parse(runtime!.instructions.find((i) => i.op === 'CMD')!.args) as string[];
  t.same(cmd.slice(0, 1), ['node']);
  t.match(cmd[1], /^dist\//);
  t.match(pkg.scripts.build!, /tsc -p tsconfig\.build\.json/);

  // Build as `npm run build` does, into a temp folder standing in for dist/.
  const outDir = mkdtempSync(join(tmpdir(), 'g2p-docker-dist-'));
  t.teardown(() => rmSync(outDir, { recursive: true, force: true }));
  await promisify(execFile)(
    process.execPath,
    [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', outDir, '--sourceMap', 'false'],
    { cwd: repo },
  ).catch(
    // Type errors are the typecheck step's to report; what matters here is what gets emitted.
    () => undefined,
  );
  const entry = join(outDir, cmd[1]!.replace(/^dist\//, ''));
  t.ok(existsSync(entry), `${cmd[1]} is produced by the build`);

  // At run time only production dependencies exist: no compiled file may import anything else.
  const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
  const offending: string[] = [];
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : name.endsWith('.js') ? [join(dir, name)] : []));
  for (const file of walk(outDir)) {
    const source = readFileSync(file, 'utf8');
    const imports = /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
    for (const match of source.matchAll(imports)) {
      const spec = match[1] ?? match[2] ?? match[3];
      if (!spec || spec.startsWith('.') || spec.startsWith('node:')) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (!allowed.has(name)) offending.push(`${relative(outDir, file)} imports ${spec}`);
    }
  }
  t.same(offending, [], 'compiled code imports only production dependencies');
});

t.test('the HEALTHCHECK command passes on a healthy /healthz and fails otherwise', async (t) => {
  const healthcheck = runtime!.instructions.find((i) => i.op === 'HEALTHCHECK')!.args;
  const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim()) as string[];
  t.equal(command[0], 'node', 'node is all the slim image has');
  let healthy = true;
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' && healthy ? 200 : 503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const port = String((server.address() as AddressInfo).port);
  const run = () =>
    promisify(execFile)(process.execPath, command.slice(1), { env: { PORT: port } }).then(
      () => 0,
      (err: { code?: number }) => err.code ?? -1,
    );
  t.equal(await run(), 0);
  healthy = false;
  t.equal(await run(), 1);
});
