import type { FastifyInstance, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { Config } from '../config/load.js';
import { DCI_ASYNC_SEARCH_PATH, DCI_SEARCH_PATH, DCI_STATUS_PATH, DCI_SYNC_STATUS_PATH } from './dci/index.js';
import { DCI_SUBSCRIBE_PATH, DCI_UNSUBSCRIBE_PATH } from './dci/subscriptions.js';
import { HttpProblem } from './problem.js';

/**
 * The answer to a request no route took, more useful than "no route": 405 with `Allow` when the
 * path exists under other methods (RFC 9110 15.5.6), 404 naming the setting when the path
 * belongs to a feature switched off, a plain 404 otherwise.
 */
export interface Unrouted {
  problem(request: FastifyRequest): HttpProblem;
}

/**
 * Which methods a concrete path answers, from every route declared in `scope` after this call:
 * each is also recorded in a router of its own (the matcher Fastify routes with). HEAD is left
 * out (Fastify adds it to every GET route).
 */
export function routeMethods(scope: FastifyInstance): (path: string) => HTTPMethod[] {
  const router = FindMyWay({ ignoreTrailingSlash: scope.initialConfig.ignoreTrailingSlash ?? false, maxParamLength: 2048 });
  const known = new Set<string>();
  scope.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase() as HTTPMethod);
    for (const method of methods) {
      const key = `${method} ${route.url}`;
      if (method === 'HEAD' || known.has(key)) continue;
      known.add(key);
      router.on(method, route.url, () => undefined);
    }
  });
  return (path) => ALL_METHODS.filter((method) => router.find(method, path) !== null);
}

/** Registered before any route, so that every route of the app is known to `problem`. */
export function trackRoutes(app: FastifyInstance, config: Config): Unrouted {
  const methodsOf = routeMethods(app);
  const switchedOff = disabledFeatures(config);
  return {
    problem(request) {
      const path = request.url.split('?')[0]!;
      const allowed = methodsOf(path).filter((method) => method !== request.method);
      if (allowed.length > 0) {
        if (allowed.includes('GET')) allowed.push('HEAD');
        return new HttpProblem({
          status: 405,
          title: 'Method Not Allowed',
          detail: `${request.method} is not allowed on ${path}; it answers ${allowed.join(', ')}.`,
          headers: { allow: allowed.join(', ') },
        });
      }
      const feature = switchedOff.find((f) => f.matches(path));
      if (feature) {
        return new HttpProblem({
          status: 404,
          title: 'Not Found',
          detail: `${feature.name}: off on this gateway; to turn it on, set ${feature.enable}.`,
          type: '/problems/feature-disabled',
          extensions: { setting: feature.setting },
        });
      }
      return new HttpProblem({ status: 404, title: 'Not Found', detail: `No route ${request.method} ${path}` });
    },
  };
}

const ALL_METHODS: HTTPMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

interface DisabledFeature {
  name: string;
  /** The configuration key that switches the feature on. */
  setting: string;
  /** What to set, in words. */
  enable: string;
  matches(path: string): boolean;
}

const under =
  (...prefixes: string[]) =>
  (path: string) =>
    prefixes.some((p) => path === p || path.startsWith(`${p}/`));

/** The features this configuration leaves off, and the paths they would serve. */
function disabledFeatures(config: Config): DisabledFeature[] {
  const features: DisabledFeature[] = [];
  const dciPaths = (paths: string[]) => paths.flatMap((p) => [p, `${config.dci.prefix}${p}`]);
  if (!config.events.enabled) {
    features.push({
      name: 'Change events and webhooks',
      setting: 'events.enabled',
      enable: 'events.enabled: true in the configuration file',
      matches: under(`${config.api.prefix}/webhooks`, ...dciPaths([DCI_SUBSCRIBE_PATH, DCI_UNSUBSCRIBE_PATH])),
    });
  }
  if (!config.dci.enabled) {
    features.push({
      name: 'The DCI Social Registry API',
      setting: 'dci.enabled',
      enable: 'dci.enabled: true in the configuration file',
      matches: under(...dciPaths([DCI_SEARCH_PATH, DCI_ASYNC_SEARCH_PATH, DCI_STATUS_PATH, DCI_SYNC_STATUS_PATH])),
    });
  }
  if (!config.compat.enabled) {
    features.push({
      name: "OpenG2P's REST compatibility surface",
      setting: 'compat.enabled',
      enable: 'compat.enabled: true in the configuration file',
      matches: under(config.compat.prefix),
    });
  }
  if (Object.keys(config.auth.clientCredentials.clients).length === 0) {
    features.push({
      name: 'The token endpoint (OAuth 2.0 client credentials)',
      setting: 'auth.clientCredentials.clients',
      enable: 'at least one client under auth.clientCredentials.clients',
      matches: under('/oauth2/client/token'),
    });
  }
  if (!config.metrics.enabled || (config.metrics.token === undefined && config.metrics.port === undefined)) {
    features.push({
      name: 'Metrics on the API port',
      setting: config.metrics.enabled ? 'metrics.token' : 'metrics.enabled',
      enable: config.metrics.enabled
        ? 'metrics.token (scrapers send it as a bearer token) or metrics.port'
        : 'metrics.enabled: true and metrics.token or metrics.port',
      matches: under('/metrics'),
    });
  }
  return features;
}
