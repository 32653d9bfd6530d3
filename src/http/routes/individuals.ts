import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { storableString } from '../../registry/text.js';
import { ROLE_GET, ROLE_POST } from '../../config/auth.js';
import type { IdempotencyStore, Registry, Versioned } from '../../registry/index.js';
import { membershipOutput, type Individual } from '../../registry/schemas.js';
import {
  answerCached,
  answerNoContent,
  answerVersioned,
  conditionalHeaders,
  createdResponse,
  cursorQuery,
  fieldsOnlyQuery,
  fieldsQuery,
  idempotencyHeaders,
  idempotentCreate,
  idParam,
  ifMatchOf,
  isNotModified,
  notModified,
  limitQuery,
  noContentResponses,
  NOT_MODIFIED_NOTE,
  queryBoolean,
  responses,
  wantsOdoo,
} from './support.js';
import { EXPORT_DESCRIPTION, exportFormat, exportFormatQuery, exportResponses, recordWriter, sendExport, visibleColumns } from './export.js';

const date = z.iso.date();

export const individualQuery = z
  .object({
    limit: limitQuery,
    exact_total: queryBoolean.optional().describe('Count every match for `total`, past api.countLimit (slower on a large registry)'),
    cursor: cursorQuery,
    sort: z.enum(['id', '-id', 'updated_at']).optional().describe('Default `id`, or `updated_at` when updated_since is given'),
    name: storableString().min(1).max(200).optional().describe('Name contains (case-insensitive)'),
    given_name: storableString().min(1).max(200).optional(),
    family_name: storableString().min(1).max(200).optional(),
    gender: storableString().min(1).max(100).optional(),
    birthdate_from: date.optional(),
    birthdate_to: date.optional(),
    registered_from: date.optional(),
    registered_to: date.optional(),
    id_type: storableString().min(1).max(200).optional().describe('Has an ID of this type (with id_value: that ID)'),
    id_value: storableString().min(1).max(200).optional(),
    phone: storableString().min(1).max(40).optional().describe('A phone number contains this'),
    group_kind: storableString().min(1).max(200).optional().describe('Active member of a group of this kind'),
    updated_since: z.iso.datetime({ offset: true }).optional().describe('Changed at or after this instant (sync)'),
    include_archived: queryBoolean.optional(),
    fields: fieldsQuery,
  })
  .strict();

const individualExportQuery = individualQuery.omit({ limit: true, exact_total: true, sort: true }).extend({ format: exportFormatQuery });

