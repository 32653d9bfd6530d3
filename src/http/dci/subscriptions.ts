import type { FastifyRequest } from 'fastify';
import { DCI_SCOPE_SUBSCRIBE } from '../../config/auth.js';
import type { DciSubscriptionService } from '../../dci/subscriptions.js';
import type { FieldView } from '../../registry/field-scope.js';
import type { DciRequester } from '../../dci/disclosure.js';

export const DCI_SUBSCRIBE_PATH = '/registry/subscribe';
export const DCI_UNSUBSCRIBE_PATH = '/registry/unsubscribe';

export interface DciSubscriptionRouteChecks {
  /** The sender a caller's token binds it to, after checking the route's scope (index.ts). */
  callerSender: (request: FastifyRequest, scope: string) => string | undefined;
  /** Refuses HTTP Basic callers (their password is never kept for later work). */
  refuseBasic: (request: FastifyRequest) => void;
  /** The caller's field scopes as a view (`{}` when it holds none). */
  fieldView: (request: FastifyRequest) => { view?: FieldView };
  /** Who asked (kept with the subscription for the audit lines of its notifies). */
  requesterOf: (request: FastifyRequest) => DciRequester;
}

/**
 * `POST /registry/subscribe` and `/registry/unsubscribe` as `[path, handler]` pairs for the DCI
 * plugin's routes (same roles, error shapes and prefix). Served only when the change detector
 * runs (`events.enabled`): notifications are its events (the service is built in src/services.ts).
 */
export function dciSubscriptionRoutes(
  subscriptions: DciSubscriptionService | undefined,
  checks: DciSubscriptionRouteChecks,
): Array<[string, (request: FastifyRequest) => Promise<unknown>]> {
  if (!subscriptions) return [];
  const { callerSender, refuseBasic, fieldView, requesterOf } = checks;
  return [
    [
      DCI_SUBSCRIBE_PATH,
      (request) => (
        refuseBasic(request),
        subscriptions.subscribe(request.body, callerSender(request, DCI_SCOPE_SUBSCRIBE), fieldView(request).view, requesterOf(request))
      ),
    ],
    [DCI_UNSUBSCRIBE_PATH, (request) => (refuseBasic(request), subscriptions.unsubscribe(request.body, callerSender(request, DCI_SCOPE_SUBSCRIBE)))],
  ];
}
