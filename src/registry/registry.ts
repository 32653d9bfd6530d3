import type { CallOptions, OdooClient, OdooRecord, WebSpecification as OdooSpecification } from '../odoo/types.js';
import type { CustomField, CustomFieldRole } from './custom-fields.js';
import { checkCustomFields } from './custom-fields.js';
import { CursorSeal, type Cursor } from './cursor.js';
import { invalidInput, RegistryError } from './errors.js';
import type { FieldError } from './field-error.js';
import { atCursor, cursorAfter, nextCursor, type CompiledQuery, type SyncWindow } from './filters.js';
import { ReadAhead } from './read-ahead.js';
import { MemoryRecordLocks, type RecordLease, type RecordLocks } from './record-locks.js';
import { ReferenceCache } from './reference.js';
import { BUILT_IN_FIELD_NAMES, registrySchemas, type RegistrySchemas } from './schemas.js';
import { versionOf } from './version.js';
import { utcToday, type WriteContext } from './writes.js';
import { searchKeysetPage, searchTree } from './reader.js';
import { partnerKey, RecordCache } from './record-cache.js';
import { UniqueIds, type SentIds } from './unique-ids.js';
import { fieldCatalog, FieldViews, project, specificationOf, versionUnder, type FieldView, type Resource, type ScopeFields } from './field-scope.js';

/** Individuals and groups are both Odoo partners. */
const REGISTRANT_MODEL = 'res.partner';
/** A feed walker asks for its next page within milliseconds; a page unclaimed this long was abandoned. */
const READ_AHEAD_HOLD_MS = 10_000;

export interface RegistryOptions {
  customFields: readonly CustomField[];
  referenceCacheTtlMs: number;
  defaultPageSize: number;
  maxPageSize: number;
  /** See `api.countLimit`. */
  countLimit: number;
  maxBatchSize: number;
  /** See `api.syncSettleMs`. */
  syncSettleMs: number;
  /** Per-record write serialisation: shared leases when several replicas serve one registry; in this process by default. */
  locks?: RecordLocks;
  /** The record cache (`cache.*`); off when not given. */
  cache?: RecordCache;
  /** `api.uniqueIdTypes`: ID types whose values belong to one registrant (a second holder is refused). */
  uniqueIdTypes?: readonly string[];
  /** Seals the cursors handed out (`cursors.*`); a key made here when not given. */
  cursors?: CursorSeal;
  /** Declared field scopes by name (the roles file's `fieldScopes`); none: every caller sees every field. */
  fieldScopes?: Readonly<Record<string, ScopeFields>>;
  /** See `api.feedReadAhead`; 0 (the default here) reads no page ahead. */
  feedReadAhead?: number;
}

/** Who acts: the Odoo account for this request and the caller's API roles (for custom fields). */
export interface Actor {
  client: OdooClient;
  roles: ReadonlySet<CustomFieldRole>;
  /** The ID types that must be unique for this caller's surface; `api.uniqueIdTypes` when absent. */
  uniqueIdTypes?: readonly string[];
  /** The fields this caller may see (its field scopes, narrowed by `?fields=`); every field when absent. */
  view?: FieldView;
}

export interface Versioned<T> {
  value: T;
  /** Opaque version of the record (ETag material). */
  version: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  total?: number;
  /** With `total`: false when the count stopped at `api.countLimit` (there are at least `total`). */
  total_exact?: boolean;
  /** Sync (`sort=updated_at`) only: where to continue later to receive the changes made after this page. */
  resume_cursor?: string;
}

/** An export's query: a list's filters and cursor, without page size, total or sort (always id order). */
export type ExportQuery<Q> = Omit<Q, 'limit' | 'exact_total' | 'sort'>;

/** One batch of an export: the records and the cursor after the last of them (to resume), and whether more follow. */
export interface Batch<T> {
  items: T[];
  cursor: string | null;
  more: boolean;
}

