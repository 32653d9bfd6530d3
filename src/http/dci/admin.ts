import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLE_GET, ROLE_POST } from '../../config/auth.js';
import type { DciDeadLetter } from '../../dci/async.js';
import type { DciSubscription } from '../../dci/subscription-store.js';
import { ownerOf } from '../principal.js';
import { HttpProblem } from '../problem.js';
import { responses } from '../routes/support.js';

const subscriptionOutput = z.object({
  code: z.string(),
  sender_id: z.string(),
  transaction_id: z.string(),
  reference_id: z.string(),
  reg_event_type: z.string(),
  notify_record_type: z.string(),
  subscribe_criteria: z.record(z.string(), z.unknown()),
  notify_url: z.string(),
  created_at: z.string(),
});
const codeParam = z.object({ code: z.string().min(1).max(64) }).strict();
const senderQuery = z.object({ sender_id: z.string().min(1).max(128).optional().describe("Only this sender's subscriptions") }).strict();

const deadLetterOutput = z.object({
  id: z.string(),
  kind: z.enum(['search', 'deliver']).describe('`search`: an accepted async search that never ran to its end; `deliver`: a callback not delivered'),
  action: z.string().describe("`search`, or the callback's header action (`on-search`, `txn-on-status`, `on-subscribe`, `on-unsubscribe`)"),
  sender_id: z.string(),
  transaction_id: z.string().optional(),
  correlation_id: z.string().optional(),
  message_id: z.string().optional().describe('The message_id the callback carries at every attempt, replays included'),
  callback_url: z.string().optional(),
  attempts: z.number().int(),
  last_error: z.string(),
  failed_at: z.string(),
});
const deadLetterParam = z.object({ id: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/) }).strict();

function shownLetter(letter: DciDeadLetter): z.output<typeof deadLetterOutput> {
  return {
    id: letter.id,
    kind: letter.kind,
    action: letter.action,
    sender_id: letter.senderId,
    ...(letter.transactionId !== undefined ? { transaction_id: letter.transactionId } : {}),
    ...(letter.correlationId !== undefined ? { correlation_id: letter.correlationId } : {}),
    ...(letter.messageId !== undefined ? { message_id: letter.messageId } : {}),
    ...(letter.callbackUrl !== undefined ? { callback_url: letter.callbackUrl } : {}),
    attempts: letter.attempts,
    last_error: letter.lastError,
    failed_at: letter.failedAt,
  };
}

function shown(subscription: DciSubscription): z.output<typeof subscriptionOutput> {
  return {
    code: subscription.code,
    sender_id: subscription.senderId,
    transaction_id: subscription.transactionId,
    reference_id: subscription.referenceId,
    reg_event_type: subscription.criteria.reg_event_type,
    notify_record_type: subscription.criteria.notify_record_type,
    subscribe_criteria: subscription.criteria,
    notify_url: subscription.notifyUrl,
    created_at: subscription.createdAt,
  };
}

/** Only tokens matching `auth.administrators` see and manage the DCI work of every sender. */
function requireAdministrator(request: FastifyRequest, what: string): void {
  if (request.principal?.administrator === true) return;
  throw new HttpProblem({ status: 403, detail: `Only administrators (auth.administrators) manage every sender's DCI ${what}.` });
}

/**
 * The administrators' view of DCI work under `config.api.prefix`, as a token matching
 * `auth.administrators` manages every webhook:
 * - subscriptions: a sender sees and ends only its own through the DCI routes
 *   (`/registry/unsubscribe`); here, those of every sender are listed and any cancelled.
 *   Listing needs "Rest API GET" too (a subscription's filter may name a registrant);
 *   cancelling, "Rest API POST". Served when DCI subscriptions are (`dci.enabled` and `events.enabled`);
 * - dead letters: async searches and callbacks given up after their last attempt, listed
 *   ("Rest API GET") without their content, replayed or discarded ("Rest API POST").
 * Served only when `auth.administrators` names who administers.
 */
