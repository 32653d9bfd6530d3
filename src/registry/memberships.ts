import type { OdooRecord } from '../odoo/types.js';
import { RegistryError, registrantNotFound } from './errors.js';
import { cursorDomain } from './filters.js';
import { MEMBERSHIP_SPEC, toMembership } from './mapping.js';
import type { ReferenceItem } from './reference.js';
import { versioned, type Actor, type Page, type RegistryCore, type Versioned } from './registry.js';
import type { MemberInput, MemberPatch, Membership } from './schemas.js';
import type { RecordLease } from './record-locks.js';
import { odooDatetime } from './values.js';
import type { WriteContext } from './writes.js';
import { membershipKey, partnerKey, type CachedRead } from './record-cache.js';
import { searchTree } from './reader.js';

const MODEL = 'g2p.group.membership';
/** The same key the group's own PATCH/DELETE take (groups live in res.partner). */
const groupLock = (groupId: number) => `res.partner:${groupId}`;

export async function resolveKinds(ctx: WriteContext, kinds: ReadonlyArray<string | number>, path: string): Promise<ReferenceItem[]> {
  const out: ReferenceItem[] = [];
  for (const [i, kind] of kinds.entries()) {
    const item = await ctx.refs.resolveInto(ctx.client, 'membershipKinds', kind, `${path}[${i}]`, ctx.errors);
    if (item && !out.some((k) => k.id === item.id)) out.push(item);
  }
  return out;
}

interface OtherMember {
  id: number;
  individual: number;
  kinds: number[];
  ended: boolean;
}

/**
 * Memberships of a group. Nothing is ever deleted: ending a membership sets `ended_date`.
 * The gateway enforces "at most one active member of a unique kind (Head)" itself, because
 * Odoo checks it only in its web form, never over RPC.
 */
export class Memberships {
  constructor(private readonly core: RegistryCore) {}

  async list(actor: Actor, groupId: number, query: { limit?: number; cursor?: string; include_ended?: boolean }): Promise<Page<Membership>> {
    const filter = `members:${groupId}:${query.include_ended === true}`;
    const cursor = query.cursor ? this.core.cursors.open(query.cursor, { order: 'id', filter }) : undefined;
    const domain = [
      ['group', '=', groupId] as const,
      ...(query.include_ended ? [] : [['is_ended', '=', false] as const]),
      ...(cursor ? cursorDomain(cursor) : []),
    ];
    const size = this.core.pageSize(query.limit);
    const result = await searchTree(actor.client, MODEL, domain, this.core.specFor(actor, 'membership', MEMBERSHIP_SPEC), { limit: size, order: 'id asc' });
    // An empty first page may mean "no such group": only then is a second call spent to tell.
    if (result.records.length === 0 && !cursor) await this.groupInfo(actor, groupId);
    const last = result.records.at(-1);
    const hasMore = result.length > result.records.length;
    return {
      items: result.records.map((r) => this.core.present(actor, 'membership', toMembership(r))),
      next_cursor: hasMore && last ? this.core.cursors.seal({ order: 'id', after: last.id, filter }) : null,
      ...(cursor ? {} : { total: result.length }),
    };
  }

  async get(actor: Actor, groupId: number, membershipId: number): Promise<Versioned<Membership>> {
    const { records } = await searchTree(
      actor.client,
      MODEL,
      [
        ['id', '=', membershipId],
        ['group', '=', groupId],
      ],
      this.core.specFor(actor, 'membership', MEMBERSHIP_SPEC),
      { limit: 1 },
    );
    if (!records[0]) throw new RegistryError('not_found', `Group ${groupId} has no membership ${membershipId}.`);
    const membership = this.core.present(actor, 'membership', toMembership(records[0]));
    return actor.view ? this.core.versioned(actor, membership) : versioned(membership);
  }

  /** The whole membership, for a write's own logic, with the version the caller was shown (what its If-Match names). */
  private async current(actor: Actor, groupId: number, membershipId: number): Promise<Versioned<Membership>> {
    if (!actor.view) return this.get(actor, groupId, membershipId);
    const { value } = await this.get({ ...actor, view: undefined }, groupId, membershipId);
    return this.core.wholeVersioned(actor, 'membership', value);
  }

  /** `get` answered from the record cache when it holds a current copy (it names its group and individual: their changes count). */
  read(actor: Actor, groupId: number, membershipId: number, refresh = false): Promise<CachedRead<Membership>> {
    return this.core.cache.read(
      this.core.cacheAccount(actor),
      'membership',
      `${groupId}/${membershipId}`,
      refresh,
      () => this.get(actor, groupId, membershipId),
      // A view hiding group or individual still names the membership: those records are not part of what it shows.
      (m) => [membershipKey(m.id), ...(m.group ? [partnerKey(m.group.id)] : []), ...(m.individual ? [partnerKey(m.individual.id)] : [])],
    );
  }

  /**
   * Changes to a group's memberships hold the group's lock: the duplicate-member and one-Head
   * checks read the group first, and two concurrent adds must not both pass them.
   */
  add(actor: Actor, groupId: number, input: MemberInput): Promise<Versioned<Membership>> {
    this.core.views.requireWritable(actor.view, 'membership', input);
    return this.core.locks.run(groupLock(groupId), (lease) => this.addUnlocked(actor, groupId, input, lease));
  }

