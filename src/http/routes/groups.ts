import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { storableString } from '../../registry/text.js';
import { ROLE_GET, ROLE_POST } from '../../config/auth.js';
import type { IdempotencyStore, Registry, Versioned } from '../../registry/index.js';
import { memberInput, memberPatch, membershipOutput, type Group, type Membership } from '../../registry/schemas.js';
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
  memberParams,
  noContentResponses,
  NOT_MODIFIED_NOTE,
  queryBoolean,
  responses,
  wantsOdoo,
} from './support.js';
import { EXPORT_DESCRIPTION, exportFormat, exportFormatQuery, exportResponses, recordWriter, sendExport, visibleColumns } from './export.js';

export const groupQuery = z
  .object({
    limit: limitQuery,
    exact_total: queryBoolean.optional().describe('Count every match for `total`, past api.countLimit (slower on a large registry)'),
    cursor: cursorQuery,
    sort: z.enum(['id', '-id', 'updated_at']).optional(),
    name: storableString().min(1).max(200).optional(),
    kind: storableString().min(1).max(200).optional().describe('Group kind name or id'),
    member: z.coerce.number().int().positive().optional().describe('Has this individual among its members'),
    updated_since: z.iso.datetime({ offset: true }).optional(),
    include_archived: queryBoolean.optional(),
    expand: z.enum(['members']).optional(),
    fields: fieldsQuery,
  })
  .strict();

const groupExportQuery = groupQuery.omit({ limit: true, exact_total: true, sort: true }).extend({ format: exportFormatQuery });

const expandQuery = z.object({ expand: z.enum(['members']).optional(), fields: fieldsQuery }).strict();

