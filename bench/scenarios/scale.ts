/**
 * Scenario 11 (`npm run bench -- --scale --pg URL`, real Odoo only): how the gateway's cost grows
 * with the registry. At each size (10k, 100k, 1M individuals, a quarter as many households) the
 * seed tool restores (or first builds) the registry, then every operation runs through the
 * gateway and as the very Odoo requests the gateway sent for it, replayed straight at Odoo, in
 * interleaved rounds of the same run (p50/p95 at one connection). Bulk operations (sync-feed
 * scan, compatibility list routes, OpenG2P's module) are timed once per size.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { loadavg } from 'node:os';
import { Pool } from 'undici';
import { createOdooConnection, type OdooClient, type OdooDomain } from '../../src/odoo/index.js';
import { ChangeDetector } from '../../src/events/detector.js';
import { eventsSettingsSchema } from '../../src/config/events.js';
import { MemoryEventStore } from '../../src/events/store.js';
import { captureOdooCalls } from '../capture.js';
import { startGatewayChild } from '../gateway-child.js';
import type { HttpRequestSpec } from '../load.js';
import { seedOrRestore } from '../seed/registry.js';
import { benchToken, fixed, movedCursor, mib, percentile, type BenchOdoo, type BenchOptions, type ScenarioReport, type Verdict } from '../support.js';

export interface ScaleSettings {
  /** Connection string of the real Odoo's PostgreSQL cluster (for the seed tool). */
  pg: string;
  sizes: number[];
}

interface Operation {
  name: string;
  /** Gateway requests, taken in turn (different records, so no answer is shared or cached). */
  requests: HttpRequestSpec[];
}

interface Measured {
  name: string;
  gateway: number[];
  direct: number[];
  odooCalls: number;
  failures: number;
}

interface SizeResult {
  size: number;
  how: 'restored' | 'seeded';
  prepareSeconds: number;
  operations: Measured[];
  feed: { records: number; seconds: number; rssGrowthMiB: number; pages: number };
  detector: { odooRequests: number; ms: number[] };
  bulk: Array<{ name: string; seconds: number | null; status: string; bytes: number; records: number | null }>;
  load: [number, number];
}

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
const cacheName = (n: number) => `g2p_scale_${label(n).toLowerCase()}`;
const SAMPLES = 8;
const FEED_LIMIT = 100_000;
// Past this the answer is recorded as missing: OpenG2P's module reads the whole registry in one Odoo request.
const bulkTimeoutMs = (size: number) => (size >= 1_000_000 ? 60_000 : 180_000);

export async function scaleScenario(options: BenchOptions, odoo: BenchOdoo, settings: ScaleSettings): Promise<ScenarioReport> {
  const results: SizeResult[] = [];
  for (const size of settings.sizes) results.push(await measureSize(options, odoo, settings.pg, size));
  return report(results);
}

async function measureSize(options: BenchOptions, odoo: BenchOdoo, pg: string, size: number): Promise<SizeResult> {
  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  const how = await seedOrRestore({ pg, odoo, individuals: size, households: Math.floor(size / 4), seed: 27, cache: cacheName(size), verify: 3 }, (message) =>
    console.log(`  [${label(size)}] ${message}`),
  );
  const prepareSeconds = (performance.now() - started) / 1000;
  const connection = createOdooConnection({ url: odoo.url, db: odoo.db, protocol: 'jsonrpc', timeoutMs: 300_000 });
  const admin = connection.as({ login: odoo.login, secret: odoo.password });
  const gateway = await startGatewayChild(odoo);
  try {
    const samples = await sampleRecords(admin);
    const operations = await operationsFor(gateway.origin, samples);
    const measured: Measured[] = [];
    for (const operation of operations) measured.push(await measureOperation(options, odoo, gateway.origin, operation));
    const detector = await idlePolls(admin);
    const feed = await scanFeed(gateway, size);
    const bulk = await bulkReads(gateway.origin, odoo, bulkTimeoutMs(size), !options.quick);
    return { size, how, prepareSeconds, operations: measured, feed, detector, bulk, load: [loadBefore, loadavg()[0]!] };
  } finally {
    await gateway.stop();
    await connection.close();
  }
}

