import { Groups } from './groups.js';
import { Individuals } from './individuals.js';
import { Memberships } from './memberships.js';
import { RegistryCore, type RegistryOptions } from './registry.js';

export { RegistryError, isRegistryError } from './errors.js';
export type { RegistryErrorKind } from './errors.js';
export type { Actor, Page, Versioned, RegistryOptions } from './registry.js';
export { MemoryIdempotencyStore } from './idempotency.js';
export { MemoryRecordLocks, type RecordLocks, type RecordLease } from './record-locks.js';
export type { IdempotencyStore, BeginResult, StoredResponse } from './idempotency.js';
export type { CustomField } from './custom-fields.js';
export { REFERENCE_MODELS, type ReferenceKind, type ReferenceItem } from './reference.js';

export interface Registry {
  core: RegistryCore;
  individuals: Individuals;
  groups: Groups;
  memberships: Memberships;
}

/** The registry use cases for one deployment (custom fields, page sizes, cache TTL). */
export function createRegistry(options: RegistryOptions): Registry {
  const core = new RegistryCore(options);
  return { core, individuals: new Individuals(core), groups: new Groups(core), memberships: new Memberships(core) };
}
