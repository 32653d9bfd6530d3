/**
 * Scenario 5, memory: the gateway's resident memory while 256 connections read through it,
 * and after, for two consecutive runs. A leak shows as memory still held after the second
 * run that was not held after the first.
 */
import { createOdooConnection } from '../../src/odoo/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { startGatewayChild, type GatewayChild, type GatewayUsage } from '../gateway-child.js';
import { autocannonLoad, requestsPerSecond, type HttpRequestSpec } from '../load.js';
import { benchToken, fixed, mib, percentile, SIM_ADMIN, SIM_DB, sleep, type BenchOptions, type ScenarioReport } from '../support.js';

const CONNECTIONS = 256;
const RUNS = 2;
/** Growth from the first run's "after" to the second's that still counts as no growth (allocator and JIT noise). */
const HEAP_TOLERANCE_BYTES = 2 * 1024 * 1024;
const RSS_TOLERANCE = 0.1;

export async function memoryScenario(options: BenchOptions): Promise<ScenarioReport> {
  const runMs = options.quick ? 8000 : 30_000;
  const sim = await startSimulator({ households: 300, seed: 5 });
  const connection = createOdooConnection({ url: sim.url, db: SIM_DB, protocol: 'jsonrpc' });
  const gateway = await startGatewayChild(sim.url);
  try {
    const odoo = connection.as(SIM_ADMIN);
    const people = await odoo.search(
      'res.partner',
      [
        ['is_registrant', '=', true],
        ['is_group', '=', false],
      ],
      { limit: 50, order: 'id asc' },
    );
    const [group] = await odoo.search(
      'res.partner',
      [
        ['is_registrant', '=', true],
        ['is_group', '=', true],
      ],
      { limit: 1, order: 'id asc' },
    );
    if (!people.length || group === undefined) throw new Error('the simulator has no registrants to read');
    const headers = { authorization: `Bearer ${benchToken()}` };
    // A read mix: single records (varying ids, so nothing is one cached answer), a page and a group.
    const mix: HttpRequestSpec[] = [
      ...people.slice(0, 8).map((id) => ({ method: 'GET' as const, path: `/api/v1/individuals/${id}`, headers })),
      { method: 'GET', path: '/api/v1/individuals?limit=10', headers },
      { method: 'GET', path: `/api/v1/groups/${group}?expand=members`, headers },
    ];
    await autocannonLoad(gateway.origin, mix, 8, 1000); // login, JIT, caches
    const idle = await settledUsage(gateway);
    // A short run at full concurrency first, so the allocator's arenas and V8's heap have grown
    // to what 256 connections need before the two runs that are compared.
    await autocannonLoad(gateway.origin, mix, CONNECTIONS, options.quick ? 2000 : 5000);

    const rows = [['phase', 'RSS MiB', 'RSS high-water MiB', 'heap used MiB', 'external+buffers MiB', 'req/s', 'p50 ms', 'p99 ms', 'failures']];
    rows.push([
      'idle, before',
      mib(idle.memory.rss),
      mib(idle.maxRssBytes),
      mib(idle.memory.heapUsed),
      mib(idle.memory.external + idle.memory.arrayBuffers),
      '',
      '',
      '',
      '',
    ]);
    const after: GatewayUsage[] = [];
    let failures = 0;
    for (let run = 1; run <= RUNS; run++) {
      let peakRss = 0;
      let peakHeap = 0;
      let loading = true;
      // Samples give the heap during load; the RSS high-water mark comes from the kernel.
      const sampling = (async () => {
        while (loading) {
          const { memory } = await gateway.usage();
          peakRss = Math.max(peakRss, memory.rss);
          peakHeap = Math.max(peakHeap, memory.heapUsed);
          await sleep(1000);
        }
      })();
      const load = await autocannonLoad(gateway.origin, mix, CONNECTIONS, runMs);
      loading = false;
      await sampling;
      failures += load.failures;
      const settled = await settledUsage(gateway);
      after.push(settled);
      rows.push(
        [
          `run ${run}, highest 1 s sample under load`,
          mib(peakRss),
          '',
          mib(peakHeap),
          '',
          fixed(requestsPerSecond(load), 0),
          fixed(percentile(load.latencies, 50)),
          fixed(percentile(load.latencies, 99)),
          String(load.failures),
        ],
        [
          `run ${run}, after (GC)`,
          mib(settled.memory.rss),
          mib(settled.maxRssBytes),
          mib(settled.memory.heapUsed),
          mib(settled.memory.external + settled.memory.arrayBuffers),
          '',
          '',
          '',
          '',
        ],
      );
    }
    const heapGrowth = after[1]!.memory.heapUsed - after[0]!.memory.heapUsed;
    // RSS after a run depends on when V8 and malloc hand pages back to the OS (it swung ±15%
    // between identical runs on a busy machine), and the peak depends on the throughput the
    // machine allowed. Memory that is reused rather than accumulated shows as RSS after the
    // second run staying within the first run's high-water mark (plus tolerance).
    const rssAfterSecond = after[1]!.memory.rss;
    const firstRunHighWater = after[0]!.maxRssBytes;
    rows.push([
      '**run 2 after − run 1 after**',
      `**${signedMib(after[1]!.memory.rss - after[0]!.memory.rss)}**`,
      `**${signedMib(after[1]!.maxRssBytes - after[0]!.maxRssBytes)}**`,
      `**${signedMib(heapGrowth)}**`,
      '',
      '',
      '',
      '',
      '',
    ]);
    return {
      title: `5. Memory: ${CONNECTIONS} connections for ${runMs / 1000} s, twice`,
      method:
        `Gateway alone in a child process (tsx loader included in its RSS), read by process.memoryUsage() over IPC every second during load and after forced GCs ` +
        `2 and 4 s after each run; the high-water mark is the kernel's maxRSS (so run 2's includes run 1, and the idle one tsx's start-up compilation). Load: autocannon, ${CONNECTIONS} connections (after a ${options.quick ? 2 : 5} s run at that concurrency that is not compared), a mix of 8 individual reads, a page of 10 and a group with members; simulator (300 households) in the bench process.`,
      tables: [rows],
      verdicts: [
        {
          target: `no heap growth between consecutive runs (tolerance ${mib(HEAP_TOLERANCE_BYTES)} MiB)`,
          met: failures === 0 && heapGrowth <= HEAP_TOLERANCE_BYTES,
          evidence: `${signedMib(heapGrowth)} MiB heap after GC`,
        },
        {
          target: `no RSS growth between consecutive runs: RSS after run 2 ≤ run 1 high-water + ${RSS_TOLERANCE * 100}%`,
          met: failures === 0 && rssAfterSecond <= firstRunHighWater * (1 + RSS_TOLERANCE),
          evidence: `${mib(rssAfterSecond)} MiB after run 2 vs ${mib(firstRunHighWater)} MiB run 1 high-water; after run 2 − after run 1 = ${signedMib(rssAfterSecond - after[0]!.memory.rss)} MiB`,
        },
      ],
      notes: failures ? [`${failures} requests failed under load; the memory figures stand but the run was not clean.`] : [],
    };
  } finally {
    await gateway.stop();
    await connection.close();
    await sim.close();
  }
}

/** Usage once in-flight work has drained and full collections have run, with time between for V8 to give pages back. */
async function settledUsage(gateway: GatewayChild): Promise<GatewayUsage> {
  await sleep(2000);
  await gateway.usage(true);
  await sleep(2000);
  return gateway.usage(true);
}

const signedMib = (bytes: number) => `${bytes >= 0 ? '+' : ''}${mib(bytes)}`;
