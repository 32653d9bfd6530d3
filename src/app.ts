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
import { opsPlugin } from './http/ops/index.js';
import { openApiPlugin } from './http/openapi.js';
import { registryPlugin } from './http/routes/index.js';
import { responseSerializerCompiler } from './http/serializer.js';
import { loggerOptions } from './logging.js';
import { createMetrics, metricsAreServed } from './metrics.js';
import { createOdooConnection, type OdooConnection } from './odoo/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    odoo: OdooConnection;
  }
}

export interface AppDependencies {
  /** An existing Odoo connection (tests share one); otherwise one is made from `config.odoo`. */
  odoo?: OdooConnection;
}

/** Builds the gateway without listening: `server.ts` listens, tests use `inject` or listen on port 0. */
export function buildApp(config: Config, deps: AppDependencies = {}): FastifyInstance {
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
  app.register(dciPlugin);
  if (config.compat.enabled) app.register(compatPlugin);
  return app;
}
