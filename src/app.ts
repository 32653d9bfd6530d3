import Fastify, { type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config/load.js';
import { frameworkErrors, installErrorHandling } from './http/errors.js';
import { odooProblem } from './http/odoo-errors.js';
import { requestIdFor, REQUEST_ID_HEADER } from './http/request-id.js';
import { authPlugin } from './http/auth/index.js';
import { createBasicAuthenticator } from './http/auth/basic.js';
import { compatPlugin } from './http/compat/index.js';
import { dciPlugin } from './http/dci/index.js';
import { ClientTokenIssuer } from './http/auth/client-credentials.js';
import { tokenRoutePlugin } from './http/auth/token-route.js';
import { jwksPlugin } from './http/jwks.js';
import { dciSigner } from './dci/search.js';
import { publicJwk } from './dci/signature.js';
import type { DciTransactionStore } from './dci/transactions.js';
import { opsPlugin } from './http/ops/index.js';
import { openApiPlugin } from './http/openapi.js';
import { registryPlugin } from './http/routes/index.js';
import { customEndpointsPlugin } from './http/endpoints.js';
import { eventsRoutesPlugin } from './http/events.js';
import { responseSerializerCompiler } from './http/serializer.js';
import { loggerOptions } from './logging.js';
import { createMetrics, metricsAreServed } from './metrics.js';
import { createOdooConnection, type OdooConnection } from './odoo/index.js';
import { createStateStore, durableDciStore, type StateStore } from './state/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    odoo: OdooConnection;
    /** What must hold between requests (and replicas): idempotency keys, record leases, replay guard. */
    state: StateStore;
  }
}

export interface AppDependencies {
  /** An existing Odoo connection (tests share one); otherwise one is made from `config.odoo`. */
  odoo?: OdooConnection;
  /** Where async DCI transactions are kept; by default in Redis when `redis.url` is set, else in memory. */
  dciStore?: DciTransactionStore;
}

/**
 * The gateway's own client-credentials issuer when clients are configured, and the
 * configuration with it among the trusted issuers (its tokens then pass like any other).
 */
function withClientTokens(config: Config): { config: Config; tokenIssuer?: ClientTokenIssuer } {
  const settings = config.auth.clientCredentials;
  if (Object.keys(settings.clients).length === 0) return { config };
  if (config.auth.issuers.some((issuer) => issuer.issuer === settings.issuer)) {
    throw new Error(`auth.clientCredentials.issuer "${settings.issuer}" is already a configured issuer; give the gateway's tokens an issuer of their own`);
  }
  const tokenIssuer = new ClientTokenIssuer(settings, config.roles);
  return { config: { ...config, auth: { ...config.auth, issuers: [...config.auth.issuers, tokenIssuer.issuerConfig()] } }, tokenIssuer };
}

/** Builds the gateway without listening: `server.ts` listens, tests use `inject` or listen on port 0. */
export function buildApp(fileConfig: Config, deps: AppDependencies = {}): FastifyInstance {
  const { config, tokenIssuer } = withClientTokens(fileConfig);
  if (!config.odoo && !deps.odoo) throw new Error('buildApp needs config.odoo (server.ts starts the sandbox simulator when none is configured)');
  const app = Fastify({
    logger: loggerOptions(config.log.level),
    genReqId: requestIdFor,
    requestIdHeader: false,
    bodyLimit: config.server.bodyLimitBytes,
    requestTimeout: config.server.requestTimeoutMs,
    trustProxy: config.server.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Path parameters are bounded by the route schemas (which name the field), not by the router's 100 characters.
    routerOptions: { maxParamLength: 2048 },
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- it returns the (thenable) reply, which Fastify ignores
    frameworkErrors,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);

  const metrics = createMetrics({ processMetrics: metricsAreServed(config.metrics) });
  const odoo = deps.odoo ?? createOdooConnection({ ...config.odoo!, name: 'gateway', logger: app.log, onCall: metrics.observeOdooCall });
  app.decorate('config', config);
  app.decorate('metrics', metrics);
  app.decorate('odoo', odoo);
  if (!deps.odoo) app.addHook('onClose', () => odoo.close());
  const state = createStateStore(config, app.log);
  app.decorate('state', state);
  app.addHook('onClose', () => state.close());

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  installErrorHandling(app, odooProblem);

  // Feature plugins (auth first: it checks that every route declares its role).
  const { basicAuth } = config.compat;
  const basic = basicAuth.enabled
    ? [createBasicAuthenticator(odoo, { cacheTtlMs: basicAuth.cacheTtlMs, rolesCacheTtlMs: basicAuth.rolesCacheTtlMs, postImpliesGet: config.auth.postImpliesGet })]
    : [];
  app.register(authPlugin, { authenticators: basic });
  app.register(opsPlugin);
  app.register(openApiPlugin);
  app.register(registryPlugin);
  app.register(eventsRoutesPlugin);
  const signer = config.dci.enabled ? dciSigner(config.dci) : undefined;
  app.register(jwksPlugin, { keys: [...(signer ? [publicJwk(signer.publicKey, signer.keyId)] : []), ...(tokenIssuer?.jwks() ?? [])] });
  if (tokenIssuer) {
    if (tokenIssuer.ephemeralKey) app.log.warn('auth.clientCredentials: no signingKeys configured; tokens are signed with a key made at start-up and stop working when the gateway restarts');
    app.register(tokenRoutePlugin, { issuer: tokenIssuer, rateLimit: config.auth.clientCredentials.rateLimit });
  }
  const dciStore = deps.dciStore ?? durableDciStore(config, state);
  app.register(dciPlugin, { ...(signer ? { signer } : {}), ...(tokenIssuer ? { tokenIssuer } : {}), ...(dciStore ? { store: dciStore } : {}) });
  if (config.compat.enabled) app.register(compatPlugin);
  // Last: declared endpoints are checked against every built-in route for clashes.
  app.register(customEndpointsPlugin);
  return app;
}