interface Samples {
  individuals: number[];
  nationalIds: string[];
  groups: number[];
}

/** Active registrants spread over the whole id range, so no answer comes from a warm corner. */
async function sampleRecords(admin: OdooClient): Promise<Samples> {
  const spread = async (isGroup: boolean) => {
    const domain: OdooDomain = [
      ['is_registrant', '=', true],
      ['is_group', '=', isGroup],
    ];
    const [first] = await admin.search('res.partner', domain, { limit: 1, order: 'id asc' });
    const [last] = await admin.search('res.partner', domain, { limit: 1, order: 'id desc' });
    const candidates = Array.from({ length: SAMPLES * 3 }, (_, k) => Math.round(first! + ((last! - first!) * (k + 0.5)) / (SAMPLES * 3)));
    return (await admin.search('res.partner', [...domain, ['id', 'in', candidates]], { order: 'id asc' })).slice(0, SAMPLES);
  };
  const individuals = await spread(false);
  const regIds = await admin.searchRead(
    'g2p.reg.id',
    [
      ['partner_id', 'in', individuals],
      ['id_type.name', '=', 'National ID'],
    ],
    ['value'],
  );
  return { individuals, nationalIds: regIds.map((r) => r.value as string), groups: await spread(true) };
}

async function operationsFor(origin: string, samples: Samples): Promise<Operation[]> {
  const headers = { authorization: `Bearer ${benchToken()}` };
  const get = (path: string): HttpRequestSpec => ({ method: 'GET', path, headers });
  // A page deep into the registry: the first page's own cursor, moved (and re-signed) to start after a record in the middle.
  const firstPage = (await (await fetch(`${origin}/api/v1/individuals?limit=50`, { headers })).json()) as { next_cursor: string | null };
  const deepCursors = samples.individuals.map((id) => movedCursor(firstPage.next_cursor!, id));
  return [
    { name: 'GET /individuals/{id}', requests: samples.individuals.map((id) => get(`/api/v1/individuals/${id}`)) },
    { name: 'GET /individuals/by-reg-id (National ID)', requests: samples.nationalIds.map((v) => get(`/api/v1/individuals/by-reg-id/National%20ID/${v}`)) },
    { name: 'list, first page of 50 with total', requests: [get('/api/v1/individuals?limit=50')] },
    { name: 'list, page of 50 deep into a cursor', requests: deepCursors.map((c) => get(`/api/v1/individuals?limit=50&cursor=${c}`)) },
    {
      name: 'list, name contains (first page, total)',
      requests: ['mwangi', 'diallo', 'peña', 'kofi'].map((n) => get(`/api/v1/individuals?limit=50&name=${encodeURIComponent(n)}`)),
    },
    {
      name: 'list, birth-date range of a year (first page, total)',
      requests: [1961, 1975, 1988, 2010].map((y) => get(`/api/v1/individuals?limit=50&birthdate_from=${y}-01-01&birthdate_to=${y}-12-31`)),
    },
    {
      name: 'list, gender (first page, total)',
      requests: [get('/api/v1/individuals?limit=50&gender=Female'), get('/api/v1/individuals?limit=50&gender=Male')],
    },
    { name: 'GET /groups/{id}/members', requests: samples.groups.map((id) => get(`/api/v1/groups/${id}/members`)) },
    { name: 'GET /groups/{id}', requests: samples.groups.map((id) => get(`/api/v1/groups/${id}`)) },
  ];
}

