import type { Role } from '../config/auth.js';
import type { OdooCredentials } from '../odoo/types.js';

/** Who is calling, once authenticated: set on `request.principal` by the auth plugin. */
export interface Principal {
  /** `sub` of a bearer token, or the Odoo login of an HTTP Basic caller. */
  sub: string;
  /** `client_id` or `azp` of a bearer token, when present. */
  clientId?: string;
  roles: ReadonlySet<Role>;
  via: 'jwt' | 'basic';
  /** `iss` of a bearer token. */
  issuer?: string;
  /** The OAuth scopes of a bearer token (its space-separated `scope` claim). */
  scopes?: ReadonlySet<string>;
  /** Basic callers act in Odoo as themselves, with the credentials they proved. */
  odooCredentials?: OdooCredentials;
  /** The token matches `auth.administrators`: it may manage every webhook and DCI subscription, whoever created it. */
  administrator?: boolean;
  /** The field scopes it holds (the roles file's `fieldScopes`); none: it sees every field. */
  fieldScopes?: readonly string[];
}

/**
 * Who owns what a caller creates through the API (webhooks, DCI subscriptions): the token's
 * client id, else its subject, within its issuer; the Odoo login of a Basic caller.
 */
export function ownerOf(principal: Principal): string {
  return principal.via === 'basic' ? `basic:${principal.sub}` : `jwt:${principal.issuer ?? ''}:${principal.clientId ?? principal.sub}`;
}

/** What a route requires: one of the two API roles, or nothing at all (probes, docs). */
export type RouteAccess = Role | 'public';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Record ids the handler touched, for the audit line. */
    auditIds?: number[];
    /** An export's outcome for the audit line (records sent, whether it completed) instead of every id. */
    auditExport?: { records: number; complete: boolean };
  }
  interface FastifyContextConfig {
    /** Every route must declare this; the auth plugin refuses to start otherwise. */
    access?: RouteAccess;
    /** Further roles any one of which also grants the route (declared endpoints callable by both roles). */
    anyRole?: Role[];
  }
}
