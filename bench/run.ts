/**
 * `npm run bench [-- --only=1,3] [--quick] [--write] [--real]`
 * `npm run bench -- --scale[=10000,100000,1000000] --pg=URL [--indexes] [--quick] [--write]`
 *
 * Runs the benchmark scenarios, prints their tables and verdicts, and (for a full, non-quick
 * run, or with --write) writes bench/RESULTS.md. Scenarios 1-6 and 9 run on the simulator; --real
 * adds 7, 8, 10 and 12, on a real Odoo 17 + OpenG2P (see real-odoo.ts). Exits non-zero only when a
 * scenario could not run; a missed target is a result, not a failure. --scale runs scenario 11 alone
 * (scale.ts) on the real Odoo named by the G2P_E2E_ODOO_* variables, whose PostgreSQL cluster
 * --pg names (with --indexes: with docs/scale.md's indexes), and writes its own section of bench/RESULTS.md with --write.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { resultsDocument, scaleSection, scaleSectionOf, scenarioMarkdown, verdictTable, machineDescription, withScaleSection } from './report.js';
import { growthScenario } from './scenarios/growth.js';
import { memoryScenario } from './scenarios/memory.js';
import { overheadScenario } from './scenarios/overhead.js';
import { replicasScenario } from './scenarios/replicas.js';
import { transportScenario } from './scenarios/transport.js';
import { writesScenario } from './scenarios/writes.js';
import { deliveryScenario } from './scenarios/delivery.js';
import { protocolsScenario } from './scenarios/protocols.js';
import { realOdooScenario } from './scenarios/real-odoo.js';
import { recordCacheScenario } from './scenarios/record-cache.js';
import { fieldScopesScenario } from './scenarios/field-scopes.js';
import { scaleScenario } from './scenarios/scale.js';
import { realOdooSettings } from '../test/support/odoo-target.js';
import { connectRealOdoo, type RealOdoo } from './real-odoo.js';
import type { BenchOptions, ScenarioReport } from './support.js';

type Scenario = (options: BenchOptions, real: () => Promise<RealOdoo>) => Promise<ScenarioReport>;
const SIMULATOR_SCENARIOS: Record<string, Scenario> = {
  '1': overheadScenario,
  '2': growthScenario,
  '3': transportScenario,
  '4': writesScenario,
  '5': memoryScenario,
  '6': replicasScenario,
  '9': deliveryScenario,
};
const REAL_SCENARIOS: Record<string, Scenario> = {
  '7': async (options, real) => protocolsScenario(options, await real()),
  '8': async (options, real) => realOdooScenario(options, await real()),
  '10': async (options, real) => recordCacheScenario(options, await real()),
  '12': async (options, real) => fieldScopesScenario(options, await real()),
};

const args = process.argv.slice(2);
const unknown = args.filter((a) => !/^--(only=[\d,]+|quick|write|real|scale(=[\d,]+)?|indexes|pg=.+)$/.test(a));
const withReal = args.includes('--real');
const scaleArg = args.find((a) => a === '--scale' || a.startsWith('--scale='));
const pgArg = args.find((a) => a.startsWith('--pg='))?.slice('--pg='.length);
const SCALE_SCENARIO: Record<string, Scenario> = {
  '11': async (options) => {
    const settings = realOdooSettings();
    if (!settings || !pgArg) throw new Error('--scale needs a real Odoo (the G2P_E2E_ODOO_* variables) and --pg=URL, its PostgreSQL cluster');
    const sizes = scaleArg!.includes('=') ? scaleArg!.slice('--scale='.length).split(',').filter(Boolean).map(Number) : [10_000, 100_000, 1_000_000];
    return scaleScenario(
      options,
      { url: settings.url, db: settings.db, login: settings.login, password: settings.password },
      { pg: pgArg, sizes, indexes: args.includes('--indexes') },
    );
  },
};
const SCENARIOS: Record<string, Scenario> = scaleArg ? SCALE_SCENARIO : { ...SIMULATOR_SCENARIOS, ...(withReal ? REAL_SCENARIOS : {}) };
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const selected = onlyArg ? onlyArg.split(',').filter(Boolean) : Object.keys(SCENARIOS);
const badSelection = selected.filter((s) => !(s in SCENARIOS));
if (unknown.length || badSelection.length) {
  console.error(`usage: npm run bench [-- --only=1,3] [--quick] [--write] [--real]   (scenarios: 1-6 and 9 on the simulator, 7, 8, 10 and 12 with --real on a real Odoo)
       npm run bench -- --scale[=10000,100000,1000000] --pg=URL [--indexes] [--quick] [--write]   (scenario 11 on the real Odoo of G2P_E2E_ODOO_*)`);
  process.exit(2);
}
const options: BenchOptions = { quick: args.includes('--quick') };
const complete = selected.length === Object.keys(SCENARIOS).length;
let realOdoo: Promise<RealOdoo> | undefined;
/** Connected (and its fixture made) once, by the first real scenario that runs. */
const real = () => (realOdoo ??= connectRealOdoo());
const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;

const startedAt = new Date();
const loadAtStart = loadavg()[0]!;
const started = performance.now();
console.log(`g2p-gateway bench: scenarios ${selected.join(', ')}${options.quick ? ' (quick)' : ''}`);
console.log(machineDescription().join('\n'));
const reports: ScenarioReport[] = [];
const failures: string[] = [];
for (const key of selected) {
  const phaseStarted = performance.now();
  try {
    const report = await SCENARIOS[key]!(options, real);
    reports.push(report);
    console.log(`\n${scenarioMarkdown(report)}(${((performance.now() - phaseStarted) / 1000).toFixed(0)} s)`);
  } catch (err) {
    const message = `scenario ${key} could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    failures.push(message);
    console.error(`\n${message}`);
  }
}
const wallSeconds = (performance.now() - started) / 1000;
console.log(`\n## Verdicts\n\n${verdictTable(reports)}\n\nwall time ${wallSeconds.toFixed(0)} s`);

if ((complete && !options.quick) || args.includes('--write')) {
  const file = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const run = { command, startedAt, wallSeconds, quick: options.quick, loadAtStart };
  // The scale run (long, and on its own registries) keeps its own section; the other runs leave it in place.
  writeFileSync(
    file,
    scaleArg
      ? withScaleSection(existing, scaleSection(reports, failures, run))
      : withScaleSection(resultsDocument(reports, failures, run), scaleSectionOf(existing)),
  );
  console.log('bench/RESULTS.md written');
} else {
  console.log('bench/RESULTS.md left as it was (partial or quick run; add --write to replace it)');
}
if (realOdoo) await (await realOdoo.catch(() => undefined))?.close();
// Sockets the scenarios closed can keep the loop alive a moment; the run is over.
process.exit(failures.length ? 1 : 0);
