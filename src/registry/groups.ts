import type { OdooRecord } from '../odoo/types.js';
import { RegistryError, registrantNotFound } from './errors.js';
import type { FieldError } from './field-error.js';
import { compileGroupQuery, nameTerms, registrantDomain, type GroupQuery } from './filters.js';
import { groupSpec, toGroup } from './mapping.js';
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
import type { Group, GroupCreate, GroupPatch } from './schemas.js';
import { commonValues, idAndPhoneValues, type RegistrantContacts, type WriteContext } from './writes.js';
import { resolveKinds } from './memberships.js';
import { odooDatetime } from './values.js';
import { searchTree } from './reader.js';
import { inPartnerOrder } from './partner-order.js';
import { partnerKey, type CachedRead } from './record-cache.js';
import { namingRefusedField } from './refusals.js';
import { fieldsUsedBy, GROUP_FILTER_FIELDS } from './field-scope.js';

const MODEL = 'res.partner';

/** Use cases on groups: reads are scoped to `is_registrant = true, is_group = true`. */
export class Groups {
  constructor(private readonly core: RegistryCore) {}

  private convert(withMembers: boolean, actor?: Actor) {
    if (actor?.view?.group) return (record: OdooRecord): Group => this.core.present(actor, 'group', toGroup(record, this.core.customFields, withMembers));
    return (record: OdooRecord): Group => toGroup(record, this.core.customFields, withMembers);
  }

  /** What this caller's reads send to Odoo: narrowed to its field view (members only if it shows them). */
  private specFor(actor: Actor, withMembers: boolean) {
    return this.core.specFor(actor, 'group', groupSpec(this.core.customFields, withMembers), withMembers);
  }

  async list(actor: Actor, query: GroupQuery & { expand_members?: boolean }): Promise<Page<Group>> {
    this.core.views.requireVisible(actor.view, fieldsUsedBy('group', GROUP_FILTER_FIELDS, query as Record<string, unknown>));
    const compiled = await compileGroupQuery(actor.client, this.core.refs, query, this.core.sync, this.core.cursors);
    const withMembers = query.expand_members === true;
    return this.core.page(actor, MODEL, compiled, query.limit, query.exact_total === true, this.specFor(actor, withMembers), this.convert(withMembers, actor));
  }

  /** One batch of an export: the list's filters, in id order, after `query.cursor`, members included when asked. */
  async exportBatch(actor: Actor, query: ExportQuery<GroupQuery> & { expand_members?: boolean }): Promise<Batch<Group>> {
    this.core.views.requireVisible(actor.view, fieldsUsedBy('group', GROUP_FILTER_FIELDS, query as Record<string, unknown>));
    const compiled = await compileGroupQuery(actor.client, this.core.refs, { ...query, sort: 'id' }, this.core.sync, this.core.cursors);
    const withMembers = query.expand_members === true;
    return this.core.batch(actor, MODEL, compiled, this.specFor(actor, withMembers), this.convert(withMembers, actor));
  }

  /** The active groups whose name contains `name` (any case), members included when asked, in Odoo's default order for partners, in batches of `api.maxPageSize`. */
  inOdooOrder(actor: Actor, withMembers: boolean, name?: string): AsyncGenerator<Group[]> {
    if (name) this.core.views.requireVisible(actor.view, [{ parameter: 'query.name', resource: 'group', path: 'name' }]);
    const domain = [...registrantDomain(true), ...nameTerms(name)];
    return inPartnerOrder(actor, MODEL, domain, this.specFor(actor, withMembers), this.convert(withMembers, actor), this.core.options.maxPageSize);
  }

  /**
   * One call, members included when asked (web_search_read nests them). The version covers the
   * group's own fields only, so it is the same with or without `expand=members` and is what
   * If-Match on PATCH / DELETE of the group compares.
   */
  async get(actor: Actor, id: number, withMembers = false, shareInFlight = true): Promise<Versioned<Group>> {
    // No limit: an id matches one record at most, and a page that is not full costs Odoo no count.
    const { records } = await searchTree(actor.client, MODEL, [['id', '=', id], ...registrantDomain(true)], this.specFor(actor, withMembers), {
      context: { active_test: false },
      shareInFlight,
    });
    if (!records[0]) throw registrantNotFound('group', id);
    const group = this.convert(withMembers, actor)(records[0]);
    const { members: _members, ...own } = group;
    return { value: group, version: actor.view ? this.core.versioned(actor, own).version : versioned(own).version };
  }

  /** The whole group (without members), for a write's own logic, with the version the caller was shown. */
  private async current(actor: Actor, id: number): Promise<Versioned<Group>> {
    if (!actor.view) return this.get(actor, id);
    const { value } = await this.get({ ...actor, view: undefined }, id);
    return this.core.wholeVersioned(actor, 'group', value);
  }

