import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLE_GET, ROLE_POST } from '../config/auth.js';
import { callbackUnder } from '../dci/callback-url.js';
import type { WebhookSubscription } from '../events/webhooks.js';
import { EVENT_TYPES } from '../config/events.js';
import type { StoredWebhook } from '../events/store.js';
import { cloudEvent, newWebhookSecret } from '../events/webhooks.js';
import { ownerOf } from './principal.js';
import { HttpProblem } from './problem.js';
import { storedView } from '../registry/field-scope.js';
import { responses } from './routes/support.js';

const webhookIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }).strict();
const webhookOutput = z.object({
  id: z.string(),
  url: z.string(),
  types: z.array(z.enum(EVENT_TYPES)).nullable(),
  payload: z.enum(['full', 'ids']),
  declared_in: z.enum(['config', 'api']),
  created_at: z.string().nullable(),
  field_scopes: z
    .array(z.string())
    .nullable()
    .describe(
      "The field scopes (names) its `full` payloads are cut to: its creator's when it was created, kept with it. null: no scope, whole records (a webhook declared in the configuration, or one made by a caller holding no scope)",
    ),
});
const webhookInput = z
  .object({
    url: z.string().url().max(2048),
    types: z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length).optional().describe('Event types to receive; all when omitted'),
    payload: z.enum(['full', 'ids']).default('full').describe("`full`: the record's REST representation; `ids`: its id only"),
  })
  .strict();
const deadLetterOutput = z.object({
  id: z.string(),
  type: z.string(),
  subject: z.string(),
  attempts: z.number(),
  last_error: z.string(),
  failed_at: z.string(),
  event: z.record(z.string(), z.unknown()),
});

/**
 * The API to manage webhooks and their dead letters under `config.api.prefix` ("Rest API
 * POST": webhooks carry registry data out of the gateway; reading dead letters, which are
 * registry data, also "Rest API GET"). Each webhook created here belongs to its creator. Registered only when
 * `events.enabled`; the change detector and the webhook queues are services (src/services.ts).
 */