  async update(actor: Actor, groupId: number, membershipId: number, patch: MemberPatch, ifMatch?: string[]): Promise<Versioned<Membership>> {
    this.core.views.requireWritable(actor.view, 'membership', patch);
    const updated = await this.core.lockedWrite(
      groupLock(groupId),
      () => this.current(actor, groupId, membershipId),
      ifMatch,
      (current, lease) => this.updateLocked(actor, groupId, current, patch, lease),
    );
    return { value: this.core.present(actor, 'membership', updated.value), version: updated.version };
  }

  /** Ends the membership now (sets `ended_date`); ending an ended one changes nothing. */
  end(actor: Actor, groupId: number, membershipId: number, ifMatch?: string[]): Promise<void> {
    return this.core.lockedWrite(
      groupLock(groupId),
      () => this.current(actor, groupId, membershipId),
      ifMatch,
      async (current, lease) => {
        if (current.value.ended_date) return;
        await actor.client.write(MODEL, [membershipId], { ended_date: odooDatetime(new Date().toISOString()) }, await lease.fence());
        await this.core.cache.invalidate([membershipKey(membershipId)], 'write');
      },
    );
  }

  private async addUnlocked(actor: Actor, groupId: number, input: MemberInput, lease: RecordLease): Promise<Versioned<Membership>> {
    const ctx = this.core.writeContext(actor);
    const kinds = await resolveKinds(ctx, input.kinds, 'kinds');
    this.core.throwIfInvalid(ctx.errors);
    const { others, individualFound } = await this.groupInfo(actor, groupId, input.individual);
    if (!individualFound) {
      throw new RegistryError('invalid', `No individual with id ${input.individual}.`, [
        { field: 'individual', message: `no individual with id ${input.individual}` },
      ]);
    }
    if (others.some((m) => m.individual === input.individual)) {
      throw new RegistryError('conflict', `Duplication of Member is not allowed: individual ${input.individual} is already a member of group ${groupId}.`);
    }
    this.checkUnique(kinds, others);
    const values: Record<string, unknown> = { group: groupId, individual: input.individual, kind: [[6, 0, kinds.map((k) => k.id)]] };
    if (input.start_date) values.start_date = odooDatetime(input.start_date);
    const id = await actor.client.create(MODEL, values, await lease.fence());
    return this.get(actor, groupId, id);
  }

  private async updateLocked(
    actor: Actor,
    groupId: number,
    current: Versioned<Membership>,
    patch: MemberPatch,
    lease: RecordLease,
  ): Promise<Versioned<Membership>> {
    const membershipId = current.value.id;
    const ctx = this.core.writeContext(actor);
    const values: Record<string, unknown> = {};
    if (patch.kinds) {
      const kinds = await resolveKinds(ctx, patch.kinds, 'kinds');
      this.core.throwIfInvalid(ctx.errors);
      if (kinds.some((k) => k.extra.is_unique === true)) {
        const { others } = await this.groupInfo(actor, groupId);
        this.checkUnique(
          kinds,
          others.filter((m) => m.id !== membershipId),
        );
      }
      values.kind = [[6, 0, kinds.map((k) => k.id)]];
    }
    if (patch.start_date) values.start_date = odooDatetime(patch.start_date);
    if (patch.ended_date !== undefined) values.ended_date = patch.ended_date === null ? false : odooDatetime(patch.ended_date);
    if (Object.keys(values).length === 0) return current;
    await actor.client.write(MODEL, [membershipId], values, await lease.fence());
    await this.core.cache.invalidate([membershipKey(membershipId)], 'write');
    return this.current(actor, groupId, membershipId);
  }

  /** Membership made by an earlier add whose outcome was unknown: group and individual are its natural key. */
  async findExisting(actor: Actor, groupId: number, individualId: number): Promise<number[]> {
    return actor.client.search(
      MODEL,
      [
        ['group', '=', groupId],
        ['individual', '=', individualId],
      ],
      { order: 'id asc' },
    );
  }

  private checkUnique(kinds: ReferenceItem[], others: OtherMember[]): void {
    for (const kind of kinds.filter((k) => k.extra.is_unique === true)) {
      const holder = others.find((m) => !m.ended && m.kinds.includes(kind.id));
      if (holder) {
        throw new RegistryError('conflict', `The group already has a member of kind "${kind.name}" (membership ${holder.id}); a group has at most one.`);
      }
    }
  }

  /** One call: the group (404 if it is not a group) with its memberships, and whether `individualId` is an individual. */
  private async groupInfo(actor: Actor, groupId: number, individualId?: number): Promise<{ others: OtherMember[]; individualFound: boolean }> {
    const ids = individualId === undefined ? [groupId] : [groupId, individualId];
    const { records } = await searchTree(
      actor.client,
      'res.partner',
      [
        ['id', 'in', ids],
        ['is_registrant', '=', true],
      ],
      { is_group: {}, group_membership_ids: { fields: { individual: {}, kind: {}, is_ended: {} } } },
      { limit: 2 },
    );
    const group = records.find((r: OdooRecord) => r.id === groupId && r.is_group === true);
    if (!group) throw registrantNotFound('group', groupId);
    const individualFound = records.some((r: OdooRecord) => r.id === individualId && r.is_group === false);
    const memberships = Array.isArray(group.group_membership_ids) ? (group.group_membership_ids as Record<string, unknown>[]) : [];
    const others = memberships.map((m) => ({
      id: m.id as number,
      individual: typeof m.individual === 'number' ? m.individual : (((m.individual as { id?: number } | false) || { id: 0 }).id ?? 0),
      kinds: Array.isArray(m.kind) ? (m.kind as unknown[]).map((k) => (typeof k === 'number' ? k : (k as { id: number }).id)) : [],
      ended: m.is_ended === true,
    }));
    return { others, individualFound };
  }
}
