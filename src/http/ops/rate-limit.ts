import { createRequire } from 'node:module';
import rateLimit, { type FastifyRateLimitOptions, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { GatewayMetrics } from '../../metrics.js';
import { StateUnavailableError } from '../../state/errors.js';
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
export interface RateLimitOptions {
  max: number;
  windowMs: number;
  /** Shared counters (the state store's Redis): every replica counts against one budget. */
  redis?: Redis;
  /** With Redis: what happens when its counters cannot be reached. */
  whenStoreDown: 'allow' | 'refuse';
}

export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions, metrics: GatewayMetrics): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    ...(options.redis ? { store: sharedCounters(options.redis), skipOnError: options.whenStoreDown === 'allow' } : {}),
    hook: 'preHandler',
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request, context) => {
      metrics.rateLimited.inc();
      const retryAfter = String(Math.max(1, Math.ceil(context.ttl / 1000)));
      return new HttpProblem({
        status: 429,
        detail: `Rate limit of ${context.max} requests per ${context.after} exceeded; retry in ${retryAfter} s.`,
        headers: { 'retry-after': retryAfter },
      });
    },
  });
}

/** The plugin's own Redis store (its Lua counter), which the package ships but does not export by name. */
interface PluginStore {
  incr(key: string, callback: (err: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number, max: number): void;
  child(routeOptions: unknown): PluginStore;
}
type PluginStoreClass = new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, key?: string) => PluginStore;
const PluginRedisStore = createRequire(import.meta.url)('@fastify/rate-limit/store/RedisStore.js') as PluginStoreClass;

/**
 * The plugin's Redis store, with its failures turned into StateUnavailableError, so that with
 * `whenStoreDown: refuse` a request is answered 503 problem+json (not a 500 for an unknown error).
 */
function sharedCounters(redis: Redis): FastifyRateLimitStoreCtor {
  const wrap = (inner: PluginStore): PluginStore => ({
    incr: (key, callback, timeWindow, max) =>
      inner.incr(key, (err, result) => (err ? callback(new StateUnavailableError('the rate limit', { cause: err })) : callback(null, result)), timeWindow, max),
    child: (routeOptions) => wrap(inner.child(routeOptions)),
  });
  return function SharedCounters(params: FastifyRateLimitOptions) {
    // The plugin passes its global parameters; these two shape the Lua counter.
    const { continueExceeding = false, exponentialBackoff = false } = params as { continueExceeding?: boolean; exponentialBackoff?: boolean };
    return wrap(new PluginRedisStore(continueExceeding, exponentialBackoff, redis, 'rate:'));
  } as unknown as FastifyRateLimitStoreCtor;
}
