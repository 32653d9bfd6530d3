/**
 * Scenario 11 (`npm run bench -- --scale --pg URL`, real Odoo only): how the gateway's cost grows
 * with the registry. At each size (10k, 100k, 1M individuals, a quarter as many households) the
 * seed tool restores (or first builds) the registry, then every operation runs through the
 * gateway and as the very Odoo requests the gateway sent for it, replayed straight at Odoo, in
 * interleaved rounds of the same run (p50/p95 at one connection). Bulk operations (sync-feed
 * scan, compatibility list routes, OpenG2P's module) are timed once per size.
 */
import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { Pool, request as undiciRequest } from 'undici';
import { createOdooConnection, type OdooClient, type OdooDomain } from '../../src/odoo/index.js';
import { ChangeDetector } from '../../src/events/detector.js';
import { eventsSettingsSchema } from '../../src/config/events.js';
import { MemoryEventStore } from '../../src/events/store.js';
import { captureOdooCalls } from '../capture.js';
import { startGatewayChild } from '../gateway-child.js';
import type { HttpRequestSpec } from '../load.js';
import { saveTemplate, seedOrRestore, templateExists } from '../seed/registry.js';
import {
  benchToken,
  fixed,
  movedCursor,
  mib,
  percentile,
  type BenchOdoo,
  type BenchOptions,
  type BenchSections,
  type ScenarioReport,
  type Verdict,
} from '../support.js';
import type { GatewayChild } from '../gateway-child.js';

export interface ScaleSettings {
  /** Connection string of the real Odoo's PostgreSQL cluster (for the seed tool). */
  pg: string;
  sizes: number[];
  /** With the indexes docs/scale.md gives (built once per size, then kept as their own template database). */
  indexes: boolean;
}

/** A request, or a maker of a fresh one per call (a DCI message_id may be sent once only). */
type RequestSource = HttpRequestSpec | (() => HttpRequestSpec);
const specOf = (source: RequestSource): HttpRequestSpec => (typeof source === 'function' ? source() : source);

interface Operation {
  name: string;
  /** Gateway requests, taken in turn (different records, so no answer is shared or cached). */
  requests: RequestSource[];
  /** Why an answer (2xx) is not the one measured: a DCI search answers its rejections with 200. */
  refusal?: (body: string) => string | undefined;
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
  feed: { records: number; seconds: number; rssGrowthMiB: number; pages: number; directPageMs: number };
  exported: Streamed & { directBatchMs: number };
  detector: { odooRequests: number; ms: number[] };
  bulk: Array<{ name: string } & Streamed>;
  load: [number, number];
}

/** A streamed answer read to its end, or cut at a record limit or a time limit. */
interface Streamed {
  status: string;
  /** Seconds to the first byte of the body, and to the end (or the cut). */
  firstByteSeconds: number | null;
  seconds: number;
  bytes: number;
  records: number;
  /** Why reading stopped before the end: `limit` (enough records) or `timeout`; null when the answer was read whole. */
  cut: 'limit' | 'timeout' | null;
  /** The gateway's RSS growth while it streamed (peak minus before), when measured. */
  rssGrowthMiB?: number;
  /** The same, by the time half the records (or half the time limit) had passed: flat memory means little more by the end. */
  rssGrowthAtHalfMiB?: number;
}

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
const cacheName = (n: number) => `g2p_scale_${label(n).toLowerCase()}`;
const SAMPLES = 8;
const FEED_LIMIT = 100_000;
// The gateway streams the compatibility lists: read for up to this long, then cut (records, bytes and rate so far are reported).
const gatewayBulkTimeoutMs = (size: number) => (size >= 1_000_000 ? 120_000 : 180_000);
// OpenG2P's module reads the whole registry in one Odoo request and writes nothing before it has it all: past this, "no answer".
const moduleTimeoutMs = (size: number) => (size >= 1_000_000 ? 60_000 : 180_000);

