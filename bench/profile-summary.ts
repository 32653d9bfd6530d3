/**
 * `tsx bench/profile-summary.ts <file.cpuprofile> [top]`
 *
 * Summarises a V8 CPU profile (from `BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"`):
 * self time per function and per package, so a profile can be read and compared in a terminal
 * or pasted into a report without Chrome's DevTools.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = process.argv.slice(2);
const [file, topArg] = args.filter((a) => !a.startsWith('--'));
const skipMs = Number(args.find((a) => a.startsWith('--skip-ms='))?.slice('--skip-ms='.length) ?? 0);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top] [--skip-ms=N]   (N: leave out the first N ms, e.g. start-up)');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMicros = new Map<number, number>();
let elapsedMicros = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  elapsedMicros += delta;
  if (elapsedMicros >= skipMs * 1000) selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
});

/** Where a frame's code lives: a package name, "node:" internals, the project's own file, or V8 itself. */
function origin(url: string): string {
  if (!url) return '(v8/native)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/(src|bench)\/(.*)$/.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

const functions = new Map<string, number>();
const packages = new Map<string, number>();
let total = 0;
let idle = 0;
for (const [id, micros] of selfMicros) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  total += micros;
  if (functionName === '(idle)') {
    idle += micros;
    continue;
  }
  const where = origin(url);
  const key = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
  functions.set(key, (functions.get(key) ?? 0) + micros);
  packages.set(where, (packages.get(where) ?? 0) + micros);
}
const busy = total - idle;
const pct = (micros: number) => `${((micros / busy) * 100).toFixed(1).padStart(5)}%`;
const rows = (map: Map<string, number>) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, micros]) => `${pct(micros)}  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${key}`);
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (shares below are of busy time)`);
console.log('\nself time by origin:');
console.log(rows(packages).join('\n'));
console.log('\nself time by function:');
console.log(rows(functions).join('\n'));