/** Milliseconds per sequence: each sample sends its requests one after the other, as the gateway did. */
async function timeSequences(
  origin: string,
  sequences: HttpRequestSpec[][],
  durationMs: number,
  minimum: number,
): Promise<{ latencies: number[]; failures: number }> {
  const pool = new Pool(origin, { connections: 1, pipelining: 1 });
  const latencies: number[] = [];
  let failures = 0;
  const deadline = performance.now() + durationMs;
  try {
    for (let k = 0; performance.now() < deadline || latencies.length + failures < minimum; k++) {
      const sequence = sequences[k % sequences.length]!;
      const sent = performance.now();
      let ok = true;
      for (const spec of sequence) {
        const response = await pool.request({ path: spec.path, method: spec.method, headers: spec.headers, body: spec.body });
        await response.body.arrayBuffer();
        if (response.statusCode >= 300) ok = false;
      }
      if (ok) latencies.push(performance.now() - sent);
      else failures++;
    }
  } finally {
    await pool.close();
  }
  return { latencies, failures };
}

async function measureOperation(options: BenchOptions, odoo: BenchOdoo, origin: string, operation: Operation): Promise<Measured> {
  const direct: HttpRequestSpec[][] = [];
  for (const request of operation.requests) direct.push(await captureOdooCalls(odoo, request));
  const rounds = options.quick ? 2 : 3;
  const roundMs = options.quick ? 1000 : 2500;
  const out: Measured = { name: operation.name, gateway: [], direct: [], odooCalls: Math.max(...direct.map((d) => d.length)), failures: 0 };
  await timeSequences(
    origin,
    operation.requests.map((r) => [r]),
    0,
    operation.requests.length,
  );
  for (let round = 0; round < rounds; round++) {
    const viaGateway = await timeSequences(
      origin,
      operation.requests.map((r) => [r]),
      roundMs,
      5,
    );
    const straight = await timeSequences(odoo.url, direct, roundMs, 5);
    out.gateway.push(...viaGateway.latencies);
    out.direct.push(...straight.latencies);
    out.failures += viaGateway.failures + straight.failures;
  }
  console.log(`    ${operation.name}: gateway p50 ${fixed(percentile(out.gateway, 50))} ms, direct p50 ${fixed(percentile(out.direct, 50))} ms`);
  return out;
}

/**
 * The change detector with nothing to report: its first poll places it at the end of the feeds,
 * later ones find nothing. HTTP requests to Odoo counted per idle poll, and each poll's time.
 */
async function idlePolls(admin: OdooClient): Promise<SizeResult['detector']> {
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const detector = new ChangeDetector({
    settings: eventsSettingsSchema.parse({ enabled: true }),
    store: new MemoryEventStore(1000),
    odoo: () => admin,
    settleMs: 2000,
    customFields: [],
    log: silent,
  });
  await detector.poll();
  let requests = 0;
  const count = () => {
    requests++;
  };
  const ms: number[] = [];
  subscribe('undici:request:create', count);
  try {
    for (let k = 0; k < 5; k++) {
      const started = performance.now();
      await detector.poll();
      ms.push(performance.now() - started);
    }
  } finally {
    unsubscribe('undici:request:create', count);
    await detector.stop();
  }
  console.log(`    change detector, idle poll: ${requests / 5} Odoo requests, p50 ${fixed(percentile(ms, 50))} ms`);
  return { odooRequests: requests / 5, ms };
}

/** The sync feed (sort=updated_at) walked from the start at the largest page, up to FEED_LIMIT records. */
async function scanFeed(gateway: Awaited<ReturnType<typeof startGatewayChild>>, size: number): Promise<SizeResult['feed']> {
  const headers = { authorization: `Bearer ${benchToken()}` };
  const before = await gateway.usage(true);
  let cursor: string | null = null;
  let records = 0;
  let pages = 0;
  let peakRss = before.memory.rss;
  const started = performance.now();
  do {
    const query: string = `/api/v1/individuals?sort=updated_at&limit=500${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await fetch(`${gateway.origin}${query}`, { headers });
    if (response.status !== 200) throw new Error(`the sync feed answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    const page = (await response.json()) as { items: unknown[]; next_cursor: string | null };
    records += page.items.length;
    pages++;
    cursor = page.next_cursor;
    if (pages % 20 === 0) peakRss = Math.max(peakRss, (await gateway.usage()).memory.rss);
  } while (cursor && records < Math.min(size, FEED_LIMIT));
  const seconds = (performance.now() - started) / 1000;
  peakRss = Math.max(peakRss, (await gateway.usage()).memory.rss);
  return { records, seconds, pages, rssGrowthMiB: Number(mib(peakRss - before.memory.rss)) };
}