/**
 * What the use cases share: options, schemas, the reference cache and a few helpers. The use
 * cases themselves live in individuals.ts, groups.ts and memberships.ts.
 */
export class RegistryCore {
  readonly refs: ReferenceCache;
  readonly schemas: RegistrySchemas;
  /** Serialises check-then-write sequences per record (If-Match, one Head per group). */
  readonly locks: RecordLocks;
  /** Single-record reads answered from memory while current (a no-op when `cache.enabled` is false). */
  readonly cache: RecordCache;
  readonly uniqueIds: UniqueIds;
  /** Signs the cursors pages hand out and checks the ones callers send back. */
  readonly cursors: CursorSeal;
  /** The declared field scopes, and the view of each caller's set of them. */
  readonly views: FieldViews;
  /** Sync-feed pages read before their caller asks (see `api.feedReadAhead`). */
  private readonly readAhead: ReadAhead<{ records: OdooRecord[]; more: boolean }>;

  constructor(readonly options: RegistryOptions) {
    this.locks = options.locks ?? new MemoryRecordLocks();
    this.cursors = options.cursors ?? new CursorSeal({ maxAgeMs: 24 * 3600_000, maxBytes: 8192 });
    this.cache = options.cache ?? new RecordCache({ enabled: false, maxBytes: 0, maxAgeMs: 0 }, undefined);
    const problems = checkCustomFields(options.customFields, BUILT_IN_FIELD_NAMES);
    if (problems.length) throw new Error(`api.customFields: ${problems.join('; ')}`);
    this.refs = new ReferenceCache(options.referenceCacheTtlMs);
    this.uniqueIds = new UniqueIds(this.locks, this.refs);
    this.schemas = registrySchemas(options.customFields);
    this.views = new FieldViews(fieldCatalog(options.customFields), options.fieldScopes ?? {});
    this.readAhead = new ReadAhead({ maxHeld: options.feedReadAhead ?? 0, holdMs: READ_AHEAD_HOLD_MS });
  }

  /** The Odoo specification a read of `resource` sends for this caller: `whole` unless its view narrows it. */
  specFor(actor: Actor, resource: Resource, whole: OdooSpecification, withMembers = true): OdooSpecification {
    const selection = actor.view?.[resource];
    if (!selection) return whole;
    if (resource === 'group' && !withMembers && selection.members !== undefined) {
      const { members: _members, ...own } = selection;
      return specificationOf(this.views.catalog.group, own);
    }
    return specificationOf(this.views.catalog[resource], selection);
  }

  /** A record as this caller may see it: only the fields of its view (the record itself without one). */
  present<T>(actor: Actor, resource: Resource, value: T): T {
    const selection = actor.view?.[resource];
    return selection ? project(value, selection) : value;
  }

  /** A record already presented to this caller, with its version under the caller's view. */
  versioned<T>(actor: Actor, value: T): Versioned<T> {
    return { value, version: versionUnder(actor.view, value) };
  }

  /** A whole record (what a write's logic needs) with the version the caller was shown of it (what its If-Match names). */
  wholeVersioned<T>(actor: Actor, resource: Resource, whole: T, versionOfOwn: (value: T) => unknown = (v) => v): Versioned<T> {
    return { value: whole, version: versionUnder(actor.view, versionOfOwn(this.present(actor, resource, whole))) };
  }

  /** The address of a cached record for this caller: its Odoo account, and its view (no entry serves another view). */
  cacheAccount(actor: Actor): string {
    return actor.view ? `${actor.client.login}\u0000${actor.view.fingerprint}` : actor.client.login;
  }

  get customFields(): readonly CustomField[] {
    return this.options.customFields;
  }

  get sync(): SyncWindow {
    return { settleMs: this.options.syncSettleMs };
  }

