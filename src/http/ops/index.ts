import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { metricsAreServed, type GatewayMetrics } from '../../metrics.js';
import { registerHealthRoutes } from './health.js';
import { registerLoadShedding } from './load-shedding.js';
import { registerMetricsRoute, serveMetricsSeparately } from './metrics-endpoint.js';
import { registerRateLimit } from './rate-limit.js';
import { installRequestMetrics } from './request-metrics.js';
import { installConnectionDraining } from './shutdown.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: GatewayMetrics;
    /** Address of the separate metrics listener, when `metrics.port` is set and the app is ready. */
    metricsAddress(): { address: string; port: number } | undefined;
  }
}

/**
 * Operations: probes, Prometheus metrics, per-caller rate limit, load shedding and connection
 * draining on close. Registered before the API routes, so the rate limit's route hook sees
 * them (each route plugin depends on the auth plugin, which this one follows).
 */
export const opsPlugin = fp(
  async (app: FastifyInstance) => {
    const { config, metrics } = app;
    if (config.server.underPressure.enabled) await registerLoadShedding(app, config.server.underPressure);
    if (config.rateLimit.enabled) {
      // Counters shared by replicas when the state store is Redis: the limiter keeps them on its connection.
      const redis = app.state.storeFor({ memory: () => undefined, redis: (client) => client });
      await registerRateLimit(app, { ...config.rateLimit, redis }, metrics);
    }
    installConnectionDraining(app);
    registerHealthRoutes(app);

    let separate: ReturnType<typeof serveMetricsSeparately> | undefined;
    if (metricsAreServed(config.metrics)) {
      installRequestMetrics(app, metrics);
      metrics.watchOdoo(app.odoo);
      metrics.watchState(app.state);
      if (config.metrics.port !== undefined) {
        separate = serveMetricsSeparately(app, metrics, { host: config.metrics.host, port: config.metrics.port, token: config.metrics.token });
      } else {
        registerMetricsRoute(app, metrics, config.metrics.token!);
      }
    } else if (config.metrics.enabled) {
      app.log.info('metrics are not served: set metrics.token (to serve /metrics on the API port) or metrics.port');
    }
    app.decorate('metricsAddress', () => separate?.address());
  },
  { name: 'g2p-ops', dependencies: ['g2p-auth'], decorators: { fastify: ['config', 'metrics', 'odoo', 'state'] } },
);
