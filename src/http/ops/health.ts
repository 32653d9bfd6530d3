import type { FastifyInstance } from 'fastify';
import { HttpProblem, sendProblem } from '../problem.js';
import { createReadinessCheck, type Readiness } from './readiness.js';

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';

/**
 * Kubernetes probes. Both are public, not rate limited, and say nothing about versions or
 * credentials. /healthz only proves the process serves HTTP (a failing Odoo must not get
 * the gateway restarted); /readyz takes the gateway out of rotation while Odoo is unusable,
 * and reports the shared state store (Redis) as `shared_state` when one is configured.
 */
export function registerHealthRoutes(app: FastifyInstance): void {
  const { config, odoo, state } = app;
  const account = config.odoo?.accounts.default;
  const readiness = account ? createReadinessCheck(odoo, account, config.readiness) : undefined;
  const probeConfig = { access: 'public', rateLimit: false } as const;

  app.get(HEALTH_PATH, { config: probeConfig, schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get(READY_PATH, { config: probeConfig, schema: { hide: true } }, async (request, reply) => {
    const [odooResult, shared] = await Promise.all([
      readiness ? readiness() : ({ ready: false, reason: 'no Odoo account is configured' } as const),
      state.kind === 'redis' ? state.health() : undefined,
    ]);
    // Redis down alone keeps the replica in rotation unless configured otherwise: reads go on,
    // and the writes that need it are refused one by one with 503.
    const result: Readiness =
      odooResult.ready && shared && !shared.up && config.redis.requiredForReadiness
        ? { ready: false, reason: `the shared state store is down (${shared.reason})` }
        : odooResult;
    const sharedState = shared ? { shared_state: shared.up ? 'up' : 'down' } : {};
    if (result.ready) return { status: 'ready', ...sharedState };
    request.log.warn({ reason: result.reason }, 'not ready');
    const retryAfter = String(Math.max(1, Math.ceil(config.readiness.cacheMs / 1000)));
    return sendProblem(reply, new HttpProblem({ status: 503, detail: `Not ready: ${result.reason}.`, headers: { 'retry-after': retryAfter } }));
  });
}