  /** The page size a caller's `limit` asks for: above `api.maxPageSize` it is refused, not quietly cut. */
  pageSize(limit: number | undefined): number {
    const max = this.options.maxPageSize;
    if (limit !== undefined && limit > max) {
      const message = `must be at most ${max} (api.maxPageSize); follow next_cursor for more`;
      throw new RegistryError('bad_parameter', `query.limit: ${message}`, [{ field: 'query.limit', message }]);
    }
    return Math.min(limit ?? this.options.defaultPageSize, max);
  }

  /** Runs a write holding the unique IDs it sends (`self`: the registrant written, for a PATCH). */
  holdingUniqueIds<R>(actor: Actor, sent: SentIds[], self: number | undefined, write: (fence: () => Promise<CallOptions>) => Promise<R>): Promise<R> {
    return this.uniqueIds.holding(actor.client, actor.uniqueIdTypes ?? this.options.uniqueIdTypes ?? [], sent, self, write);
  }

  writeContext(actor: Actor, path = ''): WriteContext {
    return { client: actor.client, refs: this.refs, customFields: this.customFields, roles: actor.roles, path, errors: [], today: utcToday() };
  }

  throwIfInvalid(errors: FieldError[]): void {
    if (errors.length) throw invalidInput(errors);
  }

  /**
   * A read-check-write sequence under the record's lock (one winner per version): `read` the
   * current record, check If-Match against its version, then `write`, which must pass
   * `lease.fence()` to each Odoo write it sends. Every PATCH and DELETE of the registry runs so.
   */
  lockedWrite<T, R>(
    key: string,
    read: () => Promise<Versioned<T>>,
    ifMatch: string[] | undefined,
    write: (current: Versioned<T>, lease: RecordLease) => Promise<R>,
  ): Promise<R> {
    return this.locks.run(key, async (lease) => {
      const current = await read();
      checkVersion(current.version, ifMatch);
      return write(current, lease);
    });
  }

  /**
   * One `web_search_read` answers a whole page and its total. Odoo counts the matches whenever a
   * first page is full; `count_limit` bounds that count: one past the page on first pages of a
   * "contains" filter, `api.countLimit` past it on others, unless `exactTotal`. A later (cursor)
   * page only needs "is there more": it reads one record past the page and counts nothing.
   */
  async page<T>(
    actor: Actor,
    model: string,
    compiled: CompiledQuery,
    limit: number | undefined,
    exactTotal: boolean,
    specification: Parameters<OdooClient['webSearchRead']>[2],
    convert: (record: OdooRecord) => T,
  ): Promise<Page<T>> {
    const size = this.pageSize(limit);
    const spec = compiled.sort === 'updated_at' ? { ...specification, write_date: {} } : specification;
    const options = { limit: size, order: compiled.order, context: compiled.includeArchived ? { active_test: false } : undefined, shareInFlight: true };
    const feed = compiled.sort === 'updated_at' && this.readAhead.enabled;
    const heldAs = (cursor: Cursor) => JSON.stringify([this.cacheAccount(actor), model, compiled.filter, cursor, size, spec]);
    // A read-ahead that found the end is read again: the end moves on as the registry changes.
    let read = feed && compiled.cursor ? await this.readAhead.claim(heldAs(compiled.cursor)) : undefined;
    if (!read?.more) read = undefined;
    let total: { total: number; total_exact: boolean } | undefined;
    if (!read && compiled.cursor) {
      read = await searchKeysetPage(actor.client, model, compiled.domain, spec, options);
    } else if (!read) {
      // A "contains" filter counts one past the page: PostgreSQL then walks the page's own order
      // and stops, instead of reading every match's trigram entries (docs/scale.md).
      const countLimit = compiled.containsText ? size : this.options.countLimit;
      const result = await searchTree(actor.client, model, compiled.domain, spec, { ...options, ...(exactTotal ? {} : { countLimit: countLimit + 1 }) });
      read = { records: result.records, more: result.length > result.records.length };
      total = totalOf(result.length, read.more && !exactTotal ? countLimit : undefined);
    }
    const { records, more } = read;
    const cursor = nextCursor(compiled, records, more);
    if (feed && cursor) {
      const next = atCursor(compiled, cursor);
      await this.readAhead.start(heldAs(cursor), () => searchKeysetPage(actor.client, model, next.domain, spec, { ...options, shareInFlight: false }));
    }
    const resume = compiled.sort === 'updated_at' ? cursorAfter(compiled, records) : null;
    return {
      items: records.map(convert),
      next_cursor: cursor ? this.cursors.seal(cursor) : null,
      ...total,
      ...(resume ? { resume_cursor: this.cursors.seal(resume) } : {}),
    };
  }