export function individualRoutes(app: FastifyInstance, registry: Registry, idempotency: IdempotencyStore, prefix: string): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { schemas } = registry;
  const tags = ['individuals'];
  const location = (id: number) => `${prefix}/individuals/${id}`;

  r.get('/individuals', {
    config: { access: ROLE_GET },
    schema: {
      tags,
      summary: 'List individuals (filters, cursor pagination)',
      querystring: individualQuery,
      response: responses({ 200: schemas.individualList }),
    },
    handler: async (request) => {
      const { fields: _fields, ...query } = request.query;
      const page = await registry.individuals.list(request.actor, query);
      request.auditIds = page.items.map((i) => i.id);
      return page;
    },
  });

  const individualExport = recordWriter(schemas.individualOutput);
  r.get('/individuals/export', {
    config: { access: ROLE_GET },
    schema: {
      tags,
      summary: 'Export individuals (NDJSON or CSV stream, resumable)',
      description: EXPORT_DESCRIPTION,
      querystring: individualExportQuery,
      response: exportResponses(),
    },
    handler: async (request, reply) => {
      const { format, cursor, fields: _fields, ...filters } = request.query;
      return sendExport(request, reply, {
        format: exportFormat(request, format),
        writer: visibleColumns(individualExport, request.actor.view?.individual),
        cursor,
        read: (after) => registry.individuals.exportBatch(request.actor, { ...filters, cursor: after }),
      });
    },
  });

  r.get('/individuals/:id', {
    config: { access: ROLE_GET },
    schema: {
      tags,
      summary: 'Get an individual',
      description: NOT_MODIFIED_NOTE,
      params: idParam,
      querystring: fieldsOnlyQuery,
      response: responses({ 200: schemas.individualOutput }),
    },
    handler: async (request, reply) => {
      const found = await registry.individuals.read(request.actor, request.params.id, wantsOdoo(request));
      const value = answerCached(request, reply, found);
      return isNotModified(request.headers['if-none-match'], found.version) ? notModified(reply) : value;
    },
  });

  r.get('/individuals/by-reg-id/:id_type/:value', {
    config: { access: ROLE_GET },
    schema: {
      tags,
      summary: 'Look an individual up by a registrant ID (e.g. National ID)',
      description: NOT_MODIFIED_NOTE,
      params: z.object({ id_type: storableString().min(1).max(200), value: storableString().min(1).max(200) }).strict(),
      querystring: fieldsOnlyQuery,
      response: responses({ 200: schemas.individualOutput }),
    },
    handler: async (request, reply) => {
      const found = await registry.individuals.findByRegId(request.actor, request.params.id_type, request.params.value);
      const value = answerVersioned(request, reply, found);
      return isNotModified(request.headers['if-none-match'], found.version) ? notModified(reply) : value;
    },
  });

  r.post('/individuals', {
    config: { access: ROLE_POST },
    schema: {
      tags,
      summary: 'Create an individual with IDs, phones, bank accounts',
      headers: idempotencyHeaders,
      body: schemas.individualCreate,
      response: responses({ 201: schemas.individualOutput }),
    },
    handler: async (request, reply) => {
      const { actor } = request;
      const created = (individual: Versioned<Individual>) => createdResponse(request, individual, location(individual.value.id));
      return idempotentCreate(request, reply, idempotency, {
        run: async (marker) => created(await registry.individuals.create(actor, request.body, marker)),
        recover: async (marker) => {
          const [id] = await registry.individuals.findByMarker(actor, marker);
          return id === undefined ? undefined : created(await registry.individuals.get(actor, id));
        },
      });
    },
  });

  r.post('/individuals/batch', {
    config: { access: ROLE_POST },
    attachValidation: true,
    schema: {
      tags,
      summary: 'Create many individuals in one Odoo transaction (all or nothing)',
      description: 'Every item is validated first; any invalid item gives 422 with errors[].field like `items[3].birthdate` and nothing is created.',
      headers: idempotencyHeaders,
      body: schemas.individualBatch,
      response: responses({ 201: schemas.batchOutput }),
    },
    handler: async (request, reply) => {
      // Item problems are the use case's to report (422, every item); a body that is not
      // `{ items: [...] }` at all is malformed (400).
      const raw = request.body as unknown as { items?: unknown };
      if (request.validationError && !isItemsOnly(raw)) throw request.validationError;
      const { actor } = request;
      return idempotentCreate(request, reply, idempotency, {
        run: async (marker) => {
          const items = await registry.individuals.createMany(actor, raw.items as unknown[], marker);
          request.auditIds = items.map((i) => i.id);
          return { status: 201, body: { items }, headers: {} };
        },
        recover: async (marker) => {
          const ids = await registry.individuals.findByMarker(actor, marker);
          if (ids.length === 0) return undefined;
          return { status: 201, body: { items: await registry.individuals.readMany(actor, ids) }, headers: {} };
        },
      });
    },
  });

  r.patch('/individuals/:id', {
    config: { access: ROLE_POST },
    schema: {
      tags,
      summary: 'Change an individual (partial; a nested list given replaces the current one)',
      params: idParam,
      headers: conditionalHeaders,
      body: schemas.individualPatch,
      response: responses({ 200: schemas.individualOutput }),
    },
    handler: async (request, reply) =>
      answerVersioned(request, reply, await registry.individuals.update(request.actor, request.params.id, request.body, ifMatchOf(request))),
  });

  r.delete('/individuals/:id', {
    config: { access: ROLE_POST },
    schema: { tags, summary: 'Archive an individual (nothing is destroyed)', params: idParam, headers: conditionalHeaders, response: noContentResponses() },
    handler: async (request, reply) => {
      await registry.individuals.archive(request.actor, request.params.id, ifMatchOf(request));
      return answerNoContent(request, reply, [request.params.id]);
    },
  });

  r.get('/individuals/:id/groups', {
    config: { access: ROLE_GET },
    schema: {
      tags,
      summary: "The individual's group memberships (ended ones flagged)",
      params: idParam,
      querystring: fieldsOnlyQuery,
      response: responses({ 200: z.object({ items: z.array(membershipOutput), next_cursor: z.null() }) }),
    },
    handler: async (request) => {
      const items = await registry.individuals.groups(request.actor, request.params.id);
      request.auditIds = [request.params.id];
      return { items, next_cursor: null };
    },
  });
}

function isItemsOnly(body: unknown): body is { items: unknown[] } {
  return (
    typeof body === 'object' &&
    body !== null &&
    Object.keys(body).length === 1 &&
    Array.isArray((body as { items?: unknown }).items) &&
    (body as { items: unknown[] }).items.length > 0
  );
}
