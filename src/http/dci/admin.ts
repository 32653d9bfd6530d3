import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLE_GET, ROLE_POST } from '../../config/auth.js';
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

/** Only tokens matching `auth.administrators` see and cancel the subscriptions of every sender. */
function requireAdministrator(request: FastifyRequest): void {
  if (request.principal?.administrator === true) return;
  throw new HttpProblem({ status: 403, detail: "Only administrators (auth.administrators) manage every sender's DCI subscriptions." });
}

/**
 * The administrators' view of DCI subscriptions under `config.api.prefix`: a sender sees and
 * ends only its own through the DCI routes (`/registry/unsubscribe`); a token matching
 * `auth.administrators` lists those of every sender here and cancels any, as it manages every
 * webhook. Listing needs "Rest API GET" too (a subscription's filter may name a registrant);
 * cancelling, "Rest API POST". Served when DCI subscriptions are (`dci.enabled` and `events.enabled`).
 */
async function dciAdminPlugin(app: FastifyInstance): Promise<void> {
  const subscriptions = app.services.dci?.subscriptions?.service;
  if (!subscriptions) return;
  const tags = ['dci-admin'];
  await app.register(
    async (scope) => {
      const r = scope.withTypeProvider<ZodTypeProvider>();
      r.get('/admin/dci/subscriptions', {
        config: { access: ROLE_GET },
        schema: {
          tags,
          summary: "Every sender's DCI subscriptions, oldest first (administrators only)",
          querystring: senderQuery,
          response: responses({ 200: z.object({ items: z.array(subscriptionOutput) }) }),
        },
        handler: async (request) => {
          requireAdministrator(request);
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
          requireAdministrator(request);
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
