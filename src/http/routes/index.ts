import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ROLE_GET } from '../../config/auth.js';
import { visibleTo } from '../../registry/mapping.js';
import { groupRoutes } from './groups.js';
import { individualRoutes } from './individuals.js';
import { referenceRoutes } from './reference.js';
import { adjustActor } from '../odoo-account.js';
import { noteDisclosure, resourceOf } from '../disclosure.js';

/** The registry REST API under `config.api.prefix`: individuals, groups, memberships, reference data. */
async function registryRoutes(app: FastifyInstance): Promise<void> {
  const { api } = app.config;
  const { registry, state } = app.services;
  const idempotency = state.idempotency;

  await app.register(
    async (scope) => {
      // Custom fields the caller's roles may not read are dropped from every answer (the record's
      // version was computed on the full record, so ETags do not depend on who asks).
      if (api.customFields.some((f) => f.readRole !== ROLE_GET)) {
        scope.addHook('preSerialization', async (request, _reply, payload: unknown) => {
          const roles = request.principal?.roles ?? new Set();
          const hide = (value: unknown) =>
            value && typeof value === 'object' && 'id' in value ? visibleTo(value as Record<string, unknown>, api.customFields, roles) : value;
          if (payload && typeof payload === 'object' && Array.isArray((payload as { items?: unknown }).items)) {
            return { ...(payload as object), items: (payload as { items: unknown[] }).items.map(hide) };
          }
          return hide(payload);
        });
      }
      // `?fields=` narrows the caller's view for this request (after validation, before the handler).
      scope.addHook('preHandler', async (request) => {
        const resource = resourceOf(request.routeOptions.url ?? '');
        if (!resource || !request.principal) return;
        const { fields, expand } = (request.query ?? {}) as { fields?: unknown; expand?: unknown };
        // Members asked for must be visible (a request cannot widen its scope), whatever `fields` says.
        if (expand === 'members') registry.core.views.requireVisible(request.actor.view, [{ parameter: 'query.expand', resource: 'group', path: 'members' }]);
        if (typeof fields === 'string') {
          const wanted = fields
            .split(',')
            .map((f) => f.trim())
            .filter(Boolean);
          adjustActor(request, { view: registry.core.views.narrowed(request.actor.view, resource, wanted) });
        }
        noteDisclosure(request, resource, registry.core.views);
      });
      individualRoutes(scope, registry, idempotency, api.prefix);
      groupRoutes(scope, registry, idempotency, api.prefix);
      referenceRoutes(scope, registry);
    },
    { prefix: api.prefix },
  );
}

/**
 * After the auth plugin (every route declares its role; the caller's Odoo account is set once
 * authenticated) and the OpenAPI plugin (so the routes are documented). Encapsulated: the
 * custom-field filter applies to these routes only.
 */
export const registryPlugin = fp(registryRoutes, {
  name: 'registry-routes',
  encapsulate: true,
  dependencies: ['g2p-auth', 'g2p-ops', 'odoo-account', 'openapi'],
  decorators: { fastify: ['services', 'config'] },
});
