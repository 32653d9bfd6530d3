/**
 * Scenario 9 (real Odoo only): the record cache. GET /api/v1/individuals/{id} answered from the
 * cache against the very Odoo call the gateway sends, replayed directly, at 1 and 32
 * connections; the same gateway with the cache off against that direct call; and the Odoo calls
 * per second a 32-connection read mix costs with the cache and without it (counted off each
 * gateway's /metrics), with the hit ratio.
 */
import { loadavg } from 'node:os';
import { captureOdooRequest, forRecord } from '../capture.js';
import { startGatewayChild, type GatewayChild } from '../gateway-child.js';
import { requestsPerSecond, undiciLoop, type HttpRequestSpec, type LoadResult } from '../load.js';
import type { RealOdoo } from '../real-odoo.js';
import { BENCH_METRICS_TOKEN, benchToken, fixed, median, percentile, type BenchOptions, type ScenarioReport, type Verdict } from '../support.js';

const CACHED_BUDGET = 0.2;
const OFF_BUDGET = 1.1;
const CALL_REDUCTION = 10;
/** Share of the mix's requests that insist on Odoo (Cache-Control: no-cache): callers that must see the latest. */
const NO_CACHE_SHARE = 0.02;

/** The gateway's Odoo calls so far (sum of its call-duration histogram's counts) and its cache lookups by result. */
async function gatewayCounters(origin: string): Promise<{ odooCalls: number; lookups: Record<string, number> }> {
  const text = await (await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } })).text();
  let odooCalls = 0;
  const lookups: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const call = /^g2p_odoo_call_duration_seconds_count\{[^}]*\} (\d+)/.exec(line);
    if (call) odooCalls += Number(call[1]);
    const lookup = /^g2p_cache_lookups_total\{result="([^"]+)"\} (\d+)/.exec(line);
    if (lookup) lookups[lookup[1]!] = Number(lookup[2]);
  }
  return { odooCalls, lookups };
}

