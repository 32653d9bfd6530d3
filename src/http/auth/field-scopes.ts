import type { Config } from '../../config/load.js';
import { ruleGrants } from './claims.js';

/**
 * Which declared field scopes (the roles file's `fieldScopes`) a caller holds: a token by its
 * claims (as roles are earned), a client of the gateway's own token endpoint by its client id,
 * an HTTP Basic caller by its Odoo login. Holding none means every field, as before scopes.
 */
export interface ScopeGrants {
  ofToken(claims: unknown, issuer: string, clientId: string | undefined): string[];
  ofBasicLogin(login: string): string[];
}

export function scopeGrants(config: Pick<Config, 'fieldScopes' | 'auth'>): ScopeGrants {
  const scopes = Object.entries(config.fieldScopes ?? {});
  const ownIssuer = config.auth.clientCredentials.issuer;
  return {
    ofToken: (claims, issuer, clientId) =>
      scopes
        .filter(
          ([, scope]) =>
            scope.grantedTo.claims.some((rule) => ruleGrants(claims, rule)) ||
            (issuer === ownIssuer && clientId !== undefined && scope.grantedTo.clients.includes(clientId)),
        )
        .map(([name]) => name),
    // Odoo logins are case-insensitive.
    ofBasicLogin: (login) =>
      scopes.filter(([, scope]) => scope.grantedTo.basicLogins.some((granted) => granted.toLowerCase() === login.toLowerCase())).map(([name]) => name),
  };
}
