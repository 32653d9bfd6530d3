/**
 * The request mix of the load run: the API's everyday reads and writes, spread over records
 * the registry really holds, with a tally of every answer by route and status.
 */
import autocannon, { type Request, type Result } from 'autocannon';
import type { Stack } from '../support/stack.js';

/** Records the mix reads and writes: fetched from the gateway before the run. */
export interface MixTargets {
  individualIds: number[];
  groupIds: number[];
  /** National ID values, for the look-up and the DCI search. */
  nationalIds: string[];
}

/** One answer other than a success, kept whole so the test can check its shape. */
export interface FailedAnswer {
  route: string;
  status: number;
  contentType: string;
  retryAfter: string | undefined;
  body: string;
}

export interface MixTally {
  /** route -> status -> count */
  byRoute: Map<string, Map<number, number>>;
  /** Every 5xx-class answer. */
  serverErrors: FailedAnswer[];
  /** Every 3xx/4xx answer (none expected but the overload answer a record lock gives). */
  refusals: FailedAnswer[];
}

export interface MixRun {
  result: Result;
  tally: MixTally;
}

export function statusTotals(tally: MixTally): Map<number, number> {
  const totals = new Map<number, number>();
  for (const statuses of tally.byRoute.values()) for (const [status, count] of statuses) totals.set(status, (totals.get(status) ?? 0) + count);
  return totals;
}

export async function mixTargets(stack: Stack): Promise<MixTargets> {
  const headers = { authorization: `Bearer ${stack.token('reader')}` };
  const get = async (path: string) => {
    const response = await fetch(`${stack.api}${path}`, { headers });
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
    return (await response.json()) as { items: Array<{ id: number; reg_ids?: Array<{ id_type: { name: string } | string; value: string }> }> };
  };
  const individuals = (await get('/individuals?limit=100')).items;
  const groups = (await get('/groups?limit=50')).items;
  const held = individuals.flatMap((i) =>
    (i.reg_ids ?? []).filter((r) => (typeof r.id_type === 'string' ? r.id_type : r.id_type.name) === stack.reference.idType).map((r) => r.value),
  );
  // Only IDs one registrant holds: a shared Odoo (the real server) also holds other suites' deliberate duplicates, which answer 409.
  const holders = new Map<string, number>();
  for (const value of held) holders.set(value, (holders.get(value) ?? 0) + 1);
  const nationalIds = [];
  for (const value of held.filter((v) => holders.get(v) === 1)) {
    if ((await stack.odoo.searchCount('g2p.reg.id', [['value', '=', value]])) === 1) nationalIds.push(value);
  }
  if (!individuals.length || !groups.length || !nationalIds.length) throw new Error('the seeded registry lacks individuals, groups or national IDs');
  return { individualIds: individuals.map((i) => i.id), groupIds: groups.map((g) => g.id), nationalIds };
}

/** One kind of request of the mix: its method, path and body, built afresh for each send. */
interface MixRoute {
  name: string;
  method: 'GET' | 'POST' | 'PATCH';
  build(): { path: string; body?: string };
}

/**
 * Runs the mix for `seconds` over `connections`. The eight kinds of request are dealt out in
 * turn across all connections (not cycled per connection, which on a slow machine would
 * leave the last kinds unsent), so a quarter of the traffic writes: PATCHes and creates.
 * Creates carry no Idempotency-Key: a run must not fill the gateway's idempotency store.
 */
export async function runMix(stack: Stack, targets: MixTargets, options: { seconds: number; connections: number }): Promise<MixRun> {
  const prefix = new URL(stack.api).pathname;
  const auth = `Bearer ${stack.token('reader', 'writer')}`;
  const tally: MixTally = { byRoute: new Map(), serverErrors: [], refusals: [] };
  let counter = 0;
  const next = <T>(list: T[]): T => list[counter++ % list.length]!;
  const dciMessage = (nid: string) => {
    const now = new Date().toISOString();
    const id = `load-${process.pid}-${++counter}`;
    return JSON.stringify({
      header: {
        version: '1.0.0',
        message_id: id,
        message_ts: now,
        action: 'search',
        sender_id: 'load-test',
        receiver_id: 'g2p-social-registry',
        total_count: 1,
        is_msg_encrypted: false,
      },
      message: {
        transaction_id: `txn-${id}`,
        search_request: [
          {
            reference_id: 'ref-1',
            timestamp: now,
            search_criteria: { query_type: 'idtype-value', response_entity: 'Member', query: { type: 'NID', value: nid } },
          },
        ],
      },
    });
  };
  const routes: MixRoute[] = [
    { name: 'GET /individuals', method: 'GET', build: () => ({ path: `${prefix}/individuals?limit=20` }) },
    { name: 'GET /individuals/:id', method: 'GET', build: () => ({ path: `${prefix}/individuals/${next(targets.individualIds)}` }) },
    {
      name: 'GET /individuals/by-reg-id',
      method: 'GET',
      build: () => ({ path: `${prefix}/individuals/by-reg-id/${encodeURIComponent(stack.reference.idType)}/${encodeURIComponent(next(targets.nationalIds))}` }),
    },
    { name: 'GET /groups/:id?expand', method: 'GET', build: () => ({ path: `${prefix}/groups/${next(targets.groupIds)}?expand=members` }) },
    { name: 'POST /registry/sync/search', method: 'POST', build: () => ({ path: '/registry/sync/search', body: dciMessage(next(targets.nationalIds)) }) },
    {
      name: 'PATCH /individuals/:id',
      method: 'PATCH',
      build: () => ({ path: `${prefix}/individuals/${next(targets.individualIds)}`, body: JSON.stringify({ occupation: `Occupation ${counter % 7}` }) }),
    },
    {
      name: 'POST /individuals',
      method: 'POST',
      build: () => ({
        path: `${prefix}/individuals`,
        body: JSON.stringify({ given_name: `Load${++counter}`, family_name: 'Loadrun', gender: stack.reference.gender, birthdate: '1990-01-01' }),
      }),
    },
    { name: 'GET /genders', method: 'GET', build: () => ({ path: `${prefix}/genders` }) },
  ];
  let turn = 0;

  // A connection sends one request at a time, so its context names the route of the answer it gets.
  const request: Request = {
    method: 'GET',
    path: '/',
    setupRequest: (base, context) => {
      const route = routes[turn++ % routes.length]!;
      (context as { route?: string }).route = route.name;
      const { path, body } = route.build();
      const headers: Record<string, string> = { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
      return { ...base, method: route.method, path, headers, body };
    },
    onResponse: (status, body, context, headers) => {
      const name = (context as { route?: string }).route ?? '(unknown)';
      const statuses = tally.byRoute.get(name) ?? new Map<number, number>();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      tally.byRoute.set(name, statuses);
      if (status >= 300) {
        const header = (key: string) => {
          const value = (headers as Record<string, string | string[] | undefined>)[key];
          return Array.isArray(value) ? value[0] : value;
        };
        const answer = { route: name, status, contentType: header('content-type') ?? '', retryAfter: header('retry-after'), body };
        (status >= 500 ? tally.serverErrors : tally.refusals).push(answer);
      }
    },
  };
  // 200 connections queue behind the gateway's bounded Odoo pool: seconds of waiting are the
  // expected shape of saturation, so a request counts as timed out only after 30 s.
  const result = await autocannon({ url: stack.origin, connections: options.connections, duration: options.seconds, timeout: 30, requests: [request] });
  return { result, tally };
}
