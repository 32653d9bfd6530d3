/**
 * Scenario 4, writes: 1,000 individuals with an ID and a phone each, created by one
 * POST /individuals/batch against 1,000 POST /individuals one after the other.
 */
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { startGatewayChild } from '../gateway-child.js';
import { benchToken, fixed, type BenchOptions, type ScenarioReport } from '../support.js';

const COUNT = 1000;
const BATCH_REPEATS = 3;

export async function writesScenario(options: BenchOptions): Promise<ScenarioReport> {
  const count = options.quick ? 200 : COUNT;
  const sim = await startSimulator({ households: 50, seed: 4 });
  const gateway = await startGatewayChild(sim.url);
  let serial = 0;
  const person = () => {
    serial++;
    return {
      given_name: `Writer ${serial}`,
      family_name: 'Bench',
      gender: 'Female',
      birthdate: '1990-05-17',
      reg_ids: [{ id_type: 'National ID', value: `BENCH${String(serial).padStart(8, '0')}` }],
      phone_numbers: [{ phone_no: `+2547${String(10_000_000 + serial).slice(-8)}` }],
    };
  };
  const headers = { authorization: `Bearer ${benchToken()}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown, expected: number) => {
    const response = await fetch(`${gateway.origin}/api/v1${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    const items = (JSON.parse(text) as { items?: unknown[] }).items;
    if (expected > 1 && items?.length !== expected) throw new Error(`POST ${path} returned ${items?.length} items, not ${expected}`);
  };
  try {
    // Warm-up: login, reference data caches, JIT, on both paths.
    await post('/individuals/batch', { items: [person(), person()] }, 2);
    for (let i = 0; i < 20; i++) await post('/individuals', person(), 1);

    const batchRuns: Array<{ ms: number; calls: number }> = [];
    for (let run = 0; run < BATCH_REPEATS; run++) {
      const body = { items: Array.from({ length: count }, person) };
      batchRuns.push(await timed(sim, () => post('/individuals/batch', body, count)));
    }
    batchRuns.sort((a, b) => a.ms - b.ms);
    const batch = batchRuns[Math.floor(batchRuns.length / 2)]!;
    const bodies = Array.from({ length: count }, person);
    const singles = await timed(sim, async () => {
      for (const body of bodies) await post('/individuals', body, 1);
    });

    const ratio = singles.ms / batch.ms;
    return {
      title: `4. Writes: batch create of ${count} individuals vs ${count} single creates`,
      method:
        `Gateway in its own process, simulator (50 households) in the bench process; each individual has a National ID and a phone. ` +
        `Batch: median of ${BATCH_REPEATS} requests of ${count}; singles: ${count} requests one after the other over one keep-alive client. Odoo calls from the simulator's log.`,
      tables: [
        [
          ['path', 'requests', 'wall ms', 'ms per individual', 'Odoo calls'],
          [`POST /individuals/batch (${count} items)`, '1', fixed(batch.ms, 0), fixed(batch.ms / count, 3), String(batch.calls)],
          [`POST /individuals × ${count}`, String(count), fixed(singles.ms, 0), fixed(singles.ms / count, 3), String(singles.calls)],
          ['**singles ÷ batch**', '', `**${fixed(ratio, 1)}×**`, '', `**${fixed(singles.calls / batch.calls, 0)}×**`],
        ],
      ],
      verdicts: [
        {
          target: 'batch uses a constant number of Odoo calls (one create + one read back)',
          met: batch.calls <= 2,
          evidence: `${batch.calls} calls for ${count} individuals`,
        },
        { target: 'batch is faster than single creates', met: ratio > 1, evidence: `singles take ${fixed(ratio, 1)}× the batch's wall time` },
      ],
    };
  } finally {
    await gateway.stop();
    await sim.close();
  }
}

async function timed(sim: RunningSimulator, step: () => Promise<void>): Promise<{ ms: number; calls: number }> {
  sim.resetCalls();
  const started = performance.now();
  await step();
  const ms = performance.now() - started;
  return { ms, calls: sim.calls.filter((c) => c.service === 'object' || c.protocol === 'call_kw').length };
}
