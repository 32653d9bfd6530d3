import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ROLE_GET } from '../config/auth.js';
import type { OdooCredentials } from '../odoo/types.js';
import type { Actor } from '../registry/index.js';
import { HttpProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The Odoo account this request acts as and the caller's roles, as the registry use cases
     * want them. Set once per request after authentication (this plugin's preHandler), on every
     * route that requires a role; reading it elsewhere is a programming error.
     */
    readonly actor: Actor;
  }
}

const ACTOR = Symbol('g2p.actor');
type WithActorSlot = FastifyRequest & { [ACTOR]: Actor | null | undefined };

/**
 * The Odoo account a request acts as. Basic callers act as themselves; token callers act
 * through the account configured for the route's role (falling back to the default one), so
 * Odoo's own access rules apply as a second wall behind the gateway's role check.
 */
function credentialsFor(request: FastifyRequest): OdooCredentials | undefined {
  const principal = request.principal;
  if (principal?.odooCredentials) return principal.odooCredentials;
  const accounts = request.server.config.odoo?.accounts;
  if (!accounts) return undefined;
  const account = (request.routeOptions.config.access === ROLE_GET ? accounts.read : accounts.write) ?? accounts.default;
  return { login: account.login, secret: account.password };
}

/**
 * `request.actor`, filled once per request right after authentication. Without a configured
 * account the request still runs (routes that never reach Odoo answer as usual); reading the
 * actor then answers 503.
 */
/** A surface's own rules for the actor of its requests (the compatibility routes' unique ID types); after authentication. */
export function adjustActor(request: FastifyRequest, change: Partial<Pick<Actor, 'uniqueIdTypes' | 'view'>>): void {
  const slot = request as WithActorSlot;
  if (slot[ACTOR]) slot[ACTOR] = { ...slot[ACTOR], ...change };
}

export const odooAccountPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest(ACTOR, null);
    app.decorateRequest('actor', {
      getter(this: FastifyRequest): Actor {
        const actor = (this as WithActorSlot)[ACTOR];
        if (actor) return actor;
        if (actor === undefined) throw new HttpProblem({ status: 503, detail: 'No Odoo account is configured.' });
        throw new Error(
          `request.actor was read on ${this.method} ${this.routeOptions.url ?? this.url} before authentication set it (only a handler of a route that requires a role may read it)`,
        );
      },
    });
    app.addHook('preHandler', async (request) => {
      if (!request.principal) return;
      const credentials = credentialsFor(request);
      const view = app.services.registry.core.views.of(request.principal.fieldScopes);
      (request as WithActorSlot)[ACTOR] = credentials
        ? { client: app.odoo.as(credentials), roles: request.principal.roles, ...(view ? { view } : {}) }
        : undefined;
    });
  },
  { name: 'odoo-account', dependencies: ['g2p-auth'], decorators: { fastify: ['config', 'odoo', 'services'] } },
);
