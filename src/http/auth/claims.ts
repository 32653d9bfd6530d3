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

/** Sets a value at a dotted claim path, adding to arrays and to space-separated `scope` strings. */
function grant(claims: Record<string, unknown>, path: string, value: string | number | boolean, add: boolean): void {
  const segments = path.split('.');
  let node = claims;
  for (const key of segments.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = segments[segments.length - 1]!;
  if (!add) node[last] = value;
  else if (last === 'scope') node[last] = [node[last], value].filter((v) => typeof v === 'string' && v !== '').join(' ');
  else node[last] = [...(Array.isArray(node[last]) ? (node[last] as unknown[]) : []), value];
}

/**
 * Adds the claims that earn exactly these roles under the mapping (each role's first rule),
 * checked with the same evaluation the gateway applies to incoming tokens: tokens the gateway
 * signs itself (sandbox, client credentials) go through the deployment's own mapping.
 */
export function addRoleClaims(claims: Record<string, unknown>, roles: readonly Role[], mapping: RoleMapping): void {
  for (const role of new Set(roles)) {
    const rule = mapping[role]?.[0];
    if (!rule) throw new Error(`the roles mapping has no rule for "${role}", so no token can earn it`);
    if (rule.includes !== undefined) grant(claims, rule.claim, rule.includes, true);
    else grant(claims, rule.claim, rule.equals!, false);
  }
  const earned = rolesFromClaims(claims, mapping, false);
  const asked = new Set(roles);
  if (ROLES.some((r) => earned.has(r) !== asked.has(r))) {
    throw new Error(
      `with this roles mapping a token for ${[...asked].join(' + ') || 'no role'} would earn ${[...earned].join(' + ') || 'no role'}; sign one by hand`,
    );
  }
}