export function groupRoutes(app: FastifyInstance, registry: Registry, idempotency: IdempotencyStore, prefix: string): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { schemas } = registry;
  const tags = ['groups'];
  const location = (id: number) => `${prefix}/groups/${id}`;

  const groupExport = recordWriter(schemas.groupOutput);
  r.get('/groups/export', {
    config: { access: ROLE_GET },
    schema: {
      tags,
      summary: 'Export groups (NDJSON or CSV stream, resumable)',
      description: EXPORT_DESCRIPTION,
      querystring: groupExportQuery,
      response: exportResponses(),
    },
    handler: async (request, reply) => {
      const { format, cursor, expand, fields: _fields, ...filters } = request.query;
      return sendExport(request, reply, {
        format: exportFormat(request, format),
        writer: visibleColumns(groupExport, request.actor.view?.group),
        cursor,
        read: (after) => registry.groups.exportBatch(request.actor, { ...filters, cursor: after, expand_members: expand === 'members' }),
      });
    },
  });

  r.get('/groups', {
    config: { access: ROLE_GET },
    schema: { tags, summary: 'List groups', querystring: groupQuery, response: responses({ 200: schemas.groupList }) },
    handler: async (request) => {
      const { expand, fields: _fields, ...query } = request.query;
      const page = await registry.groups.list(request.actor, { ...query, expand_members: expand === 'members' });
      request.auditIds = page.items.map((g) => g.id);
      return page;
    },
  });

  r.get('/groups/:id', {
    config: { access: ROLE_GET },
    schema: {
      tags,
      summary: 'Get a group (?expand=members adds its memberships, same single Odoo call)',
      description: `${NOT_MODIFIED_NOTE} Not with ?expand=members: the ETag is the group's own version, which a change of its members leaves as it is.`,
      params: idParam,
      querystring: expandQuery,
      response: responses({ 200: schemas.groupOutput }),
    },
    handler: async (request, reply) => {
      const withMembers = request.query.expand === 'members';
      const found = await registry.groups.read(request.actor, request.params.id, withMembers, wantsOdoo(request));
      const value = answerCached(request, reply, found);
      return !withMembers && isNotModified(request.headers['if-none-match'], found.version) ? notModified(reply) : value;
    },
  });

  r.post('/groups', {
    config: { access: ROLE_POST },
    schema: {
      tags,
      summary: 'Create a group with its members in one atomic Odoo call',
      headers: idempotencyHeaders,
      body: schemas.groupCreate,
      response: responses({ 201: schemas.groupOutput }),
    },
    handler: async (request, reply) => {
      const { actor } = request;
      const created = (group: Versioned<Group>) => createdResponse(request, group, location(group.value.id));
      return idempotentCreate(request, reply, idempotency, {
        run: async (marker) => created(await registry.groups.create(actor, request.body, marker)),
        recover: async (marker) => {
          const [id] = await registry.groups.findByMarker(actor, marker);
          return id === undefined ? undefined : created(await registry.groups.get(actor, id, true));
        },
      });
    },
  });

  r.patch('/groups/:id', {
    config: { access: ROLE_POST },
    schema: {
      tags,
      summary: 'Change a group (partial)',
      params: idParam,
      headers: conditionalHeaders,
      body: schemas.groupPatch,
      response: responses({ 200: schemas.groupOutput }),
    },
    handler: async (request, reply) =>
      answerVersioned(request, reply, await registry.groups.update(request.actor, request.params.id, request.body, ifMatchOf(request))),
  });

  r.delete('/groups/:id', {
    config: { access: ROLE_POST },
    schema: { tags, summary: 'Archive a group (its memberships are kept)', params: idParam, headers: conditionalHeaders, response: noContentResponses() },
    handler: async (request, reply) => {
      await registry.groups.archive(request.actor, request.params.id, ifMatchOf(request));
      return answerNoContent(request, reply, [request.params.id]);
    },
  });

  const memberTags = ['memberships'];
  const memberLocation = (groupId: number, id: number) => `${prefix}/groups/${groupId}/members/${id}`;

  r.get('/groups/:id/members', {
    config: { access: ROLE_GET },
    schema: {
      tags: memberTags,
      summary: "A group's memberships (active ones unless include_ended=true)",
      params: idParam,
      querystring: z.object({ limit: limitQuery, cursor: cursorQuery, include_ended: queryBoolean.optional(), fields: fieldsQuery }).strict(),
      response: responses({ 200: schemas.membershipList }),
    },
    handler: async (request) => {
      const page = await registry.memberships.list(request.actor, request.params.id, request.query);
      request.auditIds = [request.params.id];
      return page;
    },
  });

  r.get('/groups/:id/members/:membership_id', {
    config: { access: ROLE_GET },
    schema: { tags: memberTags, summary: 'One membership', params: memberParams, querystring: fieldsOnlyQuery, response: responses({ 200: membershipOutput }) },
    handler: async (request, reply) => {
      const found = await registry.memberships.read(request.actor, request.params.id, request.params.membership_id, wantsOdoo(request));
      return answerCached(request, reply, found, [request.params.id, found.value.id]);
    },
  });

  r.post('/groups/:id/members', {
    config: { access: ROLE_POST },
    schema: {
      tags: memberTags,
      summary: 'Add an individual to the group (409 for a duplicate member or a second member of a unique kind such as Head)',
      params: idParam,
      headers: idempotencyHeaders,
      body: memberInput,
      response: responses({ 201: membershipOutput }),
    },
    handler: async (request, reply) => {
      const { actor } = request;
      const groupId = request.params.id;
      const created = (membership: Versioned<Membership>) =>
        createdResponse(request, membership, memberLocation(groupId, membership.value.id), [groupId, membership.value.id]);
      return idempotentCreate(request, reply, idempotency, {
        run: async () => created(await registry.memberships.add(actor, groupId, request.body)),
        // A group holds an individual at most once, so (group, individual) finds what the lost attempt made.
        recover: async () => {
          const [id] = await registry.memberships.findExisting(actor, groupId, request.body.individual);
          return id === undefined ? undefined : created(await registry.memberships.get(actor, groupId, id));
        },
        // ...which may also be a membership made without this key: a fresh key must still get 409.
        recoversOnlyOwnCreates: false,
      });
    },
  });

  r.patch('/groups/:id/members/:membership_id', {
    config: { access: ROLE_POST },
    schema: {
      tags: memberTags,
      summary: 'Change kinds or dates of a membership',
      params: memberParams,
      headers: conditionalHeaders,
      body: memberPatch,
      response: responses({ 200: membershipOutput }),
    },
    handler: async (request, reply) => {
      const updated = await registry.memberships.update(request.actor, request.params.id, request.params.membership_id, request.body, ifMatchOf(request));
      return answerVersioned(request, reply, updated, [request.params.id, updated.value.id]);
    },
  });

  r.delete('/groups/:id/members/:membership_id', {
    config: { access: ROLE_POST },
    schema: {
      tags: memberTags,
      summary: 'End a membership (sets ended_date; nothing is deleted)',
      params: memberParams,
      headers: conditionalHeaders,
      response: noContentResponses(),
    },
    handler: async (request, reply) => {
      await registry.memberships.end(request.actor, request.params.id, request.params.membership_id, ifMatchOf(request));
      return answerNoContent(request, reply, [request.params.id, request.params.membership_id]);
    },
  });
}
