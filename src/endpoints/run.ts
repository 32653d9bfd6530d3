import type { OdooRecord } from '../odoo/types.js';
import { RegistryError } from '../registry/errors.js';
import { pagedQuery } from '../registry/filters.js';
import { searchTree } from '../registry/reader.js';
import { touchedBy } from '../registry/record-cache.js';
import { versioned, type Actor, type Page, type RegistryCore, type Versioned } from '../registry/registry.js';
import { isoDate, isoDatetime, numberOrNull, stringOrNull } from '../registry/values.js';
import type { CompiledEndpoint, CompiledGroupBy, DomainPart, OutputTree } from './compile.js';

/**
 * Runs declared endpoints: each read is one Odoo call (web_search_read with the nested
 * specification, search_count, or read_group); an update reads, checks If-Match, writes and
 * reads back under the record's lock, as the built-in PATCH routes do.
 */

export type Answer = Record<string, unknown> & { id: number };
export type AggregateRow = Record<string, unknown>;

export interface ListInput {
  params: Record<string, unknown>;
  limit?: number;
  cursor?: string;
}

export class CustomEndpoints {
  constructor(private readonly core: RegistryCore) {}

  private domain(endpoint: CompiledEndpoint, params: Record<string, unknown>): DomainPart[] {
    const terms: DomainPart[] = [...endpoint.domain];
    for (const param of endpoint.params) {
      const value = params[param.name];
      if (value !== undefined) terms.push(...param.term(value));
    }
    return terms;
  }

  async list(actor: Actor, endpoint: CompiledEndpoint, input: ListInput): Promise<Page<Answer>> {
    const compiled = pagedQuery(
      this.domain(endpoint, input.params),
      { sort: endpoint.sort, cursor: input.cursor, include_archived: endpoint.includeArchived },
      this.core.sync,
      this.core.cursors,
    );
    const convert = (record: OdooRecord) => answerOf(record, endpoint.output);
    // A declared pageSize above api.maxPageSize is the operator's choice, cut to the maximum; only a caller's limit is refused.
    const limit = input.limit ?? (endpoint.pageSize === undefined ? undefined : Math.min(endpoint.pageSize, this.core.options.maxPageSize));
    return this.core.page(actor, endpoint.model, compiled, limit, false, endpoint.spec, convert);
  }

  /** One record: none is a 404, more than one a 409 naming the candidates. */
  async get(actor: Actor, endpoint: CompiledEndpoint, params: Record<string, unknown>): Promise<Versioned<Answer>> {
    const { records } = await searchTree(actor.client, endpoint.model, this.domain(endpoint, params), endpoint.spec, {
      limit: 2,
      order: 'id asc',
      context: endpoint.includeArchived ? { active_test: false } : undefined,
    });
    if (records.length === 0) throw new RegistryError('not_found', 'No record matches.');
    if (records.length > 1) throw new RegistryError('conflict', 'More than one record matches.', undefined, { candidates: records.map((r) => r.id) });
    return versioned(answerOf(records[0]!, endpoint.output));
  }

  async count(actor: Actor, endpoint: CompiledEndpoint, params: Record<string, unknown>): Promise<{ count: number }> {
    const count = await actor.client.searchCount(
      endpoint.model,
      this.domain(endpoint, params),
      endpoint.includeArchived ? { context: { active_test: false } } : {},
    );
    return { count };
  }