/** The compatibility list routes through the gateway and OpenG2P's module on the same routes, once each. */
async function bulkReads(origin: string, odoo: BenchOdoo, timeoutMs: number, withModule: boolean): Promise<SizeResult['bulk']> {
  const bearer = { authorization: `Bearer ${benchToken()}` };
  const basic = { authorization: `Basic ${Buffer.from(`${odoo.login}:${odoo.password}`).toString('base64')}` };
  const out: SizeResult['bulk'] = [];
  for (const [name, url, headers] of [
    ['gateway GET /api/v1/registry/individual', `${origin}/api/v1/registry/individual`, bearer],
    ['gateway GET /api/v1/registry/group', `${origin}/api/v1/registry/group`, bearer],
    ["OpenG2P's module GET /api/v1/registry/individual", `${odoo.url}/api/v1/registry/individual`, basic],
    ["OpenG2P's module GET /api/v1/registry/group", `${odoo.url}/api/v1/registry/group`, basic],
  ] as const) {
    // --quick leaves OpenG2P's module out: it reads the whole registry in one Odoo request, minutes at 1M, and goes on after the client gives up.
    if (!withModule && url.startsWith(odoo.url)) continue;
    const started = performance.now();
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      const body = await response.text();
      let records: number | null = null;
      try {
        const parsed = JSON.parse(body) as unknown;
        records = Array.isArray(parsed) ? parsed.length : null;
      } catch {
        /* the status says it */
      }
      out.push({ name, seconds: (performance.now() - started) / 1000, status: String(response.status), bytes: Buffer.byteLength(body), records });
    } catch (err) {
      out.push({
        name,
        seconds: null,
        status: err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : String(err),
        bytes: 0,
        records: null,
      });
    }
    console.log(`    ${name}: ${out.at(-1)!.status} in ${out.at(-1)!.seconds === null ? '-' : fixed(out.at(-1)!.seconds!, 1)} s`);
  }
  return out;
}

