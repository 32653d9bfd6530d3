import { Readable } from 'node:stream';
import type { Actor, Registry } from '../../registry/index.js';
import { registrantExtras, type RegistrantExtras } from '../../registry/extras.js';
import type { Group, Individual } from '../../registry/schemas.js';
import { utcToday } from '../../registry/writes.js';
import { groupOut, individualOut, memberOut } from './mapping.js';
import { scopedGroup, scopedIndividual } from './scoped.js';

/**
 * Reads for the module's unpaged answers: ids first (in the order the module lists them), then
 * the records and their extras (photos; a group's IDs and phones) in chunks of `api.maxPageSize`,
 * so no single Odoo answer is unbounded.
 */

type Json = Record<string, unknown>;

async function inChunks<T>(registry: Registry, ids: number[], read: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const size = registry.maxPageSize;
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += size) out.push(...(await read(ids.slice(i, i + size))));
  return out;
}

/** Records in the order of `ids` (the registry reads in id order); ids no longer found are skipped. */
function ordered<T extends { id: number }>(ids: number[], records: T[]): T[] {
  const byId = new Map(records.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is T => r !== undefined);
}

async function extras(registry: Registry, actor: Actor, ids: number[], withContacts: boolean): Promise<Map<number, RegistrantExtras>> {
  // Photos and a group's own IDs and phones are no registry field a scope can show: never read for a scoped caller.
  if (actor.view) return new Map();
  return new Map(await inChunks(registry, ids, async (chunk) => [...(await registrantExtras(actor, chunk, withContacts)).entries()]));
}

/** Individuals by id, in the order given, as the module's JSON. */
export async function individualsOut(registry: Registry, actor: Actor, ids: number[]): Promise<Json[]> {
  const found = ordered(ids, await inChunks(registry, ids, (chunk) => registry.individuals.readMany(actor, chunk)));
  return individualsJson(registry, actor, found);
}

/** Individuals already read, as the module's JSON with their photos. */
export async function individualsJson(registry: Registry, actor: Actor, individuals: Individual[]): Promise<Json[]> {
  const extraOf = await extras(
    registry,
    actor,
    individuals.map((i) => i.id),
    false,
  );
  const today = utcToday();
  const view = actor.view;
  return individuals.map((i) => (view ? scopedIndividual(individualOut(i, today, undefined), view) : individualOut(i, today, extraOf.get(i.id)?.photo)));
}

/** Groups by id, in the order given, as the module's JSON; members' individuals read in one go for all groups. */
export async function groupsOut(registry: Registry, actor: Actor, ids: number[], withMembers: boolean): Promise<Json[]> {
  const groups = ordered(ids, await inChunks(registry, ids, (chunk) => registry.groups.readMany(actor, chunk, withMembers)));
  return groupsJson(registry, actor, groups, withMembers);
}

export async function groupsJson(registry: Registry, actor: Actor, groups: Group[], withMembers: boolean): Promise<Json[]> {
  // A view may leave a membership's individual out (then none is read).
  const memberIds = withMembers ? [...new Set(groups.flatMap((g) => (g.members ?? []).flatMap((m) => (m.individual ? [m.individual.id] : []))))] : [];
  const individuals = new Map<number, Individual>(
    (await inChunks(registry, memberIds, (chunk) => registry.individuals.readMany(actor, chunk))).map((i) => [i.id, i]),
  );
  const [groupExtras, memberExtras] = await Promise.all([
    extras(
      registry,
      actor,
      groups.map((g) => g.id),
      true,
    ),
    extras(registry, actor, memberIds, false),
  ]);
  const today = utcToday();
  const view = actor.view;
  return groups.map((g) => {
    const json = groupOut(
      g,
      withMembers
        ? (g.members ?? []).map((m) =>
            memberOut(
              m,
              m.individual ? individuals.get(m.individual.id) : undefined,
              today,
              m.individual ? memberExtras.get(m.individual.id)?.photo : undefined,
            ),
          )
        : undefined,
      groupExtras.get(g.id),
    );
    return view ? scopedGroup(json, view) : json;
  });
}

/**
 * The module's unpaged list as a JSON array written chunk by chunk: `api.maxPageSize` records
 * read, mapped and sent at a time, the next chunk read only once the socket has taken the last
 * (a pulled stream), so memory stays flat however large the registry. Used when the answer holds
 * more than one chunk; once the first bytes are out an Odoo failure can only cut the answer
 * short (the connection is closed, the JSON left incomplete).
 */
export function streamedArray(registry: Registry, ids: number[], chunkJson: (chunk: number[]) => Promise<Json[]>): Readable {
  const size = registry.maxPageSize;
  async function* chunks(): AsyncGenerator<string> {
    yield '[';
    let first = true;
    for (let i = 0; i < ids.length; i += size) {
      const items = await chunkJson(ids.slice(i, i + size));
      if (items.length === 0) continue;
      yield `${first ? '' : ','}${items.map((item) => JSON.stringify(item)).join(',')}`;
      first = false;
    }
    yield ']';
  }
  return Readable.from(chunks(), { objectMode: false });
}
