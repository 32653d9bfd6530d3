import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, Registry } from '../../registry/index.js';
import { registrantExtras, type RegistrantExtras } from '../../registry/extras.js';
import type { Group, Individual } from '../../registry/schemas.js';
import { utcToday } from '../../registry/writes.js';
import { groupOut, individualOut, memberOut } from './mapping.js';
import { scopedGroup, scopedIndividual } from './scoped.js';

/**
 * Reads for the module's unpaged answers: the records in batches of `api.maxPageSize` (in the
 * order the module lists them), then their extras (photos; a group's IDs and phones) and a
 * group's members in chunks of the same size, so no single Odoo answer is unbounded.
 */

type Json = Record<string, unknown>;

async function inChunks<T>(registry: Registry, ids: number[], read: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const size = registry.maxPageSize;
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += size) out.push(...(await read(ids.slice(i, i + size))));
  return out;
}

async function extras(registry: Registry, actor: Actor, ids: number[], withContacts: boolean): Promise<Map<number, RegistrantExtras>> {
  // Photos and a group's own IDs and phones are no registry field a scope can show: never read for a scoped caller.
  if (actor.view) return new Map();
  return new Map(await inChunks(registry, ids, async (chunk) => [...(await registrantExtras(actor, chunk, withContacts)).entries()]));
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

/** Groups already read, as the module's JSON; members' individuals read in one go for all groups. */
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
 * The module's unpaged list as one JSON array: `batches` (Odoo's order, `api.maxPageSize`
 * records each) read, mapped and written one at a time. A list of one batch is answered whole;
 * a longer one is streamed, the next batch read only once the socket has taken the last (a
 * pulled stream), so memory stays flat however large the registry, and its audit line counts
 * the records (as an export's does) instead of listing a million ids. Once the first bytes are
 * out an Odoo failure can only cut the answer short (the connection is closed, the JSON left
 * incomplete). No match at all is `empty`'s refusal.
 */
export async function unpagedList<T extends { id: number }>(
  request: FastifyRequest,
  reply: FastifyReply,
  batches: AsyncGenerator<T[]>,
  json: (batch: T[]) => Promise<Json[]>,
  empty: () => Error,
): Promise<Json[] | FastifyReply> {
  const first = await batches.next();
  if (first.done) throw empty();
  const second = await batches.next();
  if (second.done) {
    request.auditIds = first.value.map((r) => r.id);
    return json(first.value);
  }
  const head: T[][] = [first.value, second.value];
  const audit = { records: 0, complete: false };
  request.auditIds = [];
  request.auditExport = audit;
  async function* chunks(): AsyncGenerator<string> {
    // As an export's (src/http/routes/export.ts): between reads only the text being written is
    // held, never a batch, so no batch outlives the young generation and the heap stays flat.
    const written = { text: '' };
    let separator = '[';
    const nextBatch = async (): Promise<T[] | undefined> => {
      const step = await batches.next();
      return step.done ? undefined : step.value;
    };
    const writeNext = async (): Promise<boolean> => {
      const batch = head.shift() ?? (await nextBatch());
      if (!batch) return false;
      audit.records += batch.length;
      written.text = `${separator}${(await json(batch)).map((item) => JSON.stringify(item)).join(',')}`;
      separator = ',';
      return true;
    };
    while (await writeNext()) {
      yield written.text;
      written.text = '';
    }
    audit.complete = true;
    yield ']';
  }
  return reply.type('application/json').send(Readable.from(chunks(), { objectMode: false }));
}
