/**
 * Scenario 1, overhead: GET /api/v1/individuals/{id} through the gateway against the very
 * request the gateway sends for it, made directly to the same simulator, over 64 different
 * individuals (identical reads in flight would share one Odoo call, which is measured apart).
 */
import { createOdooConnection } from '../../src/odoo/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { captureOdooRequest, forRecord } from '../capture.js';
import { odooCallsForIdenticalReads } from '../shared-reads.js';
import { startGatewayChild } from '../gateway-child.js';
import { requestsPerSecond, undiciLoop, type HttpRequestSpec, type LoadResult } from '../load.js';
import { benchToken, fixed, percentile, SIM_ADMIN, SIM_DB, type BenchOptions, type ScenarioReport, type Verdict } from '../support.js';

const CONCURRENCY = [1, 32];
const P50_BUDGET_MS = 1;
const MIN_RPS_SHARE = 0.7;
const CPU_BUDGET_MICROS = 600;
const RECORDS = 64;
const IDENTICAL_READERS = 50;

export async function overheadScenario(options: BenchOptions): Promise<ScenarioReport> {
  // Two interleaved rounds per side and concurrency (4 runs of 8 s per concurrency in all by
  // default), so drift on a shared machine hits both sides alike.
  const roundMs = options.quick ? 1500 : 4000;
  const warmupMs = options.quick ? 500 : 1000;
  const sim = await startSimulator({ households: 300, seed: 1 });
  const connection = createOdooConnection({ url: sim.url, db: SIM_DB });
  const gateway = await startGatewayChild(sim.url);
  try {
    const odoo = connection.as(SIM_ADMIN);
    const ids = await odoo.search(
      'res.partner',
      [
        ['is_registrant', '=', true],
        ['is_group', '=', false],
      ],
      { limit: RECORDS, offset: 100, order: 'id asc' },
    );
    const id = ids[0];
    if (id === undefined || ids.length < RECORDS) throw new Error(`the simulator has fewer than ${RECORDS} individuals to read`);
    const apiPath = `/api/v1/individuals/${id}`;
    const authorization = `Bearer ${benchToken()}`;
    const captured = await captureOdooRequest(sim.url, apiPath, authorization);
    const directSpecs = ids.map((other) => forRecord(captured.odoo, id, other));
    for (const spec of directSpecs.slice(0, 3)) await checkDirectAnswer(sim.url, spec);
    const gatewaySpecs: HttpRequestSpec[] = ids.map((other) => ({ method: 'GET', path: `/api/v1/individuals/${other}`, headers: { authorization } }));
    const shared = await odooCallsForIdenticalReads(sim.url, apiPath, IDENTICAL_READERS);

    const rows: string[][] = [['connections', 'path', 'p50 ms', 'p99 ms', 'req/s', 'failures', 'bench process CPU µs/req', 'gateway CPU µs/req']];
    const verdicts: Verdict[] = [];
    for (const connections of CONCURRENCY) {
      await undiciLoop(sim.url, directSpecs, connections, warmupMs);
      await undiciLoop(gateway.origin, gatewaySpecs, connections, warmupMs);
      const direct: LoadResult[] = [];
      const through: LoadResult[] = [];
      const cpu = { direct: 0, throughBench: 0, gateway: 0 };
      for (let round = 0; round < 2; round++) {
        let since = process.cpuUsage();
        direct.push(await undiciLoop(sim.url, directSpecs, connections, roundMs));
        cpu.direct += cpuMicros(process.cpuUsage(since));
        const before = await gateway.usage();
        since = process.cpuUsage();
        through.push(await undiciLoop(gateway.origin, gatewaySpecs, connections, roundMs));
        cpu.throughBench += cpuMicros(process.cpuUsage(since));
        const after = await gateway.usage();
        cpu.gateway += cpuMicros(after.cpu) - cpuMicros(before.cpu);
      }
      const d = merge(direct);
      const g = merge(through);
      const addedP50 = percentile(g.latencies, 50) - percentile(d.latencies, 50);
      const addedP99 = percentile(g.latencies, 99) - percentile(d.latencies, 99);
      const share = requestsPerSecond(g) / requestsPerSecond(d);
      rows.push(
        [
          String(connections),
          'direct',
          fixed(percentile(d.latencies, 50)),
          fixed(percentile(d.latencies, 99)),
          fixed(requestsPerSecond(d), 0),
          String(d.failures),
          fixed(cpu.direct / d.requests, 0),
          '',
        ],
        [
          String(connections),
          'gateway',
          fixed(percentile(g.latencies, 50)),
          fixed(percentile(g.latencies, 99)),
          fixed(requestsPerSecond(g), 0),
          String(g.failures),
          fixed(cpu.throughBench / g.requests, 0),
          fixed(cpu.gateway / g.requests, 0),
        ],
        [String(connections), '**gateway vs direct**', `**+${fixed(addedP50)}**`, `**+${fixed(addedP99)}**`, `**${fixed(share * 100, 0)}%**`, '', '', ''],
      );
      const clean = d.failures === 0 && g.failures === 0;
      const at = connections === 1 ? 'at 1 connection' : `at ${connections} connections`;
      const gatewayCpu = cpu.gateway / g.requests;
      verdicts.push(
        { target: `p50 added ≤ ${P50_BUDGET_MS} ms ${at}`, met: clean && addedP50 <= P50_BUDGET_MS, evidence: `+${fixed(addedP50)} ms` },
        { target: `req/s ≥ ${MIN_RPS_SHARE * 100}% of direct ${at}`, met: clean && share >= MIN_RPS_SHARE, evidence: `${fixed(share * 100, 0)}%` },
        {
          target: `gateway CPU per simple GET ≤ ${CPU_BUDGET_MICROS / 1000} ms ${at}`,
          met: clean && gatewayCpu <= CPU_BUDGET_MICROS,
          evidence: `${fixed(gatewayCpu / 1000, 3)} ms`,
        },
      );
    }
    verdicts.push({
      target: `${IDENTICAL_READERS} identical concurrent reads cost one Odoo call`,
      met: shared.calls === 1 && shared.ok === IDENTICAL_READERS,
      evidence: `${shared.calls} call(s), ${shared.ok} answers 200`,
    });
    return {
      title: '1. Overhead: GET /api/v1/individuals/{id} vs the same Odoo call direct',
      method:
        `Gateway in its own process; simulator (300 households) and load generator in the bench process. Both sides driven by the same undici closed loop ` +
        `(the simulator closes every connection, as Odoo does); 2 interleaved rounds of ${roundMs / 1000} s per side after ${warmupMs / 1000} s warm-up. ` +
        `The direct request is the gateway's own (default settings), captured from undici: ${captured.odoo.path} with the same body and session cookie, ` +
        `the record id changed to go round the same ${RECORDS} individuals as the gateway requests do.`,
      tables: [rows],
      verdicts,
      notes: [
        'Bench process CPU is the simulator plus the load generator (the same work on both paths); gateway CPU is the gateway process alone. Both per completed request.',
        'At 1 connection req/s is the inverse of mean latency, so the 70% target there asks the gateway path to take at most 1.43× the direct time.',
        'The gateway bounds concurrent Odoo calls at odoo.maxConcurrent (default 16), so at 32 connections half its requests queue inside it; the direct client has no such bound.',
      ],
    };
  } finally {
    await gateway.stop();
    await connection.close();
    await sim.close();
  }
}

const cpuMicros = (usage: NodeJS.CpuUsage) => usage.user + usage.system;

function merge(results: LoadResult[]): LoadResult {
  return results.reduce((a, b) => ({
    latencies: a.latencies.concat(b.latencies),
    requests: a.requests + b.requests,
    failures: a.failures + b.failures,
    elapsedMs: a.elapsedMs + b.elapsedMs,
    bytes: a.bytes + b.bytes,
  }));
}

/** The replayed request must be answered with a result, not an Odoo error, or the baseline is meaningless. */
async function checkDirectAnswer(odooUrl: string, spec: HttpRequestSpec): Promise<void> {
  const response = await fetch(`${odooUrl}${spec.path}`, { method: spec.method, headers: spec.headers, body: spec.body });
  const answer = (await response.json()) as { result?: unknown; error?: unknown };
  if (response.status !== 200 || answer.result === undefined) {
    throw new Error(`the replayed Odoo request failed (${response.status}): ${JSON.stringify(answer.error ?? answer).slice(0, 300)}`);
  }
}
