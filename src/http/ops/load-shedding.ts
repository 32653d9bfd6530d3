import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../problem.js';
import { HEALTH_PATH } from './health.js';
import { METRICS_PATH } from './metrics-endpoint.js';

export interface LoadSheddingOptions {
  maxEventLoopDelayMs: number;
  maxEventLoopUtilization: number;
  sampleIntervalMs: number;
  retryAfterSeconds: number;
}

/** Routes still served under pressure: liveness (a busy process is alive; restarting it helps nobody) and metrics (needed most then). */
const ALWAYS_SERVED = new Set([HEALTH_PATH, METRICS_PATH]);

/**
 * While the event loop is saturated, new requests get 503 problem+json with Retry-After at
 * once instead of queueing behind the backlog until they time out. /readyz is shed too, which
 * takes the instance out of the load balancer until it recovers.
 */
export async function registerLoadShedding(app: FastifyInstance, options: LoadSheddingOptions): Promise<void> {
  const retryAfter = String(options.retryAfterSeconds);
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxEventLoopUtilization: options.maxEventLoopUtilization,
    sampleInterval: options.sampleIntervalMs,
    retryAfter: options.retryAfterSeconds,
    pressureHandler: (request, _reply, type) => {
      if (ALWAYS_SERVED.has(request.routeOptions.url ?? '')) return;
      request.log.warn({ pressure: type }, 'shedding load');
      // A rejection reaches the error handler, which renders the problem with its headers.
      return Promise.reject(new HttpProblem({ status: 503, detail: 'The gateway is overloaded; retry later.', headers: { 'retry-after': retryAfter } }));
    },
  });
}