export async function recordCacheScenario(options: BenchOptions, real: RealOdoo): Promise<ScenarioReport> {
  const rounds = options.quick ? 2 : 5;
  const roundMs = options.quick ? 1500 : 3000;
  const mixMs = options.quick ? 3000 : 6000;
  const loadBefore = loadavg()[0]!;
  const authorization = `Bearer ${benchToken()}`;
  const ids = [real.individualId, ...real.otherIndividualIds];
  const apiPath = `/api/v1/individuals/${real.individualId}`;
  const children: GatewayChild[] = [];
  try {
    const start = async (cache: boolean) => {
      const child = await startGatewayChild({ ...real.odoo, cache, metrics: true });
      children.push(child);
      return child.origin;
    };
    const cached = await start(true);
    const off = await start(false);
    const captured = await captureOdooRequest(real.odoo, apiPath, authorization);
    const gatewaySpecs: HttpRequestSpec[] = ids.map((id) => ({ method: 'GET', path: `/api/v1/individuals/${id}`, headers: { authorization } }));
    const directSpecs = ids.map((id) => forRecord(captured.odoo, real.individualId, id));

    // Fill the cache (the detector's first pass must vouch for it first), then check it answers.
    const deadline = performance.now() + 30_000;
    for (;;) {
      await undiciLoop(cached, gatewaySpecs, 4, 500);
      const status = (await fetch(`${cached}${apiPath}`, { headers: { authorization } })).headers.get('cache-status') ?? '';
      if (status.includes('hit')) break;
      if (performance.now() > deadline) throw new Error(`the cached gateway never answered from its cache (Cache-Status: ${status})`);
    }

    // Latency: every path in turn within each round, 1 and 32 connections, spread over the same individuals.
    const sides = {
      direct: { origin: real.odoo.url, specs: directSpecs },
      cached: { origin: cached, specs: gatewaySpecs },
      off: { origin: off, specs: gatewaySpecs },
    };
    type Side = keyof typeof sides;
    const results: Record<number, Record<Side, LoadResult[]>> = { 1: { direct: [], cached: [], off: [] }, 32: { direct: [], cached: [], off: [] } };
    for (const connections of [1, 32] as const) {
      for (const side of Object.keys(sides) as Side[]) await undiciLoop(sides[side].origin, sides[side].specs, connections, 500);
      for (let round = 0; round < rounds; round++) {
        for (const side of Object.keys(sides) as Side[])
          results[connections]![side].push(await undiciLoop(sides[side].origin, sides[side].specs, connections, roundMs));
      }
    }
    const lat = (connections: number, side: Side) => results[connections]![side].flatMap((r) => r.latencies);
    const fails = (connections: number, side: Side) => results[connections]![side].reduce((n, r) => n + r.failures, 0);
    const rps = (connections: number, side: Side) => results[connections]![side].reduce((sum, r) => sum + requestsPerSecond(r), 0) / rounds;
    const ratio = (connections: number, side: Side) => median(lat(connections, side)) / median(lat(connections, 'direct'));
    const latencyRows = [['connections', 'path', 'p50 ms', 'p99 ms', 'req/s', 'failures', 'p50 ÷ direct']];
    for (const connections of [1, 32]) {
      for (const [side, name] of [
        ['direct', `direct ${captured.odoo.path.replace(/\/[^/]+\/[^/]+$/, '/…')}`],
        ['cached', 'gateway, cache on (hits)'],
        ['off', 'gateway, cache off'],
      ] as const) {
        latencyRows.push([
          String(connections),
          name,
          fixed(median(lat(connections, side))),
          fixed(percentile(lat(connections, side), 99)),
          fixed(rps(connections, side), 0),
          String(fails(connections, side)),
          `${fixed(ratio(connections, side), 3)}×`,
        ]);
      }
    }

    // The mix: 32 connections over every individual, a share of them with Cache-Control: no-cache.
    const mix: HttpRequestSpec[] = [];
    for (let i = 0; i < 200; i++) {
      const spec = gatewaySpecs[(i * 7) % gatewaySpecs.length]!;
      mix.push(i < 200 * NO_CACHE_SHARE ? { ...spec, headers: { ...spec.headers, 'cache-control': 'no-cache' } } : spec);
    }
    const mixRun = async (origin: string, ratePerSecond?: number) => {
      const before = await gatewayCounters(origin);
      const result = await undiciLoop(origin, mix, 32, mixMs, ratePerSecond);
      const after = await gatewayCounters(origin);
      const calls = after.odooCalls - before.odooCalls;
      const lookups = Object.fromEntries(Object.keys(after.lookups).map((k) => [k, (after.lookups[k] ?? 0) - (before.lookups[k] ?? 0)]));
      return { result, callsPerSecond: (calls * 1000) / result.elapsedMs, calls, lookups };
    };
    // The same offered load on both: what the gateway without the cache sustains (a closed loop
    // would let the cached one serve many more requests, and count their calls too).
    const mixOff = await mixRun(off);
    const mixOn = await mixRun(cached, requestsPerSecond(mixOff.result));
    const lookupsTotal = Object.values(mixOn.lookups).reduce((a, b) => a + b, 0);
    const hitRatio = lookupsTotal ? (mixOn.lookups.hit ?? 0) / lookupsTotal : 0;
    const reduction = mixOn.callsPerSecond > 0 ? mixOff.callsPerSecond / mixOn.callsPerSecond : Infinity;
    const mixRows = [
      ['32 connections, mix', 'req/s', 'p50 ms', 'Odoo calls', 'Odoo calls/s', 'hit ratio', 'failures'],
      [
        'gateway, cache off',
        fixed(requestsPerSecond(mixOff.result), 0),
        fixed(median(mixOff.result.latencies)),
        String(mixOff.calls),
        fixed(mixOff.callsPerSecond, 0),
        '',
        String(mixOff.result.failures),
      ],
      [
        'gateway, cache on',
        fixed(requestsPerSecond(mixOn.result), 0),
        fixed(median(mixOn.result.latencies)),
        String(mixOn.calls),
        fixed(mixOn.callsPerSecond, 0),
        `${fixed(hitRatio * 100, 1)}% (${Object.entries(mixOn.lookups)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
        String(mixOn.result.failures),
      ],
    ];
    const loadAfter = loadavg()[0]!;
    const clean = (side: Side) => fails(1, side) === 0 && fails(32, side) === 0;
    const verdicts: Verdict[] = [
      ...[1, 32].map((connections) => ({
        target: `real Odoo: cached GET by id p50 ≤ ${CACHED_BUDGET}× the direct Odoo call at ${connections} connection${connections > 1 ? 's' : ''}`,
        met: clean('cached') && ratio(connections, 'cached') <= CACHED_BUDGET,
        evidence: `${fixed(ratio(connections, 'cached'), 3)}× (${fixed(median(lat(connections, 'cached')))} ms vs ${fixed(median(lat(connections, 'direct')))} ms)`,
      })),
      {
        target: `real Odoo: Odoo calls/s under a 32-connection read mix ≥ ${CALL_REDUCTION}× fewer with the cache`,
        met: mixOn.result.failures === 0 && mixOff.result.failures === 0 && reduction >= CALL_REDUCTION,
        evidence: `${fixed(reduction, 1)}× fewer (${fixed(mixOff.callsPerSecond, 0)} → ${fixed(mixOn.callsPerSecond, 0)} calls/s), hit ratio ${fixed(hitRatio * 100, 1)}%`,
      },
      {
        target: `real Odoo: cache off, GET p50 ≤ ${OFF_BUDGET}× the direct call at 1 connection`,
        met: clean('off') && ratio(1, 'off') <= OFF_BUDGET,
        evidence: `${fixed(ratio(1, 'off'), 3)}× (${fixed(median(lat(1, 'off')))} ms vs ${fixed(median(lat(1, 'direct')))} ms)`,
      },
    ];
    return {
      title: '9. Real Odoo: the record cache (GET /api/v1/individuals/{id})',
      method:
        `Real Odoo 17 + OpenG2P, two gateway processes (cache on, with the change detector it needs; cache off), metrics served on both. ` +
        `The direct request is the gateway's own web_search_read, captured and replayed with the record id changed. ${ids.length} individuals read in turn; ` +
        `${rounds} interleaved rounds of ${roundMs / 1000} s per path at 1 and 32 connections, after the cache was filled. ` +
        `Mix: ${mixMs / 1000} s at 32 connections over the same individuals, ${NO_CACHE_SHARE * 100}% of requests with Cache-Control: no-cache, first as fast as the gateway without the cache answers, then at that same rate on the cached one; ` +
        `Odoo calls counted off each gateway's g2p_odoo_call_duration_seconds (the change detector's polls included: about 8 calls a second). ` +
        `Load average (1 min) ${fixed(loadBefore)} before, ${fixed(loadAfter)} after.`,
      tables: [latencyRows, mixRows],
      verdicts,
      notes: [
        `The demo registry holds far fewer than the issue's 100k records: the mix reads the ${ids.length} individuals there, all of them hot; the no-cache share stands for the cold reads.`,
        'Odoo answers every request with Connection: close (its werkzeug server), so each direct call and each gateway call to Odoo opens a new TCP connection; cached hits open none.',
      ],
    };
  } finally {
    for (const child of children) await child.stop();
  }
}