async function eventsPlugin(app: FastifyInstance): Promise<void> {
  const { events } = app.services;
  if (!events) return;
  const settings = app.config.events;
  const { store, queues, declared, receivers, source } = events;
  const declaredIds = new Set(declared.map((s) => s.id));

  const shown = (webhook: WebhookSubscription & { createdAt?: string }, origin: 'config' | 'api') => ({
    id: webhook.id,
    url: webhook.url,
    types: webhook.types ? [...webhook.types] : null,
    payload: webhook.payload,
    declared_in: origin,
    created_at: webhook.createdAt ?? null,
    field_scopes: webhook.fieldView ? [...webhook.fieldView.scopes] : null,
  });
  /**
   * A webhook the caller may see: one created through the API belongs to its creator (others,
   * administrators aside, get the same 404 as for an id that does not exist); those declared in
   * the configuration are listed to every caller, but only administrators read or replay their
   * dead letters (registrant data nobody created them for).
   */
  const mayManage = (request: FastifyRequest, webhook: WebhookSubscription & { owner?: string }): boolean =>
    request.principal?.administrator === true || (!declaredIds.has(webhook.id) && webhook.owner !== undefined && webhook.owner === ownerOf(request.principal!));
  const notFound = (id: string) => new HttpProblem({ status: 404, detail: `No webhook "${id}".` });
  const find = async (request: FastifyRequest, id: string, forDeadLetters = false): Promise<WebhookSubscription> => {
    const configured = declared.find((w) => w.id === id);
    if (configured && !forDeadLetters) return configured;
    const found = configured ?? (await store.webhooks.get(id));
    if (!found || !mayManage(request, found)) throw notFound(id);
    return found;
  };

  const tags = ['webhooks'];
  const { prefix } = app.config.api;
  await app.register(
    async (scope) => {
      const r = scope.withTypeProvider<ZodTypeProvider>();
      r.get('/webhooks', {
        config: { access: ROLE_POST },
        schema: {
          tags,
          summary: 'Webhook subscriptions (declared in the configuration and created here); secrets are never shown',
          response: responses({ 200: z.object({ items: z.array(webhookOutput) }) }),
        },
        handler: async (request) => ({
          items: [
            ...declared.map((w) => shown(w, 'config')),
            ...(await store.webhooks.list()).filter((w) => !declaredIds.has(w.id) && mayManage(request, w)).map((w) => shown(w, 'api')),
          ],
        }),
      });
      r.post('/webhooks', {
        config: { access: ROLE_POST },
        schema: {
          tags,
          summary: 'Create a webhook: signed CloudEvents for every registry change from now on; the answer shows its secret, once',
          body: webhookInput,
          response: responses({ 201: webhookOutput.extend({ secret: z.string() }) }),
        },
        handler: async (request, reply) => {
          const { url, types, payload } = request.body;
          // A scoped creator's full payloads carry what its scopes show now, kept with the webhook (restarts, replicas).
          const view = app.services.registry.core.views.of(request.principal?.fieldScopes);
          const allowed = settings.webhooks.allowedTargets.some((base) => callbackUnder(url, base, 'body.url').ok);
          if (!allowed) {
            throw new HttpProblem({
              status: 400,
              detail:
                settings.webhooks.allowedTargets.length === 0
                  ? 'Webhooks can only be declared in the configuration here (events.webhooks.allowedTargets is empty).'
                  : 'The URL is not under any of the targets webhooks may point to.',
              errors: [{ field: 'body.url', message: 'not under events.webhooks.allowedTargets' }],
            });
          }
          if ((await store.webhooks.list()).length >= settings.webhooks.maxSubscriptions) {
            throw new HttpProblem({ status: 409, detail: `At most ${settings.webhooks.maxSubscriptions} webhooks may be created; delete one first.` });
          }
          const webhook: StoredWebhook = {
            id: randomUUID(),
            url,
            secret: newWebhookSecret(),
            ...(types ? { types: [...new Set(types)] } : {}),
            payload,
            createdAt: new Date().toISOString(),
            owner: ownerOf(request.principal!),
            ...(view ? { fieldView: storedView(view) } : {}),
          };
          // Its queue starts after the newest event now: it receives the changes from its creation on.
          await receivers.startAtHead(webhook.id);
          await store.webhooks.put(webhook.id, webhook);
          reply.header('location', `${prefix}/webhooks/${webhook.id}`);
          return reply.code(201).send({ ...shown(webhook, 'api'), secret: webhook.secret });
        },
      });
      r.get('/webhooks/:id', {
        config: { access: ROLE_POST },
        schema: { tags, summary: 'One webhook subscription', params: webhookIdParam, response: responses({ 200: webhookOutput }) },
        handler: async (request) => {
          const webhook = await find(request, request.params.id);
          return shown(webhook, declaredIds.has(webhook.id) ? 'config' : 'api');
        },
      });
      r.delete('/webhooks/:id', {
        config: { access: ROLE_POST },
        schema: {
          tags,
          summary: 'Delete a webhook created through the API (its queue and dead letters go with it)',
          params: webhookIdParam,
          response: responses({ 204: z.null().describe('No content') }),
        },
        handler: async (request, reply) => {
          const { id } = request.params;
          if (declaredIds.has(id)) throw new HttpProblem({ status: 409, detail: `Webhook "${id}" is declared in the configuration; remove it there.` });
          await find(request, id);
          if (!(await store.webhooks.delete(id))) throw notFound(id);
          await receivers.forget(id);
          return reply.code(204).send(null);
        },
      });
      // Dead letters are the events themselves (with `payload: full`, whole registrant records): reading them needs "Rest API GET".
      r.get('/webhooks/:id/dead-letters', {
        config: { access: ROLE_GET },
        schema: {
          tags,
          summary: 'Events this webhook did not accept after every attempt, oldest first',
          params: webhookIdParam,
          response: responses({ 200: z.object({ items: z.array(deadLetterOutput) }) }),
        },
        handler: async (request) => {
          const webhook = await find(request, request.params.id, true);
          const letters = await queues.deadLetters(webhook.id);
          return {
            items: letters.map(({ id, data: { event, prepared }, attempts, lastError, failedAt }) => ({
              id,
              type: event.type,
              subject: event.subject,
              attempts,
              last_error: lastError,
              failed_at: failedAt,
              event: cloudEvent(event, source, webhook.payload, webhook.fieldView, prepared) as unknown as Record<string, unknown>,
            })),
          };
        },
      });
      r.post('/webhooks/:id/dead-letters/replay', {
        config: { access: ROLE_POST },
        schema: {
          tags,
          summary: 'Send dead letters again (all, or those listed), one attempt each, after the events already queued; those failing again are listed again',
          params: webhookIdParam,
          body: z
            .object({ ids: z.array(z.string().min(1).max(64)).min(1).max(10_000).optional() })
            .strict()
            .default({}),
          response: responses({ 202: z.object({ replaying: z.number().int() }) }),
        },
        handler: async (request, reply) => {
          const webhook = await find(request, request.params.id, true);
          const wanted = request.body.ids ? new Set(request.body.ids) : undefined;
          const letters = (await queues.deadLetters(webhook.id)).filter((letter) => !wanted || wanted.has(letter.id));
          const unknown = wanted ? [...wanted].filter((id) => !letters.some((letter) => letter.id === id)) : [];
          if (unknown.length) throw new HttpProblem({ status: 404, detail: `No dead letter ${unknown.slice(0, 5).join(', ')} for webhook "${webhook.id}".` });
          return reply.code(202).send({ replaying: await queues.replay(webhook.id, wanted ? [...wanted] : undefined) });
        },
      });
      r.delete('/webhooks/:id/dead-letters/:event_id', {
        config: { access: ROLE_POST },
        schema: {
          tags,
          summary: 'Discard one dead letter',
          params: webhookIdParam.extend({ event_id: z.string().min(1).max(64) }),
          response: responses({ 204: z.null().describe('No content') }),
        },
        handler: async (request, reply) => {
          const webhook = await find(request, request.params.id, true);
          if (!(await queues.discard(webhook.id, request.params.event_id))) {
            throw new HttpProblem({ status: 404, detail: `No dead letter ${request.params.event_id} for webhook "${webhook.id}".` });
          }
          return reply.code(204).send(null);
        },
      });
    },
    { prefix },
  );
}

export const eventsRoutesPlugin = fp(eventsPlugin, {
  name: 'events',
  encapsulate: true,
  dependencies: ['g2p-auth', 'g2p-ops', 'openapi'],
  decorators: { fastify: ['services', 'config'] },
});
