import { answerContinueAfterAuthentication } from './http/expect-continue.js';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config/load.js';
import { frameworkErrors, installErrorHandling } from './http/errors.js';
import { requestIdFor, REQUEST_ID_HEADER } from './http/request-id.js';
import { authPlugin } from './http/auth/index.js';
import { compatPlugin } from './http/compat/index.js';
import { dciPlugin } from './http/dci/index.js';
import { tokenRoutePlugin } from './http/auth/token-route.js';
import { jwksPlugin } from './http/jwks.js';
import { installJsonBodyParser } from './http/json-body.js';
import { odooAccountPlugin } from './http/odoo-account.js';
import { opsPlugin } from './http/ops/index.js';
import { openApiPlugin } from './http/openapi.js';
import { registryPlugin } from './http/routes/index.js';
import { customEndpointsPlugin } from './http/endpoints.js';
import { eventsRoutesPlugin } from './http/events.js';
import { dciAdminRoutesPlugin } from './http/dci/admin.js';
import { responseSerializerCompiler } from './http/serializer.js';
import { trackRoutes } from './http/unrouted.js';
import { loggerOptions } from './logging.js';
import type { GatewayMetrics } from './metrics.js';
import type { OdooConnection } from './odoo/index.js';
import type { ChangeDetector } from './events/detector.js';
import type { Registry } from './registry/index.js';
import { createServices, type AppDependencies, type GatewayServices } from './services.js';
import type { StateStore } from './state/index.js';

export type { AppDependencies } from './services.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Everything built once for this app (src/services.ts); the members below are the same objects. */
    services: GatewayServices;
    config: Config;
    metrics: GatewayMetrics;
    odoo: OdooConnection;
    /** What must hold between requests (and replicas): idempotency keys, record leases, replay guard. */
    state: StateStore;
    registry: Registry;
    /** Present when `events.enabled`: the change detector (tests read `leading`). */
    changeDetector?: ChangeDetector;
  }
}

/** Decorates the app with its services (once, at the root) and ties their background work to its start and close. */
export function withServices(app: FastifyInstance, services: GatewayServices): void {
  app.decorate('services', services);
  app.decorate('config', services.config);
  app.decorate('metrics', services.metrics);
  app.decorate('odoo', services.odoo);
  app.decorate('state', services.state);
  app.decorate('registry', services.registry);
  if (services.events) app.decorate('changeDetector', services.events.detector);
  app.addHook('onReady', async () => services.start());
  app.addHook('onClose', () => services.close());
}

/** `server.trustProxy` as Fastify takes it: a hop count becomes proxy-addr's "the first n hops" (Fastify's types lack the number form). */
function trustedProxies(setting: Config['server']['trustProxy']): boolean | string | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/**
 * Builds the gateway without listening: `server.ts` listens, tests use `inject` or listen on port 0.
 * The services are made once (src/services.ts) and decorated here; each plugin declares the
 * plugins and decorators it needs (fastify-plugin `dependencies` / `decorators`), so registering
 * them in a wrong order stops start-up with the name of what is missing.
 */
export function buildApp(fileConfig: Config, deps: AppDependencies = {}): FastifyInstance {
  // Made with the services below; until then (no request is served before) nothing is quiet.
  let quietRequest = (_request: { ip: string }): boolean => false;
  const app = Fastify({
    logger: loggerOptions(fileConfig.log.level),
    genReqId: requestIdFor,
    requestIdHeader: false,
    // Refused requests are logged a few per address and window, the rest summed up (RefusalLog).
    logController: new LogController({ disableRequestLogging: (request) => quietRequest(request) }),
    bodyLimit: fileConfig.server.bodyLimitBytes,
    requestTimeout: fileConfig.server.requestTimeoutMs,
    trustProxy: trustedProxies(fileConfig.server.trustProxy),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Path parameters are bounded by the route schemas (which name the field), not by the router's 100 characters.
    routerOptions: { maxParamLength: 2048 },
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- it returns the (thenable) reply, which Fastify ignores
    frameworkErrors,
  });
  const services = createServices(fileConfig, deps, app.log);
  quietRequest = (request) => services.refusals.quietRequest(request);
  installJsonBodyParser(app, fileConfig.server.maxJsonDepth);
  answerContinueAfterAuthentication(app);
  app.setValidatorCompiler(validatorCompiler);
  // Fastify parses text/plain by default; no route takes text, so it is refused with 415 like any other type.
  app.removeContentTypeParser('text/plain');
  app.setSerializerCompiler(responseSerializerCompiler);

  withServices(app, services);

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  installErrorHandling(app, trackRoutes(app, services.config));

  // The order is checked by the plugins' declared dependencies; see each plugin for why it needs its own.
  app.register(authPlugin, { authenticators: services.authenticators });
  app.register(odooAccountPlugin);
  app.register(opsPlugin);
  app.register(openApiPlugin);
  app.register(registryPlugin);
  app.register(eventsRoutesPlugin);
  app.register(dciAdminRoutesPlugin);
  app.register(jwksPlugin, { keys: services.jwks });
  if (services.registry.core.cursors.ephemeralKey)
    app.log.warn('cursors: no keys configured; cursors are signed with a key made at start-up and stop working when the gateway restarts');
  const { tokenIssuer } = services;
  if (tokenIssuer) {
    if (tokenIssuer.ephemeralKey)
      app.log.warn(
        'auth.clientCredentials: no signingKeys configured; tokens are signed with a key made at start-up and stop working when the gateway restarts',
      );
    app.register(tokenRoutePlugin, { issuer: tokenIssuer, rateLimit: services.config.auth.clientCredentials.rateLimit });
  }
  app.register(dciPlugin);
  app.register(compatPlugin);
  app.register(customEndpointsPlugin);
  return app;
}
