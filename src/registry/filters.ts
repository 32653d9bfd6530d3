import { createHash } from 'node:crypto';
import { likeLiteral } from '../odoo/index.js';
import type { OdooClient, OdooDomain } from '../odoo/types.js';
import type { Cursor, CursorSeal } from './cursor.js';
import type { FieldError } from './field-error.js';
import { invalidInput } from './errors.js';
import type { ReferenceCache } from './reference.js';
import { odooDatetime } from './values.js';

/**
 * The whitelist of list filters, compiled to Odoo domains. A caller never supplies a domain:
 * every term below is built by the gateway from a validated, typed value.
 */

type Term = readonly [string, string, unknown];
export type SortOrder = 'id' | '-id' | 'updated_at';

export interface CommonQuery {
  limit?: number;
  /** Count every match for the first page's total, past `api.countLimit`. */
  exact_total?: boolean;
  cursor?: string;
  sort?: SortOrder;
  name?: string;
  updated_since?: string;
  include_archived?: boolean;
}

export interface IndividualQuery extends CommonQuery {
  given_name?: string;
  family_name?: string;
  gender?: string;
  birthdate_from?: string;
  birthdate_to?: string;
  registered_from?: string;
  registered_to?: string;
  id_type?: string;
  id_value?: string;
  phone?: string;
  group_kind?: string;
}

export interface GroupQuery extends CommonQuery {
  kind?: string;
  member?: number;
}

export interface CompiledQuery {
  domain: OdooDomain;
  /** The domain from the first record on: `domain` without the cursor's terms. */
  baseDomain: OdooDomain;
  order: string;
  sort: SortOrder;
  cursor: Cursor | undefined;
  /** Fingerprint of filters and sort, kept in cursors so a cursor cannot be replayed on another query. */
  filter: string;
  includeArchived: boolean;
  /**
   * A "contains" filter (`ilike`, answered by a trigram index at best): its count reads every
   * match's index entries, so a first page counts only one past itself unless the exact total is asked.
   */
  containsText?: boolean;
}

export const registrantDomain = (isGroup: boolean): Term[] => [
  ['is_registrant', '=', true],
  ['is_group', '=', isGroup],
];

/** `name` contains the text, in any case (no term for an empty text). */
export const nameTerms = (name: string | undefined): Term[] => (name ? [['name', 'ilike', likeLiteral(name)]] : []);

/** Sync settings: see `api.syncSettleMs`. `now` is injectable for tests. */
export interface SyncWindow {
  settleMs: number;
  now?: () => number;
}

export async function compileIndividualQuery(
  client: OdooClient,
  refs: ReferenceCache,
  q: IndividualQuery,
  sync: SyncWindow,
  cursors: CursorSeal,
): Promise<CompiledQuery> {
  const terms: Term[] = [...registrantDomain(false), ...commonTerms(q)];
  const errors: FieldError[] = [];
  if (q.given_name) terms.push(['given_name', 'ilike', likeLiteral(q.given_name)]);
  if (q.family_name) terms.push(['family_name', 'ilike', likeLiteral(q.family_name)]);
  if (q.gender) {
    const gender = await refs.resolveInto(client, 'genders', q.gender, 'query.gender', errors);
    if (gender) terms.push(['gender', '=', gender.name]);
  }
  if (q.birthdate_from) terms.push(['birthdate', '>=', q.birthdate_from]);
  if (q.birthdate_to) terms.push(['birthdate', '<=', q.birthdate_to]);
  if (q.registered_from) terms.push(['registration_date', '>=', q.registered_from]);
  if (q.registered_to) terms.push(['registration_date', '<=', q.registered_to]);
  if (q.id_type || q.id_value) {
    // One `any` term, so type and value must hold for the same ID record.
    const sub: Term[] = [];
    if (q.id_type) {
      const type = await refs.resolveInto(client, 'idTypes', q.id_type, 'query.id_type', errors);
      if (type) sub.push(['id_type', '=', type.id]);
    }
    if (q.id_value) sub.push(['value', '=', q.id_value]);
    terms.push(['reg_ids', 'any', sub]);
  }
  if (q.phone) terms.push(['phone_number_ids', 'any', ['|', ['phone_no', 'ilike', likeLiteral(q.phone)], ['phone_sanitized', 'ilike', likeLiteral(q.phone)]]]);
  if (q.group_kind) {
    const kind = await refs.resolveInto(client, 'groupKinds', q.group_kind, 'query.group_kind', errors);
    if (kind)
      terms.push([
        'individual_membership_ids',
        'any',
        [
          ['group.kind', '=', kind.id],
          ['is_ended', '=', false],
        ],
      ]);
  }
  if (errors.length) throw invalidInput(errors);
  return { ...pagedQuery(terms, q, sync, cursors), containsText: hasContainsTerm(terms) };
}

export async function compileGroupQuery(
  client: OdooClient,
  refs: ReferenceCache,
  q: GroupQuery,
  sync: SyncWindow,
  cursors: CursorSeal,
): Promise<CompiledQuery> {
  const terms: Term[] = [...registrantDomain(true), ...commonTerms(q)];
  if (q.kind) {
    const kind = await refs.resolve(client, 'groupKinds', q.kind, 'query.kind');
    terms.push(['kind', '=', kind.id]);
  }
  if (q.member) terms.push(['group_membership_ids', 'any', [['individual', '=', q.member]]]);
  return { ...pagedQuery(terms, q, sync, cursors), containsText: hasContainsTerm(terms) };
}

