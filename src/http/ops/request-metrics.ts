import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../../metrics.js';

/** Label for requests no route matched: one series for all of them, never the raw URL (unbounded, may carry ids). */
const UNMATCHED_ROUTE = '(unmatched)';

/** Times every request by route pattern and status, and counts those in flight. */
export function installRequestMetrics(app: FastifyInstance, metrics: GatewayMetrics): void {
  app.addHook('onRequest', async (request, reply) => {
    metrics.httpRequestsInFlight.inc();
    // 'close' fires for finished and aborted responses alike, so the gauge never drifts.
    reply.raw.once('close', () => metrics.httpRequestsInFlight.dec());
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? UNMATCHED_ROUTE, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
