import type { OdooClient, OdooRecord, WebSpecification } from '../odoo/types.js';
import type { CustomField } from './custom-fields.js';
import type { Cursor } from './cursor.js';
import { atCursor, cursorAfter, unpagedQuery, registrantDomain, type CompiledQuery } from './filters.js';
import { groupSpec, individualSpec, MEMBERSHIP_SPEC, toGroup, toIndividual, toMembership } from './mapping.js';
import { searchTree } from './reader.js';
import { project, specificationOf, type FieldCatalog, type FieldView, type Resource } from './field-scope.js';
import { membershipKey, partnerKey } from './record-cache.js';

/**
 * The registry's change feed as the change detector reads it: the same `(write_date, id)`
 * keyset as the REST sync feed (`sort=updated_at`), over individuals, groups and memberships,
 * whoever made the change (the gateway, Odoo's screens, other modules). One Odoo call per
 * model and page; each changed record comes back in its current REST representation.
 */

export type ChangeFeed = 'individual' | 'group' | 'membership';
export const CHANGE_FEEDS: readonly ChangeFeed[] = ['individual', 'group', 'membership'];

export type ChangeKind = 'registered' | 'updated' | 'archived' | 'added' | 'ended';

export interface RecordChange {
  feed: ChangeFeed;
  kind: ChangeKind;
  id: number;
  /** Odoo's write_date of the version read (UTC, `YYYY-MM-DD HH:MM:SS`). */
  writeDate: string;
  /** Odoo's create_date (same form). */
  createDate: string;
  /**
   * Only what names the record: its id, and a membership's group and individual (ids) and
   * whether it ended. No registrant data: receivers read what they send (readChangedRecords).
   */
  data: Record<string, unknown>;
}

const MODEL: Record<ChangeFeed, string> = { individual: 'res.partner', group: 'res.partner', membership: 'g2p.group.membership' };