async function dciAdminPlugin(app: FastifyInstance): Promise<void> {
  const dci = app.services.dci;
  // Without auth.administrators nobody could use these routes: they are not served (404, not a 403 to every token).
  if (!dci || app.config.auth.administrators.length === 0) return;
  const subscriptions = dci.subscriptions?.service;
  const work = dci.async;
  const tags = ['dci-admin'];
  await app.register(
    async (scope) => {
      const r = scope.withTypeProvider<ZodTypeProvider>();
      r.get('/admin/dci/dead-letters', {
        config: { access: ROLE_GET },
        schema: {
          tags,
          summary: 'Async searches and callbacks of every sender given up after their last attempt, oldest first (administrators only)',
          querystring: z.object({ sender_id: z.string().min(1).max(128).optional().describe("Only this sender's dead letters") }).strict(),
          response: responses({ 200: z.object({ items: z.array(deadLetterOutput) }) }),
        },
        handler: async (request) => {
          requireAdministrator(request, 'dead letters');
          return { items: (await work.deadLetters(request.query.sender_id)).map(shownLetter) };
        },
      });
      r.post('/admin/dci/dead-letters/replay', {
        config: { access: ROLE_POST },
        schema: {
          tags,
          summary:
            "One more attempt for dead letters (those listed, or every one of a sender's): a search runs again, a callback is signed afresh with its message_id; one failing again is listed again (administrators only)",
          body: z
            .object({
              ids: z.array(deadLetterParam.shape.id).min(1).max(1_000).optional(),
              sender_id: z.string().min(1).max(128).optional().describe('Every dead letter of this sender (with `ids`: those of them)'),
            })
            .strict()
            .refine((body) => body.ids !== undefined || body.sender_id !== undefined, { message: 'Name the dead letters: ids, sender_id or both' }),
          response: responses({ 202: z.object({ replaying: z.number().int() }) }),
        },
        handler: async (request, reply) => {
          requireAdministrator(request, 'dead letters');
          const { ids, sender_id: sender } = request.body;
          const letters = await work.deadLetters(sender);
          const wanted = ids ? [...new Set(ids)] : letters.map((letter) => letter.id);
          const unknown = wanted.filter((id) => !letters.some((letter) => letter.id === id));
          if (unknown.length)
            throw new HttpProblem({ status: 404, detail: `No DCI dead letter ${unknown.slice(0, 5).join(', ')}${sender ? ` of sender "${sender}"` : ''}.` });
          const replayed = await work.replayDeadLetters(wanted);
          request.log.info({ dci: { dead_letters: replayed }, administrator: ownerOf(request.principal!) }, 'dci dead letters replayed by an administrator');
          return reply.code(202).send({ replaying: replayed.length });
        },
      });
      r.delete('/admin/dci/dead-letters/:id', {
        config: { access: ROLE_POST },
        schema: {
          tags,
          summary: 'Discard a dead letter (administrators only)',
          params: deadLetterParam,
          response: responses({ 204: z.null().describe('No content') }),
        },
        handler: async (request, reply) => {
          requireAdministrator(request, 'dead letters');
          const discarded = await work.discardDeadLetter(request.params.id);
          if (!discarded) throw new HttpProblem({ status: 404, detail: `No DCI dead letter "${request.params.id}".` });
          request.log.info(
            { dci: { dead_letter: discarded.id, kind: discarded.kind, sender_id: discarded.senderId }, administrator: ownerOf(request.principal!) },
            'dci dead letter discarded by an administrator',
          );
          return reply.code(204).send(null);
        },
      });
      if (!subscriptions) return;
      r.get('/admin/dci/subscriptions', {
        config: { access: ROLE_GET },
        schema: {
          tags,
          summary: "Every sender's DCI subscriptions, oldest first (administrators only)",
          querystring: senderQuery,
          response: responses({ 200: z.object({ items: z.array(subscriptionOutput) }) }),
        },
        handler: async (request) => {
          requireAdministrator(request, 'subscriptions');
          const { sender_id: sender } = request.query;
          return { items: (await subscriptions.list()).filter((s) => sender === undefined || s.senderId === sender).map(shown) };
        },
      });
      r.delete('/admin/dci/subscriptions/:code', {
        config: { access: ROLE_POST },
        schema: {
          tags,
          summary: 'Cancel any DCI subscription: its notifications stop (administrators only)',
          params: codeParam,
          response: responses({ 204: z.null().describe('No content') }),
        },
        handler: async (request, reply) => {
          requireAdministrator(request, 'subscriptions');
          const cancelled = await subscriptions.cancel(request.params.code);
          if (!cancelled) throw new HttpProblem({ status: 404, detail: `No DCI subscription "${request.params.code}".` });
          request.log.info(
            { dci: { subscription: cancelled.code, sender_id: cancelled.senderId }, administrator: ownerOf(request.principal!) },
            'dci subscription cancelled by an administrator',
          );
          return reply.code(204).send(null);
        },
      });
    },
    { prefix: app.config.api.prefix },
  );
}

export const dciAdminRoutesPlugin = fp(dciAdminPlugin, {
  name: 'dci-admin',
  encapsulate: true,
  dependencies: ['g2p-auth', 'g2p-ops', 'openapi'],
  decorators: { fastify: ['services', 'config'] },
});
