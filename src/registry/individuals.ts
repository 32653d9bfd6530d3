import type { OdooRecord } from '../odoo/types.js';
import { registrantNotFound, RegistryError } from './errors.js';
import type { FieldError } from './field-error.js';
import { compileIndividualQuery, nameTerms, registrantDomain, type IndividualQuery } from './filters.js';
import { individualSpec, MEMBERSHIP_SPEC, toIndividual, toMembership } from './mapping.js';
import {
  archiveRegistrant,
  updateRegistrant,
  versioned,
  type Actor,
  type Batch,
  type ExportQuery,
  type Page,
  type RegistryCore,
  type Versioned,
} from './registry.js';
import type { Individual, IndividualCreate, IndividualPatch, Membership } from './schemas.js';
import { individualCreateValues, individualPatchValues, type RegistrantPhoto } from './writes.js';
import { searchTree } from './reader.js';
import { inPartnerOrder } from './partner-order.js';
import { namingRefusedField } from './refusals.js';
import { regIdValuesOfType } from './reg-id-values.js';
import { partnerKey, type CachedRead } from './record-cache.js';
import { fieldsUsedBy, INDIVIDUAL_FILTER_FIELDS } from './field-scope.js';

const MODEL = 'res.partner';

/** Use cases on individuals: every read is scoped to `is_registrant = true, is_group = false`. */
export class Individuals {
  /** Built once: the custom fields are fixed by the configuration. */
  private readonly spec: ReturnType<typeof individualSpec>;

  constructor(private readonly core: RegistryCore) {
    this.spec = individualSpec(core.customFields);
  }

  private convert = (record: OdooRecord): Individual => toIndividual(record, this.core.customFields);

  /** What this caller's reads send to Odoo and how their records are shown: narrowed to its field view. */
  private specFor = (actor: Actor) => this.core.specFor(actor, 'individual', this.spec);
  private convertFor(actor: Actor): (record: OdooRecord) => Individual {
    return actor.view?.individual ? (record) => this.core.present(actor, 'individual', this.convert(record)) : this.convert;
  }

  async list(actor: Actor, query: IndividualQuery): Promise<Page<Individual>> {
    this.core.views.requireVisible(actor.view, fieldsUsedBy('individual', INDIVIDUAL_FILTER_FIELDS, query as Record<string, unknown>));
    const compiled = await compileIndividualQuery(actor.client, this.core.refs, query, this.core.sync, this.core.cursors);
    return this.core.page(actor, MODEL, compiled, query.limit, query.exact_total === true, this.specFor(actor), this.convertFor(actor));
  }

  /** One batch of an export: the list's filters, in id order, after `query.cursor`. */
  async exportBatch(actor: Actor, query: ExportQuery<IndividualQuery>): Promise<Batch<Individual>> {
    this.core.views.requireVisible(actor.view, fieldsUsedBy('individual', INDIVIDUAL_FILTER_FIELDS, query as Record<string, unknown>));
    const compiled = await compileIndividualQuery(actor.client, this.core.refs, { ...query, sort: 'id' }, this.core.sync, this.core.cursors);
    return this.core.batch(actor, MODEL, compiled, this.specFor(actor), this.convertFor(actor));
  }

  /**
   * The active individuals whose name contains `name` (any case), in Odoo's default order for
   * partners (name, then newest first: the order OpenG2P's REST module lists them in), in
   * batches of `api.maxPageSize`.
   */
  inOdooOrder(actor: Actor, name?: string): AsyncGenerator<Individual[]> {
    if (name) this.core.views.requireVisible(actor.view, [{ parameter: 'query.name', resource: 'individual', path: 'name' }]);
    return inPartnerOrder(
      actor,
      MODEL,
      [...registrantDomain(false), ...nameTerms(name)],
      this.specFor(actor),
      this.convertFor(actor),
      this.core.options.maxPageSize,
    );
  }