  /**
   * A batch of `api.maxPageSize` records for an export: keyset (the compiled cursor), counting
   * at most one past the batch (only "is there more" matters), never a total.
   */
  async batch<T>(
    actor: Actor,
    model: string,
    compiled: CompiledQuery,
    specification: Parameters<OdooClient['webSearchRead']>[2],
    convert: (record: OdooRecord) => T,
  ): Promise<Batch<T>> {
    const size = this.options.maxPageSize;
    const { records, more } = await searchKeysetPage(actor.client, model, compiled.domain, specification, {
      limit: size,
      order: compiled.order,
      context: compiled.includeArchived ? { active_test: false } : undefined,
    });
    const after = cursorAfter(compiled, records);
    return { items: records.map(convert), cursor: after ? this.cursors.seal(after) : null, more };
  }
}

/** A page that is not full holds every match: Odoo then returns their number without counting. */
function totalOf(length: number, countLimit: number | undefined): { total: number; total_exact: boolean } {
  return countLimit !== undefined && length > countLimit ? { total: countLimit, total_exact: false } : { total: length, total_exact: true };
}

export function versioned<T>(value: T): Versioned<T> {
  return { value, version: versionOf(value) };
}

/** PATCH of an individual or a group: `values` turns the patch into Odoo values (none: nothing is written). */
export function updateRegistrant<T>(
  core: RegistryCore,
  actor: Actor,
  id: number,
  read: () => Promise<Versioned<T>>,
  ifMatch: string[] | undefined,
  values: (ctx: WriteContext, current: T) => Promise<Record<string, unknown>>,
  regIds?: SentIds['regIds'],
): Promise<Versioned<T>> {
  return core.lockedWrite(`${REGISTRANT_MODEL}:${id}`, read, ifMatch, async (current, lease) => {
    const ctx = core.writeContext(actor);
    const vals = await values(ctx, current.value);
    core.throwIfInvalid(ctx.errors);
    if (Object.keys(vals).length === 0) return current;
    await core.holdingUniqueIds(actor, [{ path: '', regIds }], id, async (fence) =>
      actor.client.write(REGISTRANT_MODEL, [id], vals, { ...(await lease.fence()), ...(await fence()) }),
    );
    await core.cache.invalidate([partnerKey(id)], 'write');
    return read();
  });
}

/** DELETE of an individual or a group archives it (`active = false`) under its lock; nothing is destroyed, archiving twice is fine. */
export function archiveRegistrant(
  core: RegistryCore,
  actor: Actor,
  id: number,
  read: () => Promise<Versioned<{ active: boolean }>>,
  ifMatch: string[] | undefined,
): Promise<void> {
  return core.lockedWrite(`${REGISTRANT_MODEL}:${id}`, read, ifMatch, async (current, lease) => {
    if (!current.value.active) return;
    await actor.client.write(REGISTRANT_MODEL, [id], { active: false }, await lease.fence());
    await core.cache.invalidate([partnerKey(id)], 'write');
  });
}

/** If-Match: `*` or one of the listed versions must be the current one. */
export function checkVersion(current: string, ifMatch: string[] | undefined): void {
  if (!ifMatch || ifMatch.includes('*') || ifMatch.includes(current)) return;
  throw new RegistryError('stale', 'The record has changed since you read it (If-Match does not match its current ETag); read it again and retry.');
}
