import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLE_GET } from '../../config/auth.js';
import type { ReferenceKind, Registry } from '../../registry/index.js';
import { referenceOutput } from '../../registry/schemas.js';
import { responses } from './support.js';

const ROUTES: Array<{ url: string; kind: ReferenceKind; summary: string }> = [
  { url: '/id-types', kind: 'idTypes', summary: 'Registrant ID types (with their validation pattern)' },
  { url: '/group-kinds', kind: 'groupKinds', summary: 'Group kinds (Household, Family, ...)' },
  { url: '/membership-kinds', kind: 'membershipKinds', summary: 'Membership kinds (is_unique: at most one per group, e.g. Head)' },
  { url: '/genders', kind: 'genders', summary: 'Genders (name is the stored value, label what people see)' },
];

/** Reference data, served from the same short-lived cache that resolves names on input. */
export function referenceRoutes(app: FastifyInstance, registry: Registry): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  for (const route of ROUTES) {
    r.get(route.url, {
      config: { access: ROLE_GET },
      schema: { tags: ['reference data'], summary: route.summary, response: responses({ 200: z.object({ items: z.array(referenceOutput) }) }) },
      handler: async (request) => {
        const items = await registry.reference.list(request.actor, route.kind);
        return { items: items.map((item) => ({ id: item.id, name: item.name, ...item.extra })) };
      },
    });
  }
}
