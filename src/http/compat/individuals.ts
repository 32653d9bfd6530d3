import type { FastifyInstance } from 'fastify';
import { ROLE_GET, ROLE_POST } from '../../config/auth.js';
import type { Actor, Registry } from '../../registry/index.js';
import { isRegistryError } from '../../registry/errors.js';
import type { Individual } from '../../registry/schemas.js';
import { CompatError, refused } from './errors.js';
import { individualIn, individualPatchIn, photoIn } from './mapping.js';
import { individualsJson, unpagedList } from './reads.js';
import { individualIdsQuery, individualRequest, pathId, searchIndividualsQuery, updateIndividualQuery, updateIndividualsRequest } from './schemas.js';
import { compatOperation } from './openapi.js';
import { parseOr422 } from './validate.js';

const NOT_PRESENT = 'Record is not present in the database.';
const NO_MATCH = 'The specified criteria did not match any records.';

/**
 * The registry's refusals of an individual's values, in the module's words where it has them
 * (clients may match on "Invalid ID field."); anything else keeps the registry's message.
 */
export function asModuleRefusal(err: unknown): unknown {
  if (!isRegistryError(err) || err.kind !== 'invalid') return err;
  const fields = (err.errors ?? []).map((e) => e.field);
  if (fields.some((f) => /(^|\.)reg_ids\[\d+\]\.id_type$/.test(f))) return refused('Invalid ID field.');
  if (fields.some((f) => /(^|\.)registration_date$/.test(f))) return refused('Registration date must be less than the current date.');
  return err;
}

async function activeIndividual(registry: Registry, actor: Actor, id: number): Promise<Individual | undefined> {
  const [individual] = await registry.individuals.readMany(actor, [id]);
  return individual?.active ? individual : undefined;
}

export function compatIndividualRoutes(app: FastifyInstance, registry: Registry): void {
  const { schemas } = registry;

  app.get('/individual/:_id', { config: { access: ROLE_GET }, schema: compatOperation('Read one individual') }, async (request) => {
    const { _id } = parseOr422(pathId, request.params, 'path');
    const { actor } = request;
    const individual = await activeIndividual(registry, actor, _id);
    if (!individual) throw refused(NOT_PRESENT);
    request.auditIds = [individual.id];
    const [out] = await individualsJson(registry, actor, [individual]);
    return out;
  });

  /** The module's search: `_id` (0 is no id, as there) and/or a name, in Odoo's default order. */
  app.get('/individual', { config: { access: ROLE_GET }, schema: compatOperation('Search individuals') }, async (request, reply) => {
    const { _id, name } = parseOr422(searchIndividualsQuery, request.query, 'query');
    const { actor } = request;
    if (_id) {
      const individual = await activeIndividual(registry, actor, _id);
      if (!individual || (name && !(individual.name ?? '').toLowerCase().includes(name.toLowerCase()))) throw refused(NO_MATCH);
      request.auditIds = [individual.id];
      return individualsJson(registry, actor, [individual]);
    }
    const batches = registry.individuals.inOdooOrder(actor, name || undefined);
    return unpagedList(
      request,
      reply,
      batches,
      (batch) => individualsJson(registry, actor, batch),
      () => refused(NO_MATCH),
    );
  });

  app.post('/individual', { config: { access: ROLE_POST }, schema: compatOperation('Create an individual') }, async (request) => {
    const body = parseOr422(individualRequest, request.body ?? undefined, 'body');
    const input = parseOr422(schemas.individualCreate, individualIn(body), 'body');
    const { actor } = request;
    try {
      const { value } = await registry.individuals.create(actor, { ...input, ...photoIn(body) });
      request.auditIds = [value.id];
      const [out] = await individualsJson(registry, actor, [value]);
      return out;
    } catch (err) {
      throw asModuleRefusal(err);
    }
  });

  app.put('/update_individual', { config: { access: ROLE_POST }, schema: compatOperation('Update individuals') }, async (request) => {
    const { id_type } = parseOr422(updateIndividualQuery, request.query, 'query');
    const items = parseOr422(updateIndividualsRequest, request.body ?? undefined, 'body');
    if (!id_type) throw refused('ID is required for update individual');
    const { actor } = request;
    const updated: Individual[] = [];
    for (const item of items) {
      let current: Individual;
      try {
        // Type and value must hold for the same ID record (OpenG2P matched them separately).
        current = (await registry.individuals.findByRegId(actor, id_type, item.updateId)).value;
      } catch (err) {
        if (isRegistryError(err) && (err.kind === 'not_found' || err.kind === 'invalid')) {
          throw refused(`Individual with the given ID ${item.updateId} not found.`);
        }
        if (isRegistryError(err) && err.kind === 'conflict') {
          throw new CompatError(409, `More than one individual has the ID ${item.updateId}; update them one by one through /api/v1/individuals.`);
        }
        throw err;
      }
      const patch = parseOr422(schemas.individualPatch, individualPatchIn(item, current), 'body');
      try {
        const { value } = await registry.individuals.update(actor, current.id, { ...patch, ...photoIn(item) });
        updated.push(value);
      } catch (err) {
        throw asModuleRefusal(err);
      }
    }
    request.auditIds = updated.map((u) => u.id);
    return individualsJson(registry, actor, updated);
  });

  app.get('/get_individual_ids', { config: { access: ROLE_GET }, schema: compatOperation('List individual IDs') }, async (request) => {
    const { include_id_type, exclude_id_type } = parseOr422(individualIdsQuery, request.query, 'query');
    if (!include_id_type) throw refused(NOT_PRESENT);
    return registry.individuals.regIdValues(request.actor, include_id_type, exclude_id_type || undefined);
  });
}
