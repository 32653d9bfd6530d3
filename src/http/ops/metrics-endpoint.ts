import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../../metrics.js';
import { HttpProblem, sendProblem } from '../problem.js';

export const METRICS_PATH = '/metrics';

/** Whether the request carries `Authorization: Bearer <token>`; constant-time, so the token cannot be guessed byte by byte. */
export function hasMetricsToken(headers: IncomingHttpHeaders, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** /metrics on the API port, behind `metrics.token` (the scraper's bearer token, not a JWT). */
export function registerMetricsRoute(app: FastifyInstance, metrics: GatewayMetrics, token: string): void {
  app.get(METRICS_PATH, { config: { access: 'public', rateLimit: false }, schema: { hide: true } }, async (request, reply) => {
    if (!hasMetricsToken(request.headers, token)) {
      return sendProblem(
        reply,
        new HttpProblem({ status: 401, detail: 'The metrics token is missing or wrong.', headers: { 'www-authenticate': 'Bearer realm="metrics"' } }),
      );
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/**
 * /metrics on its own listener (`metrics.port`), so it can stay off the public ingress. It
 * starts when the app is ready and stops when the app closes; `address()` tells tests the port.
 */
export function serveMetricsSeparately(
  app: FastifyInstance,
  metrics: GatewayMetrics,
  options: { host: string; port: number; token?: string },
): { address(): AddressInfo | undefined } {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (options.token !== undefined && !hasMetricsToken(req.headers, options.token)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' }).end('unauthorized\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: unknown) => {
        app.log.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  });
  app.addHook('onReady', async () => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { address, port } = server.address() as AddressInfo;
    app.log.info({ address, port }, 'metrics listening');
  });
  app.addHook('onClose', async () => {
    if (!server.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { address: () => (server.listening ? (server.address() as AddressInfo) : undefined) };
}
