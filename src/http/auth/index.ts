import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ROLES } from '../../config/auth.js';
import type { RouteAccess } from '../principal.js';
import { HttpProblem } from '../problem.js';
import { auditRecord, noteRefusal } from './audit.js';
import { createBearerAuthenticator } from './bearer.js';
import { credentialsMissing, roleMissing } from './problems.js';
import type { Authenticator } from './types.js';

export type { Authenticator } from './types.js';
export interface AuthPluginOptions {
  /** Further ways to authenticate (HTTP Basic against Odoo), tried by their scheme. */
  authenticators?: Authenticator[];
}

const ACCESS_LEVELS: readonly RouteAccess[] = [...ROLES, 'public'];

/** The scheme and credentials of an Authorization header (`Bearer abc` → ['bearer', 'abc']). */
function splitAuthorization(header: string): { scheme: string; credentials: string } | undefined {
  const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +(\S+)$/.exec(header.trim());
  return match ? { scheme: match[1]!.toLowerCase(), credentials: match[2]! } : undefined;
}

/**
 * Authentication and the two API roles. Wrapped with fastify-plugin so its hooks apply to
 * every route of the app, and registered before the routes (each route plugin names `g2p-auth`
 * among its dependencies) so the `onRoute` check sees them: a route that does not declare
 * `config.access` stops the gateway at start-up.
 */
export const authPlugin = fp<AuthPluginOptions>(
  async (app: FastifyInstance, options) => {
    app.addHook('onRoute', (route) => {
      const access = (route.config as { access?: unknown } | undefined)?.access;
      if (!ACCESS_LEVELS.includes(access as RouteAccess)) {
        const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
        throw new Error(`route ${methods} ${route.url} declares no access level: add config: { access: ${ACCESS_LEVELS.map((a) => `'${a}'`).join(' | ')} }`);
      }
    });

    const authenticators = [await createBearerAuthenticator(app, app.config), ...(options.authenticators ?? [])];
    const bySchemes = new Map(authenticators.map((a) => [a.scheme.toLowerCase(), a]));
    const schemes = authenticators.map((a) => a.scheme);

    const { failedAuth, refusals } = app.services;

    async function authenticate(request: FastifyRequest): Promise<void> {
      const header = request.headers.authorization;
      if (header === undefined || header.trim() === '') throw credentialsMissing(schemes);
      const parts = splitAuthorization(header);
      const authenticator = parts && bySchemes.get(parts.scheme);
      if (!parts || !authenticator) {
        // RFC 6750 §3.1: a request without credentials in an accepted scheme gets the bare challenge.
        throw credentialsMissing(schemes);
      }
      // Credentials verified moments ago pass even while their address is blocked: others' failures must not lock them out.
      const known = authenticator.known?.(parts.credentials);
      if (known) {
        request.principal = known;
        return;
      }
      const identity = authenticator.identityOf?.(parts.credentials);
      const blocked = failedAuth.knownBlocked(request, identity);
      if (blocked) throw blocked;
      try {
        request.principal = await authenticator.authenticate(request, parts.credentials);
      } catch (err) {
        if (err instanceof HttpProblem && err.status === 401) await failedAuth.fail(request, identity);
        throw err;
      }
    }

    app.addHook('onRequest', async (request) => {
      const access = request.routeOptions.config?.access;
      if (access === 'public' || request.is404) return;
      if (!ACCESS_LEVELS.includes(access as RouteAccess)) {
        // Fail closed: only a route added before this plugin loaded can get here unchecked.
        request.log.error({ route: request.routeOptions.url }, 'route declares no access level');
        throw new HttpProblem({ status: 500, detail: 'This route declares no access level.' });
      }
      if (access === undefined) return;
      try {
        await authenticate(request);
      } catch (err) {
        if (err instanceof HttpProblem) {
          noteRefusal(request, err.detail ?? err.title);
          if (refusals.noteRequest(request, `${err.status} ${err.detail ?? err.title}`))
            request.log.info({ auth: { status: err.status, reason: err.detail } }, 'authentication refused');
        }
        throw err;
      }
      const principal = request.principal!;
      const alternatives = request.routeOptions.config?.anyRole ?? [];
      if (!principal.roles.has(access) && !alternatives.some((role) => principal.roles.has(role))) {
        noteRefusal(request, `missing role ${access}`);
        throw roleMissing(access, principal.via === 'jwt');
      }
    });

    app.addHook('onResponse', async (request, reply) => {
      if (!refusals.unlogged(request)) request.log.info({ audit: auditRecord(request, reply) }, 'audit');
    });
  },
  { name: 'g2p-auth', decorators: { fastify: ['config', 'services'] } },
);
