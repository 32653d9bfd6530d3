import { ROLE_GET, ROLE_POST, ROLES, type Role } from '../../config/auth.js';
import type { RoleMapping, RoleRule } from '../../config/roles.js';

/**
 * Every value found at a dotted claim path. Keys may themselves contain dots (Keycloak client
 * ids such as `g2p.gateway` under `resource_access`), so at each level the longest key that
 * exists is tried first and shorter ones after it; `resource_access.g2p.gateway.roles` finds
 * `resource_access["g2p.gateway"].roles` as well as `resource_access.g2p.gateway.roles`.
 */
export function claimValues(claims: unknown, path: string): unknown[] {
  return valuesAt(claims, path.split('.'));
}

function valuesAt(node: unknown, segments: string[]): unknown[] {
  if (segments.length === 0) return [node];
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return [];
  const record = node as Record<string, unknown>;
  const found: unknown[] = [];
  for (let end = segments.length; end >= 1; end--) {
    const key = segments.slice(0, end).join('.');
    if (Object.hasOwn(record, key)) found.push(...valuesAt(record[key], segments.slice(end)));
  }
  return found;
}

/** Whether one value satisfies a rule: arrays and space-separated strings (OAuth `scope`) for `includes`. */
function matches(value: unknown, rule: RoleRule): boolean {
  if (rule.includes !== undefined) {
    if (Array.isArray(value)) return value.some((item) => item === rule.includes);
    if (typeof value === 'string') return value.split(/\s+/).includes(rule.includes);
    return false;
  }
  return value === rule.equals;
}

export function ruleGrants(claims: unknown, rule: RoleRule): boolean {
  return claimValues(claims, rule.claim).some((value) => matches(value, rule));
}

/**
 * The roles a set of verified token claims earns under the mapping: any rule of a role grants
 * it. Pure, so the same evaluation serves every authenticator that yields claims.
 */
export function rolesFromClaims(claims: unknown, mapping: RoleMapping, postImpliesGet: boolean): Set<Role> {
  const granted = new Set<Role>();
  for (const role of ROLES) {
    if ((mapping[role] ?? []).some((rule) => ruleGrants(claims, rule))) granted.add(role);
  }
  if (postImpliesGet && granted.has(ROLE_POST)) granted.add(ROLE_GET);
  return granted;
}