/** A custom endpoint for the aggregate operation: config/endpoints.example.yaml's dashboard. */
const SECTIONS: BenchSections = {
  endpoints: [
    {
      path: '/custom/stats/individuals-by-gender-and-age',
      kind: 'aggregate',
      summary: 'Individuals per gender and age band',
      roles: ['Rest API GET'],
      target: 'individuals',
      params: [{ name: 'district', field: 'district.name', op: 'eq' }],
      groupBy: ['gender', { field: 'birthdate', ageBands: [0, 18, 60], as: 'age_band' }],
      measures: ['count', { sum: 'income' }],
    },
  ],
};
const DISTRICTS = ['Nairobi Central', 'Kisumu East', 'Mombasa Island', 'Nakuru West', 'Garissa', 'Turkana South'];

export async function scaleScenario(options: BenchOptions, odoo: BenchOdoo, settings: ScaleSettings): Promise<ScenarioReport> {
  const results: SizeResult[] = [];
  for (const size of settings.sizes) results.push(await measureSize(options, odoo, settings, size));
  return report(results, settings.indexes);
}

async function measureSize(options: BenchOptions, odoo: BenchOdoo, settings: ScaleSettings, size: number): Promise<SizeResult> {
  const loadBefore = loadavg()[0]!;
  const started = performance.now();
  const how = await prepareRegistry(odoo, settings, size);
  const prepareSeconds = (performance.now() - started) / 1000;
  const connection = createOdooConnection({ url: odoo.url, db: odoo.db, protocol: 'jsonrpc', timeoutMs: 300_000 });
  const admin = connection.as({ login: odoo.login, secret: odoo.password });
  const gateway = await startGatewayChild(odoo, undefined, SECTIONS);
  try {
    const samples = await sampleRecords(admin);
    const operations = await operationsFor(gateway.origin, samples);
    const measured: Measured[] = [];
    for (const operation of operations) measured.push(await measureOperation(options, odoo, gateway.origin, operation));
    const detector = await idlePolls(admin);
    const feed = await scanFeed(gateway, odoo, size);
    console.log(
      `    sync feed: ${feed.records} records in ${fixed(feed.seconds, 1)} s, RSS +${fixed(feed.rssGrowthMiB, 1)} MiB; a page of 500 direct ${fixed(feed.directPageMs, 0)} ms`,
    );
    const exported = await scanExport(gateway, odoo, size, samples.individuals[Math.floor(samples.individuals.length / 2)]!);
    const bulk = await bulkReads(gateway, odoo, size, !options.quick);
    return { size, how, prepareSeconds, operations: measured, feed, exported, detector, bulk, load: [loadBefore, loadavg()[0]!] };
  } finally {
    await gateway.stop();
    await connection.close();
  }
}

/**
 * The seeded registry of this size, restored from its template database (seeded the first
 * time). With `indexes`, the same registry with docs/scale.md's indexes, kept as a template of
 * its own once built (building the trigram index at 1M takes about half a minute).
 */
async function prepareRegistry(odoo: BenchOdoo, settings: ScaleSettings, size: number): Promise<'restored' | 'seeded'> {
  const log = (message: string) => console.log(`  [${label(size)}] ${message}`);
  const seed = (cache: string) =>
    seedOrRestore({ pg: settings.pg, odoo, individuals: size, households: Math.floor(size / 4), seed: 27, cache, verify: 3 }, log);
  const indexed = `${cacheName(size)}_indexed`;
  if (!settings.indexes) return seed(cacheName(size));
  if (await templateExists(settings.pg, indexed)) return seed(indexed);
  const how = await seed(cacheName(size));
  const client = new pg.Client({ ...parseIntoClientConfig(settings.pg), database: odoo.db });
  await client.connect();
  try {
    for (const statement of documentedIndexes()) {
      const started = performance.now();
      await client.query(statement);
      log(`${statement.replace(/\s+/g, ' ').slice(0, 90)}: ${fixed((performance.now() - started) / 1000, 1)} s`);
    }
  } finally {
    await client.end();
  }
  log(`saving it as the template database ${indexed}`);
  await saveTemplate(settings.pg, odoo.db, indexed);
  return how;
}

