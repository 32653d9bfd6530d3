import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DCI_SCOPE_SUBSCRIBE } from '../../config/auth.js';
import type { DciAsyncService } from '../../dci/async.js';
import { httpDeliverer } from '../../dci/delivery.js';
import type { DciSearchService } from '../../dci/search.js';
import { SUBSCRIPTIONS_KEY, type DciSubscription } from '../../dci/subscription-store.js';
import { DciSubscriptionService } from '../../dci/subscriptions.js';
import type { OdooClient } from '../../odoo/types.js';
import { RedisStateStore } from '../../state/index.js';
import { MemoryRecordHash, RedisRecordHash } from '../../state/record-hash.js';

export const DCI_SUBSCRIBE_PATH = '/registry/subscribe';
export const DCI_UNSUBSCRIBE_PATH = '/registry/unsubscribe';

export interface DciSubscriptionDeps {
  service: DciSearchService;
  callbacks: DciAsyncService;
  odoo: () => OdooClient;
  /** The sender a caller's token binds it to, after checking the route's scope (index.ts). */
  callerSender: (request: FastifyRequest, scope: string) => string | undefined;
  /** Refuses HTTP Basic callers (their password is never kept for later work). */
  refuseBasic: (request: FastifyRequest) => void;
}

/**
 * `POST /registry/subscribe` and `/registry/unsubscribe` as `[path, handler]` pairs for the DCI
 * plugin's routes (same roles, error shapes and prefix). Served only when the change detector
 * runs (`events.enabled`): notifications are its events. Subscriptions are kept in Redis
 * when `redis.url` is set, else in memory (lost at a restart; the gateway warns).
 */
export function dciSubscriptionRoutes(app: FastifyInstance, deps: DciSubscriptionDeps): Array<[string, (request: FastifyRequest) => Promise<unknown>]> {
  const queues = app.eventReceivers;
  if (!queues) return [];
  const settings = app.config.dci;
  const store = app.state instanceof RedisStateStore ? new RedisRecordHash<DciSubscription>(app.state.redis, SUBSCRIPTIONS_KEY, 'DCI subscriptions') : new MemoryRecordHash<DciSubscription>();
  const subscriptions = new DciSubscriptionService({
    settings,
    service: deps.service,
    callbacks: deps.callbacks,
    store,
    odoo: deps.odoo,
    deliver: httpDeliverer(app.config.events.delivery.timeoutMs, `g2p-gateway (${settings.registryId})`),
    queues,
  });
  queues.addSource(() => subscriptions.receivers());
  app.addHook('onReady', async () => {
    if (!store.durable) app.log.warn('dci: subscriptions are kept in memory: they are lost if the gateway restarts; set redis.url to keep them');
  });
  return [
    [DCI_SUBSCRIBE_PATH, (request) => (deps.refuseBasic(request), subscriptions.subscribe(request.body, deps.callerSender(request, DCI_SCOPE_SUBSCRIBE)))],
    [DCI_UNSUBSCRIBE_PATH, (request) => (deps.refuseBasic(request), subscriptions.unsubscribe(request.body, deps.callerSender(request, DCI_SCOPE_SUBSCRIBE)))],
  ];
}