function report(results: SizeResult[]): ScenarioReport {
  const sizes = results.map((r) => label(r.size));
  const p = (samples: number[], q: number) => fixed(percentile(samples, q), 1);
  const latency = [
    ['operation', 'Odoo calls', ...results.flatMap((r) => [`${label(r.size)} gateway p50 / p95 ms`, `${label(r.size)} direct p50 / p95 ms`])],
    ...results[0]!.operations.map((op, index) => [
      op.name,
      String(op.odooCalls),
      ...results.flatMap((r) => {
        const m = r.operations[index]!;
        return [`${p(m.gateway, 50)} / ${p(m.gateway, 95)}${m.failures ? ` (${m.failures} failed)` : ''}`, `${p(m.direct, 50)} / ${p(m.direct, 95)}`];
      }),
    ]),
  ];
  const feed = [
    ['size', 'records scanned', 'pages', 'records/s', 'gateway RSS growth MiB'],
    ...results.map((r) => [
      label(r.size),
      String(r.feed.records),
      String(r.feed.pages),
      fixed(r.feed.records / r.feed.seconds, 0),
      fixed(r.feed.rssGrowthMiB, 1),
    ]),
  ];
  const detector = [
    ['size', 'Odoo requests per idle poll (3 feeds)', 'poll p50 ms', 'poll max ms'],
    ...results.map((r) => [label(r.size), fixed(r.detector.odooRequests, 1), fixed(percentile(r.detector.ms, 50), 1), fixed(Math.max(...r.detector.ms), 1)]),
  ];
  const bulk = [
    ['size', 'route', 'status', 'seconds', 'records', 'MB'],
    ...results.flatMap((r) =>
      r.bulk.map((b) => [
        label(r.size),
        b.name,
        b.status,
        b.seconds === null ? '-' : fixed(b.seconds, 1),
        b.records === null ? '-' : String(b.records),
        fixed(b.bytes / 1e6, 1),
      ]),
    ),
  ];
  const prepare = [
    ['size', 'registry', 'seconds', 'load average (1 min) before / after'],
    ...results.map((r) => [
      label(r.size),
      r.how === 'restored' ? 'restored from its template database' : 'seeded (and kept)',
      fixed(r.prepareSeconds, 1),
      `${fixed(r.load[0])} / ${fixed(r.load[1])}`,
    ]),
  ];
  const smallest = results[0]!;
  const largest = results.at(-1)!;
  const ratio = (name: string) => {
    const at = (r: SizeResult) => percentile(r.operations.find((o) => o.name === name)!.gateway, 50);
    return at(largest) / at(smallest);
  };
  const verdicts: Verdict[] =
    results.length < 2
      ? []
      : [
          {
            target: `scale: GET by id at ${label(largest.size)} within 1.5× of ${label(smallest.size)} (p50)`,
            met: ratio('GET /individuals/{id}') <= 1.5,
            evidence: `${fixed(ratio('GET /individuals/{id}'))}×`,
          },
          {
            target: `scale: GET by national ID at ${label(largest.size)} within 1.5× of ${label(smallest.size)} (p50)`,
            met: ratio('GET /individuals/by-reg-id (National ID)') <= 1.5,
            evidence: `${fixed(ratio('GET /individuals/by-reg-id (National ID)'))}×`,
          },
          ...largest.operations
            .filter((o) => o.name.startsWith('list'))
            .map((o) => ({
              target: `scale: ${o.name} at ${label(largest.size)} within 2× of ${label(smallest.size)} (p50)`,
              met: ratio(o.name) <= 2,
              evidence: `${fixed(ratio(o.name))}×`,
            })),
          {
            target: `scale: first page with total ≤ 300 ms p50 at ${label(largest.size)}`,
            met: percentile(largest.operations.find((o) => o.name.startsWith('list, first page'))!.gateway, 50) <= 300,
            evidence: `${p(largest.operations.find((o) => o.name.startsWith('list, first page'))!.gateway, 50)} ms`,
          },
          {
            target: `scale: change detector idle poll ≤ 1 Odoo call per model (3), each < 50 ms, at ${label(largest.size)}`,
            met: largest.detector.odooRequests <= 3 && percentile(largest.detector.ms, 50) / 3 < 50,
            evidence: `${fixed(largest.detector.odooRequests, 1)} requests, ${fixed(percentile(largest.detector.ms, 50), 1)} ms per poll`,
          },
          {
            target: `scale: sync-feed scan ≥ 5,000 records/s at ${label(largest.size)}`,
            met: largest.feed.records / largest.feed.seconds >= 5000,
            evidence: `${fixed(largest.feed.records / largest.feed.seconds, 0)} records/s`,
          },
          {
            target: `scale: sync-feed scan grows the gateway's RSS by < 50 MB at ${label(largest.size)}`,
            met: largest.feed.rssGrowthMiB < 50,
            evidence: `${fixed(largest.feed.rssGrowthMiB, 1)} MiB`,
          },
        ];
  return {
    title: `11. Scale: ${sizes.join(', ')} individuals on the real Odoo, through the gateway and the same Odoo calls direct`,
    method:
      `Registries built by \`npm run seed\` (a quarter as many households as individuals) and restored from their template databases. Per operation, ${SAMPLES} records spread over the id range taken in turn; ` +
      'the direct side replays, straight at Odoo over the same session, every request the gateway sent for the same API call (captured from undici), one after the other. ' +
      "Gateway and direct alternate in rounds of 2.5 s at one connection. The feed scan walks `sort=updated_at` at 500 a page (up to 100,000 records); bulk routes run once, with a 180 s limit (60 s at 1M; OpenG2P's module left out with --quick).",
    tables: [prepare, latency, feed, detector, bulk],
    verdicts,
    notes: [
      "The machine has 2 cores shared with four other engineers' runs: absolute figures move with their load (see the load averages); the ratios compare the two sides measured in the same rounds.",
      "District is not a filter of the gateway's API (OpenG2P's `district` is not mapped), so it is not measured.",
    ],
  };
}