/** Where a feed starts when it has no cursor yet: now (only changes from here on), or the oldest record. */
export function initialCursor(feed: ChangeFeed, from: 'now' | 'beginning', nowMs: number): Cursor {
  const writeDate = from === 'beginning' ? '1970-01-01 00:00:00' : new Date(Math.floor(nowMs / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return { order: 'updated_at', writeDate, seen: [], filter: feedFilter(feed) };
}

const feedFilter = (feed: ChangeFeed): string => compile(feed, undefined, 0).filter;

function compile(feed: ChangeFeed, cursor: Cursor | undefined, settleMs: number, now?: () => number): CompiledQuery {
  const terms = feed === 'membership' ? [] : registrantDomain(feed === 'group');
  const compiled = unpagedQuery(terms, { sort: 'updated_at', include_archived: feed !== 'membership' }, { settleMs, ...(now ? { now } : {}) });
  // The cursor is the detector's own (kept in the state store), never a caller's.
  return cursor ? atCursor(compiled, cursor) : compiled;
}

/**
 * Records created shortly before the feed's position, with the ids among them already read:
 * a creation can become visible after the cursor passed its second (its transaction committed
 * late, or another record's later write moved the cursor first), so "created after the
 * cursor" alone would announce it as updated. Kept with the cursor, in the same atomic step.
 */
export interface RecentCreations {
  /** How far behind the position a creation still counts as new (s): about settle + poll interval. */
  graceSeconds: number;
  /** Ids read (announced) whose create_date is within the grace window. */
  readIds: ReadonlySet<number>;
}

/**
 * Whether the record is new since `since` (where the previous read ended): created in a later
 * second, or in that second without having been returned, or within `recent.graceSeconds`
 * before it without having been read since. It is reported as registered (or added) with its
 * current version, even when it changed again before this read.
 */
function isNew(id: number, createDate: string, cursor: Cursor, recent?: RecentCreations): boolean {
  if (cursor.order !== 'updated_at') return false;
  if (createDate > cursor.writeDate || (createDate === cursor.writeDate && !cursor.seen.includes(id))) return true;
  return recent !== undefined && !recent.readIds.has(id) && !cursor.seen.includes(id) && createDate >= shiftSeconds(cursor.writeDate, -recent.graceSeconds);
}

/** An Odoo datetime text moved by `seconds`. */
export function shiftSeconds(odooDatetime: string, seconds: number): string {
  return new Date(Date.parse(`${odooDatetime.replace(' ', 'T')}Z`) + seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

export interface ChangePage {
  changes: RecordChange[];
  /** Where the next read starts: after every change of this page. */
  cursor: Cursor;
  /** Whether more changes are waiting now (the page was full). */
  more: boolean;
}

/**
 * What the detector reads of a changed record: enough to tell the kind of change and whom a
 * membership joins, no registrant data. Payloads are read later, per receiver's view
 * (`readChangedRecords`), so a field no receiver may see is never asked of Odoo.
 */
const CHANGE_SPEC: Record<ChangeFeed, WebSpecification> = {
  individual: { active: {}, write_date: {}, create_date: {} },
  group: { active: {}, write_date: {}, create_date: {} },
  membership: { group: {}, individual: {}, is_ended: {}, ended_date: {}, write_date: {}, create_date: {} },
};

/** A many2one as the id it names (web_read's bare id, or read's `[id, name]` on Odoo 15/16). */
const idOf = (value: unknown): number | null => (typeof value === 'number' ? value : Array.isArray(value) && typeof value[0] === 'number' ? value[0] : null);

/** One page of changes of one feed after `cursor`, oldest first. */
export async function readChanges(
  client: OdooClient,
  feed: ChangeFeed,
  cursor: Cursor,
  options: {
    limit: number;
    settleMs: number;
    /** Records created after this position are new (default `cursor`): the position a series of pages started from. */
    newSince?: Cursor;
    /** Creations shortly before that position not yet read are new as well. */
    recent?: RecentCreations;
    now?: () => number;
  },
): Promise<ChangePage> {
  const compiled = compile(feed, cursor, options.settleMs, options.now);
  const { records, length } = await searchTree(client, MODEL[feed], compiled.domain, CHANGE_SPEC[feed], {
    limit: options.limit,
    order: compiled.order,
    ...(feed === 'membership' ? {} : { context: { active_test: false } }),
  });
  const changes = records.map((record): RecordChange => {
    const writeDate = String(record.write_date).slice(0, 19);
    const createDate = String(record.create_date).slice(0, 19);
    const created = isNew(record.id, createDate, options.newSince ?? cursor, options.recent);
    let kind: ChangeKind;
    let data: Record<string, unknown>;
    if (feed === 'membership') {
      const ended = record.is_ended === true || (typeof record.ended_date === 'string' && record.ended_date !== '');
      kind = ended ? 'ended' : created ? 'added' : 'updated';
      data = { id: record.id, group: { id: idOf(record.group) }, individual: { id: idOf(record.individual) }, is_ended: ended };
    } else {
      kind = record.active === false ? 'archived' : created ? 'registered' : 'updated';
      data = { id: record.id };
    }
    return { feed, kind, id: record.id, writeDate, createDate, data };
  });
  return { changes, cursor: cursorAfter(compiled, records) ?? cursor, more: length > records.length };
}

/**
 * Changed records as the REST API shows them to a view (undefined: every field), for the
 * payloads of the receivers of change events: one Odoo call, asking for the view's fields
 * only. A group comes without its members, as in its events. Archived registrants are read
 * too; a record deleted since its change is absent from the answer.
 */
export async function readChangedRecords(
  client: OdooClient,
  feed: ChangeFeed,
  ids: readonly number[],
  view: FieldView | undefined,
  source: { catalog: Readonly<Record<Resource, FieldCatalog>>; customFields: readonly CustomField[] },
): Promise<Map<number, Record<string, unknown>>> {
  const { customFields } = source;
  let selection = view?.[feed];
  if (selection && feed === 'group' && selection.members !== undefined) {
    const { members: _members, ...own } = selection;
    selection = own;
  }
  const whole = feed === 'individual' ? individualSpec(customFields) : feed === 'group' ? groupSpec(customFields, false) : MEMBERSHIP_SPEC;
  const spec = selection ? specificationOf(source.catalog[feed], selection) : whole;
  const { records } = await searchTree(client, MODEL[feed], [['id', 'in', [...ids]]], spec, {
    limit: ids.length,
    ...(feed === 'membership' ? {} : { context: { active_test: false } }),
  });
  const map = (record: OdooRecord): Record<string, unknown> =>
    (feed === 'individual'
      ? toIndividual(record, customFields)
      : feed === 'group'
        ? toGroup(record, customFields, false)
        : toMembership(record)) as unknown as Record<string, unknown>;
  return new Map(records.map((record) => [record.id, selection ? project(map(record), selection) : map(record)]));
}

/**
 * The records a registrant's representation is made of, besides the registrant itself: its IDs,
 * phone numbers and bank accounts (written on their own, they leave the registrant's
 * write_date as it was), and memberships (which name their group and individual).
 */
const TOUCH_SOURCES: ReadonlyArray<{ model: string; domain: readonly (readonly [string, string, unknown])[]; keysOf(record: OdooRecord): string[] }> = [
  { model: 'res.partner', domain: [['is_registrant', '=', true]], keysOf: (r) => [partnerKey(r.id)] },
  { model: 'g2p.group.membership', domain: [], keysOf: (r) => [membershipKey(r.id), ...relationIds(r.group, r.individual).map(partnerKey)] },
  { model: 'g2p.reg.id', domain: [], keysOf: (r) => relationIds(r.partner_id).map(partnerKey) },
  { model: 'g2p.phone.number', domain: [], keysOf: (r) => relationIds(r.partner_id).map(partnerKey) },
  { model: 'res.partner.bank', domain: [], keysOf: (r) => relationIds(r.partner_id).map(partnerKey) },
];

const FIELDS_OF: Record<string, string[]> = {
  'res.partner': ['write_date'],
  'g2p.group.membership': ['group', 'individual', 'write_date'],
};

function relationIds(...values: unknown[]): number[] {
  return values.flatMap((v) => (Array.isArray(v) && typeof v[0] === 'number' ? [v[0]] : typeof v === 'number' ? [v] : []));
}

export interface TouchedRecords {
  /** Invalidation keys of the registrants and memberships whose representation changed. */
  keys: string[];
  /** Odoo write_date of each change read (UTC, `YYYY-MM-DD HH:MM:SS`). */
  writeDates: string[];
  /** True when more changed than `limit` per model: the caller must treat everything as changed. */
  overflow: boolean;
}

/**
 * Every record written at or after `since` (an Odoo datetime) that a registrant's or a
 * membership's representation is made of, mapped to their invalidation keys: one call per
 * model. A deleted child record leaves no trace here (see docs/cache.md).
 */
export async function readTouched(client: OdooClient, since: string, limit: number): Promise<TouchedRecords> {
  const keys = new Set<string>();
  const writeDates: string[] = [];
  let overflow = false;
  await Promise.all(
    TOUCH_SOURCES.map(async (source) => {
      const records = await client.searchRead(
        source.model,
        [...source.domain, ['write_date', '>=', since]],
        FIELDS_OF[source.model] ?? ['partner_id', 'write_date'],
        {
          limit: limit + 1,
          order: 'write_date asc, id asc',
          context: { active_test: false },
        },
      );
      if (records.length > limit) overflow = true;
      for (const record of records) {
        for (const key of source.keysOf(record)) keys.add(key);
        writeDates.push(String(record.write_date).slice(0, 19));
      }
    }),
  );
  return { keys: [...keys], writeDates, overflow };
}
