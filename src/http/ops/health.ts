import type { FastifyInstance } from 'fastify';
import { HttpProblem, sendProblem } from '../problem.js';
import { createReadinessCheck } from './readiness.js';

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';

/**
 * Kubernetes probes. Both are public, not rate limited, and say nothing about versions or
 * credentials. /healthz only proves the process serves HTTP (a failing Odoo must not get
 * the gateway restarted); /readyz takes the gateway out of rotation while Odoo is unusable.
 */
export function registerHealthRoutes(app: FastifyInstance): void {
  const { config, odoo } = app;
  const account = config.odoo?.accounts.default;
  const readiness = account ? createReadinessCheck(odoo, account, config.readiness) : undefined;
  const probeConfig = { access: 'public', rateLimit: false } as const;

  app.get(HEALTH_PATH, { config: probeConfig, schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get(READY_PATH, { config: probeConfig, schema: { hide: true } }, async (request, reply) => {
    const result = readiness ? await readiness() : ({ ready: false, reason: 'no Odoo account is configured' } as const);
    if (result.ready) return { status: 'ready' };
    request.log.warn({ reason: result.reason }, 'not ready');
    const retryAfter = String(Math.max(1, Math.ceil(config.readiness.cacheMs / 1000)));
    return sendProblem(reply, new HttpProblem({ status: 503, title: 'Service Unavailable', detail: `Not ready: ${result.reason}.`, headers: { 'retry-after': retryAfter } }));
  });
}