  /** One call; archived individuals are found too (they show `active: false`). */
  async get(actor: Actor, id: number, shareInFlight = true): Promise<Versioned<Individual>> {
    const [record] = await this.readMany(actor, [id], shareInFlight);
    if (!record) throw registrantNotFound('individual', id);
    return actor.view ? this.core.versioned(actor, record) : versioned(record);
  }

  /** The whole record, for a write's own logic, with the version the caller was shown (what its If-Match names). */
  private async current(actor: Actor, id: number): Promise<Versioned<Individual>> {
    if (!actor.view) return this.get(actor, id);
    const { value } = await this.get({ ...actor, view: undefined }, id);
    return this.core.wholeVersioned(actor, 'individual', value);
  }

  /** `get` answered from the record cache when it holds a current copy (`refresh`: always from Odoo, kept for the next reader). */
  read(actor: Actor, id: number, refresh = false): Promise<CachedRead<Individual>> {
    return this.core.cache.read(
      this.core.cacheAccount(actor),
      'individual',
      String(id),
      refresh,
      (shareInFlight) => this.get(actor, id, shareInFlight),
      () => [partnerKey(id)],
    );
  }

  async readMany(actor: Actor, ids: number[], shareInFlight = true): Promise<Individual[]> {
    if (ids.length === 0) return [];
    const { records } = await searchTree(actor.client, MODEL, [['id', 'in', ids], ...registrantDomain(false)], this.specFor(actor), {
      order: 'id asc',
      context: { active_test: false },
      shareInFlight,
    });
    return records.map(this.convertFor(actor));
  }

  /**
   * Look-up by registrant ID. OpenG2P allows the same value on two registrants (duplicates are
   * found later by deduplication), so more than one match is a 409 naming the candidates.
   */
  async findByRegId(actor: Actor, idType: string, value: string): Promise<Versioned<Individual>> {
    this.core.views.requireVisible(actor.view, [
      { parameter: 'params.id_type', resource: 'individual', path: 'reg_ids.id_type' },
      { parameter: 'params.value', resource: 'individual', path: 'reg_ids.value' },
    ]);
    const type = await this.core.refs.resolve(actor.client, 'idTypes', /^\d+$/.test(idType) ? Number(idType) : idType, 'id_type');
    const { records } = await searchTree(
      actor.client,
      MODEL,
      [
        ...registrantDomain(false),
        [
          'reg_ids',
          'any',
          [
            ['id_type', '=', type.id],
            ['value', '=', value],
          ],
        ],
      ],
      this.specFor(actor),
      { limit: 2, order: 'id asc', shareInFlight: true },
    );
    if (records.length === 0) throw new RegistryError('not_found', `No individual has the ${type.name} "${value}".`);
    if (records.length > 1) {
      throw new RegistryError('conflict', `More than one individual has the ${type.name} "${value}".`, undefined, {
        candidates: records.map((r) => r.id),
      });
    }
    const found = this.convertFor(actor)(records[0]!);
    return actor.view ? this.core.versioned(actor, found) : versioned(found);
  }

  async create(actor: Actor, input: IndividualCreate & RegistrantPhoto, marker?: string): Promise<Versioned<Individual>> {
    this.core.views.requireWritable(actor.view, 'individual', input);
    const ctx = this.core.writeContext(actor);
    const vals = await individualCreateValues(ctx, input, marker);
    this.core.throwIfInvalid(ctx.errors);
    const id = await this.core.holdingUniqueIds(actor, [{ path: '', regIds: input.reg_ids }], undefined, (fence) =>
      namingRefusedField(input, '', async () => actor.client.create(MODEL, vals, await fence())),
    );
    return this.get(actor, id);
  }