  /**
   * `get` without members, answered from the record cache when it holds a current copy. With
   * members the representation names every member: those reads always go to Odoo.
   */
  read(actor: Actor, id: number, withMembers: boolean, refresh = false): Promise<CachedRead<Group>> {
    if (withMembers) return this.get(actor, id, true);
    return this.core.cache.read(
      this.core.cacheAccount(actor),
      'group',
      String(id),
      refresh,
      (shareInFlight) => this.get(actor, id, false, shareInFlight),
      () => [partnerKey(id)],
    );
  }

  /**
   * The group and its memberships in ONE Odoo `create` (memberships as x2many commands), so a
   * refused member leaves no half-made group. Members must be existing individuals.
   */
  async create(actor: Actor, input: GroupCreate & RegistrantContacts, marker?: string): Promise<Versioned<Group>> {
    this.core.views.requireWritable(actor.view, 'group', input);
    const ctx = this.core.writeContext(actor);
    const vals = await this.groupValues(ctx, input);
    await idAndPhoneValues(ctx, input, vals);
    vals.is_registrant = true;
    vals.is_group = true;
    if (marker) vals.ref = marker;
    const members = input.members ?? [];
    const commands: unknown[] = [];
    let uniqueHolder: string | undefined;
    const seen = new Set<number>();
    for (const [i, member] of members.entries()) {
      const path = `members[${i}]`;
      if (seen.has(member.individual)) {
        throw new RegistryError('conflict', `Duplication of Member is not allowed: individual ${member.individual} is listed twice.`, [
          { field: `${path}.individual`, message: 'listed twice' },
        ]);
      }
      seen.add(member.individual);
      const kinds = await resolveKinds(ctx, member.kinds, `${path}.kinds`);
      for (const kind of kinds.filter((k) => k.extra.is_unique === true)) {
        if (uniqueHolder === kind.name) {
          throw new RegistryError('conflict', `A group has at most one member of kind "${kind.name}".`, [
            { field: `${path}.kinds`, message: `a second "${kind.name}"` },
          ]);
        }
        uniqueHolder = kind.name;
      }
      const values: Record<string, unknown> = { individual: member.individual, kind: [[6, 0, kinds.map((k) => k.id)]] };
      if (member.start_date) values.start_date = odooDatetime(member.start_date);
      commands.push([0, 0, values]);
    }
    this.core.throwIfInvalid(ctx.errors);
    if (members.length) {
      const ids = [...seen];
      const found = new Set(await actor.client.search(MODEL, [['id', 'in', ids], ...registrantDomain(false)]));
      const errors: FieldError[] = members
        .map((m, i) => (found.has(m.individual) ? undefined : { field: `members[${i}].individual`, message: `no individual with id ${m.individual}` }))
        .filter((e): e is FieldError => e !== undefined);
      this.core.throwIfInvalid(errors);
      vals.group_membership_ids = commands;
    }
    const id = await this.core.holdingUniqueIds(actor, [{ path: '', regIds: input.reg_ids }], undefined, (fence) =>
      namingRefusedField(input, '', async () => actor.client.create(MODEL, vals, await fence())),
    );
    return this.get(actor, id, true);
  }

  /** Read, If-Match check and write hold the record's lock: one winner per version. */
  async update(actor: Actor, id: number, patch: GroupPatch, ifMatch?: string[]): Promise<Versioned<Group>> {
    this.core.views.requireWritable(actor.view, 'group', patch);
    const updated = await namingRefusedField(patch, '', () =>
      updateRegistrant(
        this.core,
        actor,
        id,
        () => this.current(actor, id),
        ifMatch,
        (ctx) => this.groupValues(ctx, patch),
      ),
    );
    return { value: this.core.present(actor, 'group', updated.value), version: updated.version };
  }

  async archive(actor: Actor, id: number, ifMatch?: string[]): Promise<void> {
    return archiveRegistrant(this.core, actor, id, () => this.current(actor, id), ifMatch);
  }

  async findByMarker(actor: Actor, marker: string): Promise<number[]> {
    return actor.client.search(MODEL, [['ref', '=', marker], ...registrantDomain(true)], { order: 'id asc', context: { active_test: false } });
  }

  private async groupValues(ctx: WriteContext, input: GroupPatch): Promise<Record<string, unknown>> {
    const vals: Record<string, unknown> = {};
    const { members: _members, reg_ids: _regIds, phone_numbers: _phones, ...own } = input as GroupCreate & RegistrantContacts;
    await commonValues(ctx, own as Record<string, unknown>, vals);
    if (input.name !== undefined) vals.name = input.name;
    if (input.is_partial_group !== undefined) vals.is_partial_group = input.is_partial_group;
    if (input.kind !== undefined) {
      if (input.kind === null) vals.kind = false;
      else {
        const kind = await ctx.refs.resolveInto(ctx.client, 'groupKinds', input.kind, 'kind', ctx.errors);
        if (kind) vals.kind = kind.id;
      }
    }
    return vals;
  }
}
