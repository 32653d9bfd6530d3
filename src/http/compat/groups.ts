import type { FastifyInstance } from 'fastify';
import { ROLE_GET, ROLE_POST } from '../../config/auth.js';
import type { Actor, Registry } from '../../registry/index.js';
import { isRegistryError } from '../../registry/errors.js';
import type { Group } from '../../registry/schemas.js';
import { refused } from './errors.js';
import { asModuleRefusal } from './individuals.js';
import { groupContactsIn, groupIn, individualIn } from './mapping.js';
import { groupsJson, unpagedList } from './reads.js';
import { groupRequest, pathId, searchGroupsQuery, type GroupRequest } from './schemas.js';
import { compatOperation } from './openapi.js';
import { parseOr422 } from './validate.js';

const NOT_PRESENT = 'ID/Name not present.';

async function groupById(registry: Registry, actor: Actor, id: number, withMembers: boolean): Promise<Group | undefined> {
  try {
    const { value } = await registry.groups.get(actor, id, withMembers);
    return value.active ? value : undefined;
  } catch (err) {
    if (isRegistryError(err) && err.kind === 'not_found') return undefined;
    throw err;
  }
}

/**
 * Reference names of a group request checked before anything is created, so a wrong kind
 * does not leave new individuals behind (the module's own wording for the group kind).
 */
async function checkKinds(registry: Registry, actor: Actor, body: GroupRequest): Promise<void> {
  if (body.kind && !(await registry.reference.find(actor, 'groupKinds', body.kind))) throw refused('Group type Not Found');
  for (const member of body.members) {
    for (const kind of member.kind ?? []) {
      if (kind.name && !(await registry.reference.find(actor, 'membershipKinds', kind.name))) {
        throw refused(`Membership kind ${JSON.stringify(kind.name)} not found.`);
      }
    }
  }
}

export function compatGroupRoutes(app: FastifyInstance, registry: Registry): void {
  const { schemas } = registry;

  app.get('/group/:_id', { config: { access: ROLE_GET }, schema: compatOperation('Read one group') }, async (request) => {
    const { _id } = parseOr422(pathId, request.params, 'path');
    const { actor } = request;
    const group = await groupById(registry, actor, _id, true);
    if (!group) throw refused(NOT_PRESENT);
    request.auditIds = [group.id];
    const [out] = await groupsJson(registry, actor, [group], true);
    return out;
  });

  /** The module's search: `_id` (0 is no id, as there) and/or a name, in Odoo's default order. */
  app.get('/group', { config: { access: ROLE_GET }, schema: compatOperation('Search groups') }, async (request, reply) => {
    const { _id, name, include_members_full: full = false } = parseOr422(searchGroupsQuery, request.query, 'query');
    const { actor } = request;
    if (_id) {
      const group = await groupById(registry, actor, _id, full);
      if (!group || (name && !(group.name ?? '').toLowerCase().includes(name.toLowerCase()))) throw refused(NOT_PRESENT);
      request.auditIds = [group.id];
      return groupsJson(registry, actor, [group], full);
    }
    const batches = registry.groups.inOdooOrder(actor, full, name || undefined);
    return unpagedList(
      request,
      reply,
      batches,
      (batch) => groupsJson(registry, actor, batch, full),
      () => refused(NOT_PRESENT),
    );
  });

  /**
   * The module creates a new individual for every member. Here the members are made in one
   * Odoo create (all or nothing), then the group with its memberships in another; should the
   * second fail, the new individuals are archived again so no orphan stays active.
   */
  app.post('/group', { config: { access: ROLE_POST }, schema: compatOperation('Create a group with its members') }, async (request) => {
    const body = parseOr422(groupRequest, request.body ?? undefined, 'body');
    const { actor } = request;
    const groupShape = parseOr422(schemas.groupCreate, groupIn(body), 'body');
    await checkKinds(registry, actor, body);
    let memberIds: number[] = [];
    try {
      memberIds = body.members.length ? (await registry.individuals.createMany(actor, body.members.map(individualIn))).map((i) => i.id) : [];
      const members = body.members.map((member, i) => ({
        individual: memberIds[i]!,
        kinds: (member.kind ?? []).map((k) => k.name).filter((k): k is string => Boolean(k)),
      }));
      const { value } = await registry.groups.create(actor, { ...groupShape, ...groupContactsIn(body), members });
      request.auditIds = [value.id, ...memberIds];
      const [out] = await groupsJson(registry, actor, [value], true);
      return out;
    } catch (err) {
      for (const id of memberIds) await registry.individuals.archive(actor, id).catch(() => undefined);
      throw asModuleRefusal(err);
    }
  });
}