/** The statements of docs/scale.md's SQL blocks, so the bench measures exactly what operators are told to run. */
export function documentedIndexes(): string[] {
  const doc = readFileSync(new URL('../../docs/scale.md', import.meta.url), 'utf8');
  return [...doc.matchAll(/```sql\n([\s\S]*?)```/g)]
    .flatMap((block) => block[1]!.replace(/--.*$/gm, '').split(';'))
    .map((statement) => statement.trim())
    .filter(Boolean);
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
    {
      name: 'DCI sync search, by National ID (idtype-value)',
      requests: samples.nationalIds.map((value) => dciSearch({ query_type: 'idtype-value', response_entity: 'Member', query: { type: 'NID', value } })),
      refusal: dciRefusal,
    },
    {
      name: 'DCI sync search, expression (sex and a birth month)',
      requests: ['1961-03', '1975-07', '1988-11', '2010-05'].map((month) =>
        dciSearch({
          query_type: 'expression',
          response_entity: 'Member',
          query: {
            type: 'ns:org:QueryType:NoSql',
            value: {
              expression: {
                collection: 'Member',
                query: { $and: [{ sex: { $eq: 'female' } }, { birth_date: { $gte: `${month}-01` } }, { birth_date: { $lte: `${month}-28` } }] },
              },
            },
          },
          pagination: { page_size: 20, page_number: 1 },
        }),
      ),
      refusal: dciRefusal,
    },
    {
      name: 'DCI sync search, predicate (surname and a birth year)',
      requests: [
        ['Mwangi', 1961],
        ['Diallo', 1975],
        ['Okafor', 1988],
        ['Phiri', 2010],
      ].map(([surname, year]) =>
        dciSearch({
          query_type: 'predicate',
          response_entity: 'Member',
          query: [
            {
              seq_num: 1,
              expression1: { attribute_name: 'surname', operator: 'eq', attribute_value: surname },
              condition: 'and',
              expression2: { attribute_name: 'birth_date', operator: 'ge', attribute_value: `${year}-01-01` },
            },
            { seq_num: 2, expression1: { attribute_name: 'birth_date', operator: 'le', attribute_value: `${year}-12-31` } },
          ],
          pagination: { page_size: 20, page_number: 1 },
        }),
      ),
      refusal: dciRefusal,
    },
    {
      name: 'custom endpoint aggregate, one district (gender × age band)',
      requests: DISTRICTS.map((d) => get(`/api/v1/custom/stats/individuals-by-gender-and-age?district=${encodeURIComponent(d)}`)),
    },
    { name: 'custom endpoint aggregate, whole registry (gender × age band)', requests: [get('/api/v1/custom/stats/individuals-by-gender-and-age')] },
  ];
}