  /**
   * One read_group, or with age bands one per band: each band is a birth-date range (ages are
   * relative to today, which Odoo cannot group by), so Odoo answers a handful of rows per band
   * whatever the registry's size, where grouping by day returned one row per distinct birth date.
   */
  async aggregate(
    actor: Actor,
    endpoint: CompiledEndpoint,
    params: Record<string, unknown>,
    today = new Date(),
  ): Promise<{ groups: AggregateRow[]; total: number }> {
    const domain = this.domain(endpoint, params);
    const plain = endpoint.groupBy.filter((g) => !g.ageBands);
    const options = { lazy: false, ...(endpoint.includeArchived ? { context: { active_test: false } } : {}) };
    const slices = bandCombinations(
      endpoint.groupBy.filter((g) => g.ageBands),
      today,
    );
    const answers = await Promise.all(
      slices.map(async (slice) => ({
        slice,
        rows: await actor.client.readGroup(
          endpoint.model,
          [...domain, ...slice.terms],
          endpoint.measures.map((m) => m.spec),
          plain.map((g) => g.spec),
          options,
        ),
      })),
    );
    const merged = new Map<string, AggregateRow>();
    let total = 0;
    for (const { slice, rows } of answers) {
      for (const row of rows) {
        const count = numberOrNull(row.__count) ?? 0;
        // Without a groupBy of its own a band's read_group answers one row, also when nothing matches.
        if (count === 0) continue;
        total += count;
        const key: AggregateRow = {};
        for (const group of endpoint.groupBy) key[group.key] = group.ageBands ? slice.labels[group.key] : groupValue(row, group, today);
        const id = JSON.stringify(key);
        let out = merged.get(id);
        if (!out) {
          out = { ...key };
          for (const measure of endpoint.measures) out[measure.key] = 0;
          merged.set(id, out);
        }
        for (const measure of endpoint.measures) {
          const value = measure.odoo ? numberOrNull(Number(row[measure.odoo] === false ? 0 : row[measure.odoo])) : count;
          // Rounded: Odoo sums exactly in SQL; adding its per-day sums here must not add binary noise.
          out[measure.key] = Math.round(((out[measure.key] as number) + (value ?? 0)) * 1e6) / 1e6;
        }
      }
    }
    const groups = [...merged.values()].sort((a, b) => compareKeys(a, b, endpoint.groupBy));
    return { groups, total };
  }

  async update(
    actor: Actor,
    endpoint: CompiledEndpoint,
    params: Record<string, unknown>,
    body: Record<string, unknown>,
    ifMatch?: string[],
  ): Promise<Versioned<Answer>> {
    const id = params[endpoint.idParam!] as number;
    return this.core.lockedWrite(
      `${endpoint.model}:${id}`,
      () => this.get(actor, endpoint, params),
      ifMatch,
      async (current, lease) => {
        const vals: Record<string, unknown> = {};
        for (const write of endpoint.writes) if (body[write.name] !== undefined) vals[write.odoo] = body[write.name] === null ? false : body[write.name];
        if (Object.keys(vals).length === 0) return current;
        // Fenced like the built-in writes: a replica whose lease was taken over sends nothing.
        await actor.client.write(endpoint.model, [id], vals, await lease.fence());
        await this.core.cache.invalidate(touchedBy(endpoint.model, id), 'write');
        return this.get(actor, endpoint, params);
      },
    );
  }
}

/** A record as the declaration shapes it: its id and the listed fields, nested as declared. */
export function answerOf(record: Record<string, unknown>, tree: OutputTree): Answer {
  const out: Record<string, unknown> = { id: record.id };
  for (const [name, node] of Object.entries(tree)) {
    const raw = record[node.odoo];
    if (node.kind === 'scalar') {
      out[name] = scalarValue(node.type, raw);
      continue;
    }
    const rows = Array.isArray(raw)
      ? (raw.filter((r) => r && typeof r === 'object') as Array<Record<string, unknown>>)
      : raw && typeof raw === 'object'
        ? [raw as Record<string, unknown>]
        : [];
    const kept = node.where ? rows.filter(node.where.test) : rows;
    const targets = node.through ? kept.map((r) => r[node.through!]).filter((t): t is Record<string, unknown> => Boolean(t) && typeof t === 'object') : kept;
    const answers = targets.map((t) => answerOf(t, node.children));
    out[name] = node.many ? answers : (answers[0] ?? null);
  }
  return out as Answer;
}

function scalarValue(type: string, raw: unknown): unknown {
  switch (type) {
    case 'boolean':
      return raw === true;
    case 'integer':
    case 'number':
      return numberOrNull(raw);
    case 'date':
      return isoDate(raw);
    case 'datetime':
      return isoDatetime(raw);
    default:
      return stringOrNull(raw);
  }
}

