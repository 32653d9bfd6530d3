/**
 * Scenario 6, replicas: read throughput of one gateway process against three sharing one
 * Redis, in front of one simulator; and what Redis adds to the two requests that use it most
 * (a keyed create: claim, fence and settle the key; a PATCH: acquire, fence and release the
 * record's lease), against the in-memory store measured in the same run.
 */
import { startRedis, type RedisServer } from '../../test/support/redis.js';
import { createOdooConnection } from '../../src/odoo/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { startGatewayChild, type GatewayChild } from '../gateway-child.js';
import { requestsPerSecond, undiciLoop, type LoadResult } from '../load.js';
import { benchToken, fixed, percentile, SIM_ADMIN, SIM_DB, sleep, type BenchOptions, type ScenarioReport } from '../support.js';

const CONNECTIONS = 24;
/** Per Odoo call, in the second throughput run: about what a real Odoo takes to answer a read. */
const ODOO_LATENCY_MS = 20;
/** Enough connections to keep three replicas' Odoo concurrency (3 × 16) busy. */
const SLOW_CONNECTIONS = 96;

export async function replicasScenario(options: BenchOptions): Promise<ScenarioReport> {
  const durationMs = options.quick ? 2_000 : 8_000;
  const sequential = options.quick ? 100 : 400;
  const redis = await startRedis();
  const sim = await startSimulator({ households: 200, seed: 6 });
  const children: GatewayChild[] = [];
  const start = async (redisUrl?: string) => {
    const child = await startGatewayChild(sim.url, redisUrl);
    children.push(child);
    if (redisUrl) await sharedStateUp(child.origin);
    return child;
  };
  const headers = { authorization: `Bearer ${benchToken()}`, 'content-type': 'application/json' };
  try {
    const connection = createOdooConnection({ url: sim.url, db: SIM_DB, protocol: 'jsonrpc' });
    const ids = await connection.as(SIM_ADMIN).search(
      'res.partner',
      [
        ['is_registrant', '=', true],
        ['is_group', '=', false],
      ],
      { limit: 50, order: 'id asc' },
    );
    await connection.close();
    const readPath = (i: number) => `/api/v1/individuals/${ids[i % ids.length]}`;

    // Throughput: one replica, then three (one Redis), same total connections, spread evenly.
    const throughput = async (origins: string[], connections: number): Promise<LoadResult> => {
      const each = Math.max(1, Math.floor(connections / origins.length));
      await Promise.all(origins.map((origin, i) => undiciLoop(origin, { method: 'GET', path: readPath(i), headers }, each, 500)));
      const results = await Promise.all(origins.map((origin, i) => undiciLoop(origin, { method: 'GET', path: readPath(i), headers }, each, durationMs)));
      return {
        latencies: results.flatMap((r) => r.latencies),
        requests: results.reduce((n, r) => n + r.requests, 0),
        failures: results.reduce((n, r) => n + r.failures, 0),
        elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
        bytes: results.reduce((n, r) => n + r.bytes, 0),
      };
    };
    const [first, second, third] = [await start(redis.url), await start(redis.url), await start(redis.url)];
    const one = await throughput([first!.origin], CONNECTIONS);
    const three = await throughput([first!.origin, second!.origin, third!.origin], CONNECTIONS);
    // A real Odoo answers in tens of ms, not the simulator's fraction of one: with that latency
    // a replica is bounded by its own Odoo concurrency (odoo.maxConcurrent, 16) and more
    // replicas add Odoo capacity until Odoo itself is saturated.
    sim.faults.addLatency(ODOO_LATENCY_MS);
    const oneSlow = await throughput([first!.origin], SLOW_CONNECTIONS);
    const threeSlow = await throughput([first!.origin, second!.origin, third!.origin], SLOW_CONNECTIONS);
    await sim.faults.clear();
    for (const child of children.splice(0)) await child.stop();

    // Redis's cost per request: the same sequential requests on one gateway with each store.
    const costs = async (gateway: GatewayChild, tag: string) => {
      const create = async (i: number) => {
        const response = await fetch(`${gateway.origin}/api/v1/individuals`, {
          method: 'POST',
          headers: { ...headers, 'idempotency-key': `bench-${tag}-${i}` },
          body: JSON.stringify({ given_name: `Keyed ${tag} ${i}`, family_name: 'Bench' }),
        });
        if (response.status !== 201) throw new Error(`keyed create answered ${response.status}: ${await response.text()}`);
        return ((await response.json()) as { id: number }).id;
      };
      const target = await create(-1);
      const patch = async (i: number) => {
        const response = await fetch(`${gateway.origin}/api/v1/individuals/${target}`, {
          method: 'PATCH',
          headers,
          body: JSON.stringify({ occupation: `job ${i}` }),
        });
        if (response.status !== 200) throw new Error(`PATCH answered ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
      };
      for (let i = 0; i < 20; i++) await patch(i); // warm-up (JIT, connections, caches)
      const createMs: number[] = [];
      const patchMs: number[] = [];
      for (let i = 0; i < sequential; i++) {
        let started = performance.now();
        await create(i);
        createMs.push(performance.now() - started);
        started = performance.now();
        await patch(i);
        patchMs.push(performance.now() - started);
      }
      return { createMs, patchMs };
    };
    const memory = await costs(await start(), 'memory');
    const shared = await costs(await start(redis.url), 'redis');

    const p50 = (xs: number[]) => percentile(xs, 50);
    const p95 = (xs: number[]) => percentile(xs, 95);
    const scaling = requestsPerSecond(three) / requestsPerSecond(one);
    const slowScaling = requestsPerSecond(threeSlow) / requestsPerSecond(oneSlow);
    const createRatio = p50(shared.createMs) / p50(memory.createMs);
    const patchRatio = p50(shared.patchMs) / p50(memory.patchMs);
    const row = (label: string, xs: number[], base: number[]) => [
      label,
      fixed(p50(xs), 2),
      fixed(p95(xs), 2),
      `${fixed(p50(xs) - p50(base), 2)}`,
      `${fixed(p50(xs) / p50(base), 2)}×`,
    ];
    return {
      title: '6. Replicas: throughput with one and three gateway processes; what Redis adds to a keyed create and a PATCH',
      method:
        `Gateways in their own processes, one simulator (200 households) and the load generator in the bench process, one redis-server (no persistence). ` +
        `Throughput: GET /individuals/{id}, ${CONNECTIONS} connections in all (split evenly over the replicas), ${durationMs / 1000} s after a 0.5 s warm-up; ` +
        `then again with the simulator answering each call ${ODOO_LATENCY_MS} ms later (as a real Odoo does) on ${SLOW_CONNECTIONS} connections. ` +
        `Redis cost: ${sequential} keyed POST /individuals and ${sequential} PATCH /individuals/{id} one after the other on one gateway, with the in-memory store then with Redis, in the same run.`,
      tables: [
        [
          ['replicas (shared Redis)', 'requests/s', 'p50 ms', 'p95 ms', 'failures'],
          ['1', fixed(requestsPerSecond(one), 0), fixed(percentile(one.latencies, 50), 2), fixed(percentile(one.latencies, 95), 2), String(one.failures)],
          [
            '3',
            fixed(requestsPerSecond(three), 0),
            fixed(percentile(three.latencies, 50), 2),
            fixed(percentile(three.latencies, 95), 2),
            String(three.failures),
          ],
          ['**3 ÷ 1**', `**${fixed(scaling, 2)}×**`, '', '', ''],
        ],
        [
          [`replicas, Odoo answering in +${ODOO_LATENCY_MS} ms a call`, 'requests/s', 'p50 ms', 'p95 ms', 'failures'],
          [
            '1',
            fixed(requestsPerSecond(oneSlow), 0),
            fixed(percentile(oneSlow.latencies, 50), 2),
            fixed(percentile(oneSlow.latencies, 95), 2),
            String(oneSlow.failures),
          ],
          [
            '3',
            fixed(requestsPerSecond(threeSlow), 0),
            fixed(percentile(threeSlow.latencies, 50), 2),
            fixed(percentile(threeSlow.latencies, 95), 2),
            String(threeSlow.failures),
          ],
          ['**3 ÷ 1**', `**${fixed(slowScaling, 2)}×**`, '', '', ''],
        ],
        [
          ['request, store', 'p50 ms', 'p95 ms', 'added p50 ms', 'p50 ÷ memory'],
          row('keyed POST /individuals, memory', memory.createMs, memory.createMs),
          row('keyed POST /individuals, Redis', shared.createMs, memory.createMs),
          row('PATCH /individuals/{id}, memory', memory.patchMs, memory.patchMs),
          row('PATCH /individuals/{id}, Redis', shared.patchMs, memory.patchMs),
        ],
      ],
      verdicts: [
        {
          target: `with an Odoo as slow as a real one (+${ODOO_LATENCY_MS} ms a call), where a replica is bound by its Odoo concurrency, three replicas serve clearly more than one (> 1.2×)`,
          met: slowScaling > 1.2,
          evidence: `${fixed(slowScaling, 2)}× on ${SLOW_CONNECTIONS} connections; against the bare simulator (CPU-bound, sharing two cores with everything else) ${fixed(scaling, 2)}×`,
        },
        {
          target: 'Redis adds little to a keyed create (three round trips)',
          met: createRatio < 1.5,
          evidence: `p50 ${fixed(createRatio, 2)}× the in-memory store's (+${fixed(p50(shared.createMs) - p50(memory.createMs), 2)} ms)`,
        },
        {
          target: 'Redis adds little to a PATCH (three round trips)',
          met: patchRatio < 1.5,
          evidence: `p50 ${fixed(patchRatio, 2)}× the in-memory store's (+${fixed(p50(shared.patchMs) - p50(memory.patchMs), 2)} ms)`,
        },
      ],
      notes: [
        'On a 2-core machine the three gateway processes, the simulator and the load generator share two cores: scaling stops where the cores (or the simulator) are saturated, not where the gateway is. ' +
          'With one replica per core (as Kubernetes schedules them) and a real Odoo, the bound is Odoo: each replica adds odoo.maxConcurrent calls in flight.',
      ],
    };
  } finally {
    for (const child of children) await child.stop();
    await sim.close();
    await stopQuietly(redis);
  }
}

async function sharedStateUp(origin: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const body = (await (await fetch(`${origin}/readyz`)).json()) as { shared_state?: string };
    if (body.shared_state === 'up') return;
    await sleep(50);
  }
  throw new Error(`${origin}: Redis not connected`);
}

async function stopQuietly(redis: RedisServer): Promise<void> {
  await redis.stop().catch(() => undefined);
}
