import type { OdooClient, OdooRecord } from '../odoo/types.js';
import type { CustomField, CustomFieldRole } from './custom-fields.js';
import { checkCustomFields } from './custom-fields.js';
import { encodeCursor } from './cursor.js';
import { invalidInput, RegistryError } from './errors.js';
import type { FieldError } from './field-error.js';
import { cursorAfter, nextCursor, type CompiledQuery, type SyncWindow } from './filters.js';
import { MemoryRecordLocks, type RecordLocks } from './record-locks.js';
import { ReferenceCache } from './reference.js';
import { BUILT_IN_FIELD_NAMES, registrySchemas, type RegistrySchemas } from './schemas.js';
import { versionOf } from './version.js';
import { utcToday, type WriteContext } from './writes.js';
import { searchTree } from './reader.js';

export interface RegistryOptions {
  customFields: readonly CustomField[];
  referenceCacheTtlMs: number;
  defaultPageSize: number;
  maxPageSize: number;
  maxBatchSize: number;
  /** See `api.syncSettleMs`. */
  syncSettleMs: number;
  /** Per-record write serialisation: shared leases when several replicas serve one registry; in this process by default. */
  locks?: RecordLocks;
}

/** Who acts: the Odoo account for this request and the caller's API roles (for custom fields). */
export interface Actor {
  client: OdooClient;
  roles: ReadonlySet<CustomFieldRole>;
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
  /** Sync (`sort=updated_at`) only: where to continue later to receive the changes made after this page. */
  resume_cursor?: string;
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

  constructor(readonly options: RegistryOptions) {
    this.locks = options.locks ?? new MemoryRecordLocks();
    const problems = checkCustomFields(options.customFields, BUILT_IN_FIELD_NAMES);
    if (problems.length) throw new Error(`api.customFields: ${problems.join('; ')}`);
    this.refs = new ReferenceCache(options.referenceCacheTtlMs);
    this.schemas = registrySchemas(options.customFields);
  }

  get customFields(): readonly CustomField[] {
    return this.options.customFields;
  }

  get sync(): SyncWindow {
    return { settleMs: this.options.syncSettleMs };
  }

  pageSize(limit: number | undefined): number {
    return Math.min(limit ?? this.options.defaultPageSize, this.options.maxPageSize);
  }

  writeContext(actor: Actor, path = ''): WriteContext {
    return { client: actor.client, refs: this.refs, customFields: this.customFields, roles: actor.roles, path, errors: [], today: utcToday() };
  }

  throwIfInvalid(errors: FieldError[]): void {
    if (errors.length) throw invalidInput(errors);
  }

  /** One `web_search_read` answers a whole page and its total. */
  async page<T>(
    actor: Actor,
    model: string,
    compiled: CompiledQuery,
    limit: number | undefined,
    specification: Parameters<OdooClient['webSearchRead']>[2],
    convert: (record: OdooRecord) => T,
  ): Promise<Page<T>> {
    const size = this.pageSize(limit);
    const spec = compiled.sort === 'updated_at' ? { ...specification, write_date: {} } : specification;
    const result = await searchTree(actor.client, model, compiled.domain, spec, {
      limit: size,
      order: compiled.order,
      context: compiled.includeArchived ? { active_test: false } : undefined,
      shareInFlight: true,
    });
    const hasMore = result.length > result.records.length;
    const cursor = nextCursor(compiled, result.records, hasMore);
    const resume = compiled.sort === 'updated_at' ? cursorAfter(compiled, result.records) : null;
    return {
      items: result.records.map(convert),
      next_cursor: cursor ? encodeCursor(cursor) : null,
      ...(compiled.cursor ? {} : { total: result.length }),
      ...(resume ? { resume_cursor: encodeCursor(resume) } : {}),
    };
  }
}

export function versioned<T>(value: T): Versioned<T> {
  return { value, version: versionOf(value) };
}

/** If-Match: `*` or one of the listed versions must be the current one. */
export function checkVersion(current: string, ifMatch: string[] | undefined): void {
  if (!ifMatch || ifMatch.includes('*') || ifMatch.includes(current)) return;
  throw new RegistryError('stale', 'The record has changed since you read it (If-Match does not match its current ETag); read it again and retry.');
}