function groupValue(row: Record<string, unknown>, group: CompiledGroupBy, today: Date): unknown {
  const raw = row[group.spec];
  if (group.type === 'relation') {
    return Array.isArray(raw) && typeof raw[0] === 'number' ? { id: raw[0], name: String(raw[1] ?? '') } : null;
  }
  if (group.type === 'date' || group.type === 'datetime') {
    // The label is localised ("03 May 1990"); __range holds the day itself.
    const range = (row.__range as Record<string, { from?: unknown } | false> | undefined)?.[group.spec];
    const day = range && typeof range.from === 'string' ? range.from.slice(0, 10) : null;
    return group.ageBands ? ageBand(day, group.ageBands, today) : day;
  }
  return scalarValue(group.type, raw);
}

/** "0-17", "18-59", "60+" (and "under N" below the first bound); null without a birthdate. */
export function ageBand(birthdate: string | null, bounds: number[], today: Date): string | null {
  if (!birthdate) return null;
  const [y, m, d] = birthdate.split('-').map(Number) as [number, number, number];
  const ty = today.getUTCFullYear();
  const tm = today.getUTCMonth() + 1;
  const td = today.getUTCDate();
  const age = ty - y - (tm < m || (tm === m && td < d) ? 1 : 0);
  if (age < bounds[0]!) return `under ${bounds[0]}`;
  for (let i = bounds.length - 1; i >= 0; i--) {
    if (age >= bounds[i]!) return i === bounds.length - 1 ? `${bounds[i]}+` : `${bounds[i]}-${bounds[i + 1]! - 1}`;
  }
  return null;
}

/** One read_group's share of an aggregate: the band labels it stands for and the birth-date terms that select them. */
interface BandSlice {
  labels: Record<string, string | null>;
  terms: DomainPart[];
}

/** Every combination of the age bands of the banded groupBys (one empty slice when there are none). */
function bandCombinations(banded: CompiledGroupBy[], today: Date): BandSlice[] {
  let slices: BandSlice[] = [{ labels: {}, terms: [] }];
  for (const group of banded) {
    const field = group.spec.split(':')[0]!;
    slices = slices.flatMap((slice) =>
      bandRanges(group.ageBands!, today).map((band) => ({
        labels: { ...slice.labels, [group.key]: band.label },
        terms: [...slice.terms, ...band.terms(field)],
      })),
    );
  }
  return slices;
}

/**
 * The birth-date range of each label ageBand gives: "under N", each band, "N+", and null (no
 * birth date). Whoever was born on or before `bornBy(a)` is at least `a` years old today.
 */
function bandRanges(bounds: number[], today: Date): Array<{ label: string | null; terms: (field: string) => DomainPart[] }> {
  const bornBy = (age: number) => latestBirthdate(today, age);
  const labelOf = (age: number) => ageBand(bornBy(age), bounds, today);
  return [
    { label: `under ${bounds[0]}`, terms: (f) => [[f, '>', bornBy(bounds[0]!)]] },
    ...bounds.map((bound, i) => ({
      label: labelOf(bound),
      terms: (f: string): DomainPart[] => [[f, '<=', bornBy(bound)], ...(i + 1 < bounds.length ? [[f, '>', bornBy(bounds[i + 1]!)] as DomainPart] : [])],
    })),
    { label: null, terms: (f) => [[f, '=', false]] },
  ];
}

/** The last birth date (YYYY-MM-DD) of someone `age` whole years old today (UTC); 29 February falls back to the 28th in a common year. */
function latestBirthdate(today: Date, age: number): string {
  const year = today.getUTCFullYear() - age;
  const month = today.getUTCMonth() + 1;
  let day = today.getUTCDate();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (month === 2 && day === 29 && !leap) day = 28;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function compareKeys(a: AggregateRow, b: AggregateRow, groupBy: CompiledGroupBy[]): number {
  for (const group of groupBy) {
    const x = sortKey(a[group.key], group);
    const y = sortKey(b[group.key], group);
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function sortKey(value: unknown, group: CompiledGroupBy): string | number | null {
  if (value === null || value === undefined) return null;
  if (group.ageBands && typeof value === 'string') {
    const start = /^under /.test(value) ? -1 : Number.parseInt(value, 10);
    return start;
  }
  if (typeof value === 'object') return String((value as { name?: unknown }).name ?? '');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as string | number;
}