  /**
   * Many individuals in ONE Odoo `create` (one transaction: all or nothing). Every item is
   * validated first, so a bad item 17 is reported with the others before Odoo sees any.
   */
  async createMany(actor: Actor, items: unknown[], marker?: string): Promise<Individual[]> {
    if (items.length > this.core.options.maxBatchSize) {
      throw new RegistryError('invalid', `A batch holds at most ${this.core.options.maxBatchSize} items.`, [
        { field: 'items', message: `at most ${this.core.options.maxBatchSize} items` },
      ]);
    }
    const errors: FieldError[] = [];
    const valsList: Record<string, unknown>[] = [];
    for (const item of items) this.core.views.requireWritable(actor.view, 'individual', item);
    for (const [i, item] of items.entries()) {
      const parsed = this.core.schemas.individualCreate.safeParse(item);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) errors.push({ field: `items[${i}]${issuePath(issue.path)}`, message: issue.message });
        continue;
      }
      const ctx = this.core.writeContext(actor, `items[${i}].`);
      valsList.push(await individualCreateValues(ctx, parsed.data, marker));
      errors.push(...ctx.errors);
    }
    this.core.throwIfInvalid(errors);
    const sent = items.map((item, i) => ({ path: `items[${i}].`, regIds: (item as IndividualCreate).reg_ids }));
    const ids = await this.core.holdingUniqueIds(actor, sent, undefined, (fence) =>
      namingRefusedField(items, 'items', async () => actor.client.createMany(MODEL, valsList, await fence())),
    );
    return this.readMany(actor, ids);
  }

  /** Read, If-Match check and write hold the record's lock: one winner per version. */
  async update(actor: Actor, id: number, patch: IndividualPatch & RegistrantPhoto, ifMatch?: string[]): Promise<Versioned<Individual>> {
    this.core.views.requireWritable(actor.view, 'individual', patch);
    const updated = await namingRefusedField(patch, '', () =>
      updateRegistrant(
        this.core,
        actor,
        id,
        () => this.current(actor, id),
        ifMatch,
        (ctx, current) => individualPatchValues(ctx, patch, current),
        patch.reg_ids,
      ),
    );
    return { value: this.core.present(actor, 'individual', updated.value), version: updated.version };
  }

  /** DELETE archives (`active = false`); nothing is destroyed. Archiving twice is fine. */
  async archive(actor: Actor, id: number, ifMatch?: string[]): Promise<void> {
    return archiveRegistrant(this.core, actor, id, () => this.current(actor, id), ifMatch);
  }

  /** The individual's memberships (ended ones included, flagged), in one call. */
  async groups(actor: Actor, id: number): Promise<Membership[]> {
    const { records } = await searchTree(
      actor.client,
      MODEL,
      [['id', '=', id], ...registrantDomain(false)],
      { individual_membership_ids: { fields: this.core.specFor(actor, 'membership', MEMBERSHIP_SPEC), order: 'id asc' } },
      { limit: 1, context: { active_test: false } },
    );
    if (!records[0]) throw registrantNotFound('individual', id);
    const memberships = records[0].individual_membership_ids;
    return Array.isArray(memberships) ? memberships.map((m) => this.core.present(actor, 'membership', toMembership(m as Record<string, unknown>))) : [];
  }

  /** The values of the IDs of one type the active individuals hold (OpenG2P's `get_individual_ids`; see reg-id-values.ts). */
  async regIdValues(actor: Actor, includeType: string, excludeType?: string): Promise<string[]> {
    this.core.views.requireVisible(actor.view, [
      { parameter: 'query.include_id_type', resource: 'individual', path: 'reg_ids.id_type' },
      { parameter: 'query.include_id_type', resource: 'individual', path: 'reg_ids.value' },
    ]);
    return regIdValuesOfType(this.core, actor, includeType, excludeType);
  }

  /** Ids of the individuals an earlier create with this idempotency marker made (in creation order). */
  async findByMarker(actor: Actor, marker: string): Promise<number[]> {
    return actor.client.search(MODEL, [['ref', '=', marker], ...registrantDomain(false)], { order: 'id asc', context: { active_test: false } });
  }
}

export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}
