import { Groups } from './groups.js';
import { Individuals } from './individuals.js';
import { Memberships } from './memberships.js';
import type { FieldError } from './field-error.js';
import type { ReferenceItem, ReferenceKind } from './reference.js';
import { RegistryCore, type Actor, type RegistryOptions } from './registry.js';
import type { RegistrySchemas } from './schemas.js';

export { RegistryError, isRegistryError } from './errors.js';
export type { Actor, Batch, Versioned, RegistryOptions } from './registry.js';
export type { IdempotencyStore, StoredResponse } from './idempotency.js';
export { type ReferenceKind, type ReferenceItem } from './reference.js';

/** Reference data (ID types, group and membership kinds, genders), from the cache that also resolves names on input. */
export interface ReferenceData {
  list(actor: Actor, kind: ReferenceKind): Promise<ReferenceItem[]>;
  /** The item named (any case) or numbered `value`, or undefined when there is none. */
  find(actor: Actor, kind: ReferenceKind, value: string | number): Promise<ReferenceItem | undefined>;
}

/** What the HTTP layer uses of the registry. */
export interface Registry {
  individuals: Individuals;
  groups: Groups;
  memberships: Memberships;
  reference: ReferenceData;
  /** The zod schemas of the deployment's records (custom fields included). */
  schemas: RegistrySchemas;
  /** `api.maxPageSize`: the most records one Odoo answer carries. */
  maxPageSize: number;
  /** Shared state of the use cases, for the registry's sibling modules (custom endpoints); not for the HTTP layer. */
  core: RegistryCore;
}

/** The registry use cases for one deployment (custom fields, page sizes, cache TTL). */
export function createRegistry(options: RegistryOptions): Registry {
  const core = new RegistryCore(options);
  const reference: ReferenceData = {
    list: (actor, kind) => core.refs.list(actor.client, kind),
    find: (actor, kind, value) => core.refs.resolveInto(actor.client, kind, value, kind, [] as FieldError[]),
  };
  return {
    core,
    individuals: new Individuals(core),
    groups: new Groups(core),
    memberships: new Memberships(core),
    reference,
    schemas: core.schemas,
    maxPageSize: options.maxPageSize,
  };
}
