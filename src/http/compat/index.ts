import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { compatErrorHandler } from './errors.js';
import { compatGroupRoutes } from './groups.js';
import { compatIndividualRoutes } from './individuals.js';
import { adjustActor } from '../odoo-account.js';
import { withActiveFlag } from '../../registry/field-scope.js';
import { noteDisclosure } from '../disclosure.js';
import { routeMethods } from '../unrouted.js';

/**
 * OpenG2P's REST module (`g2p_registry_rest_api`) re-created under `config.compat.prefix`, when
 * `compat.enabled`: the same routes, JSON keys and `{"detail": ...}` errors, mapped onto the same
 * registry use cases as the gateway's own API. Its own scope, so its error and not-found
 * handlers answer in the module's shape on these routes only. The routes are listed in the
 * gateway's OpenAPI document under their own tag (compat/openapi.ts).
 */
async function compatRoutes(app: FastifyInstance): Promise<void> {
  if (!app.config.compat.enabled) return;
  const { registry } = app.services;
  await app.register(
    async (scope) => {
      const methodsOf = routeMethods(scope);
      scope.setErrorHandler(compatErrorHandler);
      // The module lets two registrants hold the same ID: so do these routes, unless compat.uniqueIdTypes says otherwise.
      // A scoped caller's reads also fetch the `active` flag: these routes answer an archived registrant as absent (their shapes never show the flag).
      scope.addHook('preHandler', async (request) => {
        const view = request.principal ? request.actor.view : undefined;
        // The module's group answers always carry the members; noted before the `active` flag joins the view (no answer shows it).
        const url = request.routeOptions.url ?? '';
        if (request.principal) noteDisclosure(request, url.includes('/group') ? 'group' : 'individual', app.services.registry.core.views, true);
        adjustActor(request, { uniqueIdTypes: app.config.compat.uniqueIdTypes, ...(view ? { view: withActiveFlag(view) } : {}) });
      });
      scope.setNotFoundHandler({}, async (request, reply) => {
        const allowed = methodsOf(request.url.split('?')[0]!);
        if (allowed.length) return reply.code(405).header('allow', allowed.join(', ')).type('application/json').send({ detail: 'Method Not Allowed' });
        return reply.code(404).type('application/json').send({ detail: 'Not Found' });
      });
      compatIndividualRoutes(scope, registry);
      compatGroupRoutes(scope, registry);
    },
    { prefix: app.config.compat.prefix },
  );
}

export const compatPlugin = fp(compatRoutes, {
  name: 'compat',
  encapsulate: true,
  dependencies: ['g2p-auth', 'g2p-ops', 'odoo-account'],
  decorators: { fastify: ['services', 'config'] },
});
