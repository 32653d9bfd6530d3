import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { withDciContract } from './dci/contract.js';
import { withExportMediaTypes } from './routes/export.js';

/**
 * OpenAPI 3.1 generated from the zod schemas the routes validate with (one source of truth),
 * served as JSON at /openapi.json and with a UI at /docs, both public. Register it before the
 * routes it documents.
 */
async function openApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'g2p-gateway registry API',
        version: '1',
        description:
          'REST API over an OpenG2P social registry. JSON in snake_case, null for empty, ISO 8601 dates and UTC datetimes. ' +
          'Errors are RFC 9457 problem+json. Lists page with opaque cursors.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          basic: { type: 'http', scheme: 'basic', description: 'Odoo login and password or API key (compatibility routes only)' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => withExportMediaTypes(withDciContract(jsonSchemaTransformObject(input), app.config.dci.prefix)),
  });

  // The UI's own routes (HTML, scripts) are public like the document. swagger-ui has no option
  // for route config and the auth plugin's onRoute check runs before any hook of ours, so the
  // scope's `route` (which swagger-ui's child instance inherits) adds the declaration.
  await app.register(async (scope) => {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the scope's own `this`
    const route = scope.route;
    const publicRoute = function (this: FastifyInstance, options: RouteOptions) {
      return route.call(this, { ...options, config: { ...options.config, access: 'public' } });
    };
    Object.defineProperty(scope, 'route', { value: publicRoute, writable: true, configurable: true });
    await scope.register(swaggerUi, { routePrefix: '/docs' });
  });

  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
}

export const openApiPlugin = fp(openApi, { name: 'openapi', dependencies: ['g2p-auth', 'g2p-ops'] });
