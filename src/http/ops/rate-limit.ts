import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayMetrics } from '../../metrics.js';
import { HttpProblem } from '../problem.js';

/**
 * Who a request counts against: the authenticated caller when there is one (so callers
 * behind one NAT or proxy do not share a budget), else the client address. The caller is the
 * token's subject within its client: every user of one front-end carries the same
 * `azp`/`client_id`, so a budget per client would let one busy user starve all the others.
 * A machine client's service account has a subject of its own, so it still gets one budget.
 */
export function rateLimitKey(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal) return `caller:${principal.clientId ?? '-'}/${principal.sub}`;
  return `ip:${request.ip}`;
}

/**
 * Per-caller limit. It runs as a preHandler, after the auth plugin's onRequest hook has set
 * `request.principal`; refusals are 429 problem+json with Retry-After in seconds.
 */
export async function registerRateLimit(app: FastifyInstance, options: { max: number; windowMs: number }, metrics: GatewayMetrics): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request, context) => {
      metrics.rateLimited.inc();
      const retryAfter = String(Math.max(1, Math.ceil(context.ttl / 1000)));
      return new HttpProblem({
        status: 429,
        title: 'Too Many Requests',
        detail: `Rate limit of ${context.max} requests per ${context.after} exceeded; retry in ${retryAfter} s.`,
        headers: { 'retry-after': retryAfter },
      });
    },
  });
}