/** Whether a domain holds an `ilike` term, at any depth (`any` sub-domains included). */
function hasContainsTerm(terms: ReadonlyArray<unknown>): boolean {
  return terms.some((term) => Array.isArray(term) && (term[1] === 'ilike' || (term[1] === 'any' && Array.isArray(term[2]) && hasContainsTerm(term[2]))));
}

function commonTerms(q: CommonQuery): Term[] {
  const terms: Term[] = nameTerms(q.name);
  if (q.updated_since) terms.push(['write_date', '>=', odooDatetime(q.updated_since)]);
  return terms;
}

/** Filters, sort and cursor of a list page as one domain: what every list (built-in or declared) runs. */
export function pagedQuery(terms: Array<string | Term>, q: CommonQuery, sync: SyncWindow, cursors: CursorSeal): CompiledQuery {
  const compiled = unpagedQuery(terms, q, sync);
  if (!q.cursor) return compiled;
  return atCursor(compiled, cursors.open(q.cursor, { order: compiled.sort, filter: compiled.filter }));
}

/** The same query from a position on. */
export function atCursor(compiled: CompiledQuery, cursor: Cursor): CompiledQuery {
  return { ...compiled, cursor, domain: [...compiled.baseDomain, ...cursorDomain(cursor)] };
}

/** The same query from its first record on (the change detector adds its own, unsealed position). */
export function unpagedQuery(terms: Array<string | Term>, q: Omit<CommonQuery, 'cursor'>, sync: SyncWindow): CompiledQuery {
  const sort: SortOrder = q.sort ?? (q.updated_since ? 'updated_at' : 'id');
  const includeArchived = q.include_archived === true;
  const filter = createHash('sha256')
    .update(JSON.stringify([terms, sort, includeArchived]))
    .digest('base64url')
    .slice(0, 16);
  const domain: Array<string | Term> = [...terms];
  if (sort === 'updated_at') domain.push(['write_date', '<', settledBefore(sync)]);
  return { domain, baseDomain: domain, order: ORDER[sort], sort, cursor: undefined, filter, includeArchived };
}

const ORDER: Record<SortOrder, string> = { id: 'id asc', '-id': 'id desc', updated_at: 'write_date asc, id asc' };

/**
 * Where the next page starts. For `updated_at` the cursor's second is a bucket
 * [w, w + 1 s): a real Odoo stores write_date with microseconds but shows only seconds, so
 * `write_date = w` would match nothing there and `write_date > w` would repeat the bucket.
 */
export function cursorDomain(cursor: Cursor): Array<string | Term> {
  if (cursor.order !== 'updated_at') return [['id', cursor.order === 'id' ? '>' : '<', cursor.after]];
  const next = nextSecond(cursor.writeDate);
  // "At or after the bucket, and past it or not yet seen": the same records as "past the bucket,
  // or in it and not yet seen", but led by one range on write_date, so PostgreSQL walks an index
  // on (write_date, id) in order instead of sorting everything after the cursor for every page.
  return ['&', ['write_date', '>=', cursor.writeDate], '|', ['write_date', '>=', next], ['id', 'not in', cursor.seen]];
}

/**
 * Sync reads only whole seconds that are over (and settled): a cursor inside the current second
 * could be passed by a write later in that same second, which carries the same truncated
 * write_date and would be missed.
 */
function settledBefore(sync: SyncWindow): string {
  const cutoff = (sync.now ?? Date.now)() - sync.settleMs;
  return new Date(Math.floor(cutoff / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function nextSecond(odooDatetimeText: string): string {
  const date = new Date(`${odooDatetimeText.replace(' ', 'T')}Z`);
  return new Date(date.getTime() + 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** The cursor after a page, or null when the page was the last one. */
export function nextCursor(compiled: CompiledQuery, records: ReadonlyArray<{ id: number; write_date?: unknown }>, hasMore: boolean): Cursor | null {
  return hasMore ? cursorAfter(compiled, records) : null;
}

/**
 * Where to continue after this page, whether or not more records exist now. For sync this is
 * the resume point: asked again later, it yields exactly the changes made since.
 */
export function cursorAfter(compiled: CompiledQuery, records: ReadonlyArray<{ id: number; write_date?: unknown }>): Cursor | null {
  const last = records.at(-1);
  if (!last) return compiled.cursor ?? null;
  if (compiled.sort !== 'updated_at') return { order: compiled.sort, after: last.id, filter: compiled.filter };
  const writeDate = String(last.write_date).slice(0, 19);
  const cursor = compiled.cursor;
  const previous = cursor?.order === 'updated_at' && cursor.writeDate === writeDate ? cursor.seen : [];
  const seenNow = records.filter((r) => String(r.write_date).slice(0, 19) === writeDate).map((r) => r.id);
  return { order: 'updated_at', writeDate, seen: [...previous, ...seenNow], filter: compiled.filter };
}