/** A DCI sync search message of one search request, made afresh per call (message_id and transaction_id are single-use). */
function dciSearch(criteria: Record<string, unknown>): () => HttpRequestSpec {
  return () => {
    const now = new Date().toISOString();
    const body = {
      header: {
        version: '1.0.0',
        message_id: randomUUID(),
        message_ts: now,
        action: 'search',
        sender_id: 'bench-spmis',
        receiver_id: 'g2p-social-registry',
        total_count: 1,
        is_msg_encrypted: false,
      },
      message: { transaction_id: randomUUID(), search_request: [{ reference_id: 'ref-1', timestamp: now, search_criteria: criteria }] },
    };
    return {
      method: 'POST',
      path: '/registry/sync/search',
      headers: { authorization: `Bearer ${benchToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    };
  };
}

const dciRefusal = (body: string): string | undefined => {
  const answers = (JSON.parse(body) as { message?: { search_response?: Array<{ status?: string; status_reason_message?: string }> } }).message?.search_response;
  const refused = answers?.find((a) => a.status !== 'succ');
  return !answers ? 'no search_response' : refused ? `${refused.status}: ${refused.status_reason_message ?? ''}` : undefined;
};

/** Milliseconds per sequence: each sample sends its requests one after the other, as the gateway did. */
async function timeSequences(
  origin: string,
  sequences: RequestSource[][],
  durationMs: number,
  minimum: number,
  refusal?: Operation['refusal'],
): Promise<{ latencies: number[]; failures: number; refused?: string }> {
  const pool = new Pool(origin, { connections: 1, pipelining: 1 });
  const latencies: number[] = [];
  let failures = 0;
  let refused: string | undefined;
  const deadline = performance.now() + durationMs;
  try {
    for (let k = 0; performance.now() < deadline || latencies.length + failures < minimum; k++) {
      const sequence = sequences[k % sequences.length]!.map(specOf);
      const sent = performance.now();
      let ok = true;
      for (const spec of sequence) {
        const response = await pool.request({ path: spec.path, method: spec.method, headers: spec.headers, body: spec.body });
        const body = await response.body.text();
        if (response.statusCode >= 300) {
          ok = false;
          refused ??= `${response.statusCode}: ${body.slice(0, 200)}`;
        } else if (refusal) {
          const why = refusal(body);
          if (why) {
            ok = false;
            refused ??= why;
          }
        }
      }
      if (ok) latencies.push(performance.now() - sent);
      else failures++;
    }
  } finally {
    await pool.close();
  }
  return { latencies, failures, ...(refused ? { refused } : {}) };
}

async function measureOperation(options: BenchOptions, odoo: BenchOdoo, origin: string, operation: Operation): Promise<Measured> {
  const direct: HttpRequestSpec[][] = [];
  for (const request of operation.requests) direct.push(await captureOdooCalls(odoo, request, SECTIONS));
  const rounds = options.quick ? 2 : 3;
  const roundMs = options.quick ? 1000 : 2500;
  const out: Measured = { name: operation.name, gateway: [], direct: [], odooCalls: Math.max(...direct.map((d) => d.length)), failures: 0 };
  // Each request once first: warm, and a refusal (a DCI search over its limits) shows before any figure does.
  const warm = await timeSequences(
    origin,
    operation.requests.map((r) => [r]),
    0,
    operation.requests.length,
    operation.refusal,
  );
  out.failures += warm.failures;
  if (warm.refused) console.log(`    ${operation.name}: REFUSED ${warm.refused}`);
  for (let round = 0; round < rounds; round++) {
    const viaGateway = await timeSequences(
      origin,
      operation.requests.map((r) => [r]),
      roundMs,
      5,
      operation.refusal,
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
async function scanFeed(gateway: GatewayChild, odoo: BenchOdoo, size: number): Promise<SizeResult['feed']> {
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
  // Odoo's share: the requests the gateway sends for the page at the last cursor, replayed straight at Odoo.
  const last = `/api/v1/individuals?sort=updated_at&limit=500${cursor ? `&cursor=${cursor}` : ''}`;
  const directPageMs = await directMs(odoo, { method: 'GET', path: last, headers });
  return { records, seconds, pages, rssGrowthMiB: Number(mib(peakRss - before.memory.rss)), directPageMs };
}

/** p50 of five replays, straight at Odoo, of every request the gateway sends for one API call. */
async function directMs(odoo: BenchOdoo, request: HttpRequestSpec): Promise<number> {
  const calls = await captureOdooCalls(odoo, request, SECTIONS);
  return percentile((await timeSequences(odoo.url, [calls], 0, 5)).latencies, 50);
}

/**
 * The streaming export (NDJSON, id order) read from its start, up to FEED_LIMIT records: records/s
 * and the gateway's RSS growth. Odoo's share: a batch's request (a list page of 500 in id order
 * deep in the registry, the same web_search_read) replayed straight at Odoo.
 */
async function scanExport(gateway: GatewayChild, odoo: BenchOdoo, size: number, middleId: number): Promise<SizeResult['exported']> {
  const limit = Math.min(size, FEED_LIMIT);
  const headers = { authorization: `Bearer ${benchToken()}` };
  const firstPage = (await (await fetch(`${gateway.origin}/api/v1/individuals?limit=500`, { headers })).json()) as { next_cursor: string };
  const directBatchMs = await directMs(odoo, {
    method: 'GET',
    path: `/api/v1/individuals?limit=500&cursor=${movedCursor(firstPage.next_cursor, middleId)}`,
    headers,
  });
  const result = await readStream(`${gateway.origin}/api/v1/individuals/export`, { authorization: `Bearer ${benchToken()}` }, 'ndjson', {
    timeoutMs: 600_000,
    maxRecords: limit,
    gateway,
  });
  console.log(
    `    export: ${result.records} records in ${fixed(result.seconds, 1)} s, RSS +${fixed(result.rssGrowthAtHalfMiB ?? 0, 1)} MiB at half, +${fixed(result.rssGrowthMiB ?? 0, 1)} MiB at the end; a batch of 500 direct ${fixed(directBatchMs, 0)} ms`,
  );
  return { ...result, directBatchMs };
}

/**
 * The compatibility list routes through the gateway (streamed past api.maxPageSize: read until
 * the end or a time limit) and OpenG2P's module on the same routes (one answer, once it has
 * read everything), once each. The module goes last: given up on, it keeps Odoo busy.
 */
async function bulkReads(gateway: GatewayChild, odoo: BenchOdoo, size: number, withModule: boolean): Promise<SizeResult['bulk']> {
  const bearer = { authorization: `Bearer ${benchToken()}` };
  const basic = { authorization: `Basic ${Buffer.from(`${odoo.login}:${odoo.password}`).toString('base64')}` };
  const out: SizeResult['bulk'] = [];
  for (const [name, url, headers, timeoutMs] of [
    ['gateway GET /api/v1/registry/individual', `${gateway.origin}/api/v1/registry/individual`, bearer, gatewayBulkTimeoutMs(size)],
    ['gateway GET /api/v1/registry/group', `${gateway.origin}/api/v1/registry/group`, bearer, gatewayBulkTimeoutMs(size)],
    ["OpenG2P's module GET /api/v1/registry/group", `${odoo.url}/api/v1/registry/group`, basic, moduleTimeoutMs(size)],
    ["OpenG2P's module GET /api/v1/registry/individual", `${odoo.url}/api/v1/registry/individual`, basic, moduleTimeoutMs(size)],
  ] as const) {
    // --quick leaves OpenG2P's module out: it reads the whole registry in one Odoo request, minutes at 1M, and goes on after the client gives up.
    if (!withModule && url.startsWith(odoo.url)) continue;
    const result = await readStream(url, headers, 'json-array', { timeoutMs, ...(url.startsWith(gateway.origin) ? { gateway } : {}) });
    out.push({ name, ...result });
    console.log(
      `    ${name}: ${result.status}, ${result.records} records, ${fixed(result.bytes / 1e6, 1)} MB in ${fixed(result.seconds, 1)} s${result.cut ? ` (cut: ${result.cut})` : ''}`,
    );
  }
  return out;
}

/**
 * Reads an answer as a stream, counting bytes and records as they arrive (never holding the
 * body: at 1M the compatibility list is gigabytes): NDJSON lines other than the export's
 * control lines, or the objects of a top-level JSON array. Stops at `maxRecords` or `timeoutMs`.
 * With `gateway`, samples its RSS every half second meanwhile.
 */
async function readStream(
  url: string,
  headers: Record<string, string>,
  kind: 'ndjson' | 'json-array',
  limits: { timeoutMs: number; maxRecords?: number; gateway?: GatewayChild },
): Promise<Streamed> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
  const before = limits.gateway ? (await limits.gateway.usage(true)).memory.rss : 0;
  let peak = before;
  let peakAtHalf = before;
  let sampling = Boolean(limits.gateway);
  const count = kind === 'ndjson' ? ndjsonCounter() : arrayCounter();
  const started = performance.now();
  const pastHalf = () => (limits.maxRecords !== undefined ? count.records() >= limits.maxRecords / 2 : performance.now() - started >= limits.timeoutMs / 2);
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await limits.gateway!.usage()).memory.rss);
      if (!pastHalf()) peakAtHalf = peak;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  let firstByteSeconds: number | null = null;
  let status = 'no answer';
  let bytes = 0;
  let cut: Streamed['cut'] = null;
  try {
    const response = await undiciRequest(url, { headers, signal: controller.signal, bodyTimeout: 0, headersTimeout: 0 });
    status = String(response.statusCode);
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      firstByteSeconds ??= (performance.now() - started) / 1000;
      bytes += chunk.length;
      count.feed(chunk);
      if (limits.maxRecords !== undefined && count.records() >= limits.maxRecords) {
        cut = 'limit';
        controller.abort();
        break;
      }
    }
  } catch (err) {
    if (!controller.signal.aborted) status = `failed: ${err instanceof Error ? err.message : String(err)}`;
    else if (cut === null) {
      cut = 'timeout';
      if (firstByteSeconds === null) status = `no answer within ${limits.timeoutMs / 1000} s`;
    }
  } finally {
    clearTimeout(timer);
    sampling = false;
    await sampler;
  }
  const seconds = (performance.now() - started) / 1000;
  if (limits.gateway) peak = Math.max(peak, (await limits.gateway.usage()).memory.rss);
  return {
    status,
    firstByteSeconds,
    seconds,
    bytes,
    records: count.records(),
    cut,
    ...(limits.gateway ? { rssGrowthMiB: Number(mib(peak - before)), rssGrowthAtHalfMiB: Number(mib(peakAtHalf - before)) } : {}),
  };
}

interface Counter {
  feed(chunk: Buffer): void;
  records(): number;
}

/** NDJSON records: non-empty lines, less the export's `{"_export": ...}` control lines. */
function ndjsonCounter(): Counter {
  const control = Buffer.from('{"_export"');
  let records = 0;
  // The current line's first bytes (as many as the control prefix has).
  let head = Buffer.alloc(0);
  return {
    feed(chunk) {
      for (let from = 0; ;) {
        const nl = chunk.indexOf(10, from);
        const end = nl === -1 ? chunk.length : nl;
        if (head.length < control.length) head = Buffer.concat([head, chunk.subarray(from, Math.min(end, from + control.length - head.length))]);
        if (nl === -1) return;
        if (head.length > 0 && !head.equals(control)) records++;
        head = Buffer.alloc(0);
        from = nl + 1;
      }
    },
    records: () => records,
  };
}

/** Objects of a top-level JSON array, found by tracking depth outside strings. */
function arrayCounter(): Counter {
  let records = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  return {
    feed(chunk) {
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i]!;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) {
          if (c === 0x7b && depth === 1) records++;
          depth++;
        } else if (c === 0x7d || c === 0x5d) depth--;
      }
    },
    records: () => records,
  };
}

function report(results: SizeResult[], indexed: boolean): ScenarioReport {
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
    ['size', 'surface', 'records read', 'records/s', 'gateway RSS growth MiB', 'Odoo direct, 500 records: ms (records/s)'],
    ...results.flatMap((r) => [
      [
        label(r.size),
        `sync feed (sort=updated_at), ${r.feed.pages} pages of 500`,
        String(r.feed.records),
        fixed(r.feed.records / r.feed.seconds, 0),
        fixed(r.feed.rssGrowthMiB, 1),
        `${fixed(r.feed.directPageMs, 0)} (${fixed(500_000 / r.feed.directPageMs, 0)})`,
      ],
      [
        label(r.size),
        'streaming export (NDJSON, id order)',
        String(r.exported.records),
        fixed(r.exported.records / r.exported.seconds, 0),
        `${fixed(r.exported.rssGrowthMiB ?? Number.NaN, 1)} (${fixed(r.exported.rssGrowthAtHalfMiB ?? Number.NaN, 1)} at half)`,
        `${fixed(r.exported.directBatchMs, 0)} (${fixed(500_000 / r.exported.directBatchMs, 0)})`,
      ],
    ]),
  ];
  const detector = [
    ['size', 'Odoo requests per idle poll (3 feeds)', 'poll p50 ms', 'poll max ms'],
    ...results.map((r) => [label(r.size), fixed(r.detector.odooRequests, 1), fixed(percentile(r.detector.ms, 50), 1), fixed(Math.max(...r.detector.ms), 1)]),
  ];
  const streamRow = (size: number, name: string, b: Streamed) => [
    label(size),
    name,
    b.status,
    b.firstByteSeconds === null ? '-' : fixed(b.firstByteSeconds, 1),
    `${fixed(b.seconds, 1)}${b.cut === 'timeout' ? ' (time limit)' : b.cut === 'limit' ? ' (enough records)' : ''}`,
    String(b.records),
    fixed(b.bytes / 1e6, 1),
    b.records ? fixed(b.records / b.seconds, 0) : '-',
    b.rssGrowthMiB === undefined ? '-' : `${fixed(b.rssGrowthMiB, 1)} (${fixed(b.rssGrowthAtHalfMiB ?? Number.NaN, 1)} at half)`,
  ];
  const bulk = [
    ['size', 'route', 'status', 'first byte s', 'seconds', 'records', 'MB', 'records/s', 'gateway RSS growth MiB'],
    ...results.flatMap((r) => r.bulk.map((b) => streamRow(r.size, b.name, b))),
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
          {
            target: `scale: streaming export ≥ 5,000 records/s at ${label(largest.size)}`,
            met: largest.exported.records / largest.exported.seconds >= 5000,
            evidence: `${fixed(largest.exported.records / largest.exported.seconds, 0)} records/s`,
          },
          {
            target: `scale: streaming export grows the gateway's RSS by < 50 MB at ${label(largest.size)}`,
            met: (largest.exported.rssGrowthMiB ?? Infinity) < 50,
            evidence: `${fixed(largest.exported.rssGrowthMiB ?? NaN, 1)} MiB over ${largest.exported.records} records`,
          },
        ];
  return {
    title: `11. Scale: ${sizes.join(', ')} individuals on the real Odoo, through the gateway and the same Odoo calls direct`,
    method:
      `Registries built by \`npm run seed\` (a quarter as many households as individuals) and restored from their template databases, ${indexed ? "with docs/scale.md's indexes (--indexes)" : "on Odoo's own schema (no --indexes)"}. Per operation, ${SAMPLES} records spread over the id range taken in turn; ` +
      'the direct side replays, straight at Odoo over the same session, every request the gateway sent for the same API call (captured from undici), one after the other. ' +
      'Gateway and direct alternate in rounds of 2.5 s (1 s with --quick) at one connection; DCI searches are sent afresh each time (new message_id). The feed scan walks `sort=updated_at` at 500 a page and the export is read from its start, each up to 100,000 records; ' +
      "the compatibility lists are read as they stream, up to 180 s (120 s at 1M), records counted as they arrive; OpenG2P's module on the same routes up to 180 s (60 s at 1M; left out with --quick).",
    tables: [prepare, latency, feed, detector, bulk],
    verdicts,
    notes: [
      "The machine has 2 cores shared with four other engineers' runs: absolute figures move with their load (see the load averages); the ratios compare the two sides measured in the same rounds.",
      "District is not a filter of the gateway's API (OpenG2P's `district` is not mapped), so it is not measured.",
    ],
  };
}
