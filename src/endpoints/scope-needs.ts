import type { Resource } from '../registry/field-scope.js';
import { CATALOGS } from './catalog.js';
import type { EndpointDeclaration } from './declaration.js';

/**
 * What a declared endpoint reaches, in the words of field scopes: the API fields (of
 * individuals, groups, memberships) behind every path it answers, filters by, groups, sums or
 * writes. A caller holding field scopes may call the endpoint only when its scopes show all of
 * them. A path no API field stands for (a district, tags, a `target: model` declaration, an `x_`
 * field that is not an `api.customFields` entry) cannot be covered by any scope: null.
 */
export interface ScopeNeed {
  resource: Resource;
  /** A dotted API path (`phone_numbers.phone_no`, `members.kinds`). */
  path: string;
}

const TARGET_RESOURCE: Record<string, Resource | undefined> = { individuals: 'individual', groups: 'group', memberships: 'membership' };
const REFERENCE = new Set(['id', 'name']);

/** The paths a declaration touches (answer, filter, parameters, grouping, sums, writes). */
function declaredPaths(declaration: EndpointDeclaration): string[] {
  return [
    ...declaration.fields,
    ...declaration.filter.map((term) => ('not' in term ? term.not.field : term.field)),
    ...declaration.params.map((param) => param.field),
    ...declaration.groupBy.map((group) => (typeof group === 'string' ? group : group.field)),
    ...declaration.measures.flatMap((measure) => (measure === 'count' ? [] : [measure.sum])),
    ...declaration.writes.map((write) => (typeof write === 'string' ? write : write.field)),
  ];
}

/** Every API field the declaration reaches, or null when one of its paths is outside what scopes can name. */
export function scopeNeeds(declaration: EndpointDeclaration, customFields: ReadonlyArray<{ name: string; odooField: string }>): ScopeNeed[] | null {
  const resource = TARGET_RESOURCE[declaration.target];
  if (!resource) return null;
  const custom = new Map(customFields.map((field) => [field.odooField, field.name]));
  const needs: ScopeNeed[] = [];
  for (const path of declaredPaths(declaration)) {
    const found = needsOf(resource, path.split('.'), custom);
    if (!found) return null;
    needs.push(...found);
  }
  const seen = new Set<string>();
  return needs.filter((need) => !seen.has(`${need.resource}:${need.path}`) && seen.add(`${need.resource}:${need.path}`));
}

function needsOf(resource: Resource, path: string[], custom: ReadonlyMap<string, string>): ScopeNeed[] | null {
  const [head, ...rest] = path;
  if (head === undefined || head === 'id') return [];
  const need = (path: string, on: Resource = resource): ScopeNeed => ({ resource: on, path });
  if (resource === 'membership') {
    if (head === 'group' || head === 'individual') {
      if (rest.length === 0 || (rest.length === 1 && REFERENCE.has(rest[0]!))) return [need(head)];
      const deeper = needsOf(head, rest, custom);
      return deeper && [need(head), ...deeper];
    }
    if (head === 'kinds') return rest.length === 0 || (rest.length === 1 && REFERENCE.has(rest[0]!)) ? [need(head)] : null;
    return CATALOGS.membership!.fields[head]?.kind === 'scalar' && rest.length === 0 ? [need(head)] : null;
  }
  if (head.startsWith('x_')) {
    const name = custom.get(head);
    return name && rest.length === 0 ? [need(name)] : null;
  }
  const field = CATALOGS[resource]!.fields[head];
  if (!field) return null;
  if (field.kind === 'scalar') return rest.length === 0 ? [need(head)] : null;
  switch (head) {
    case 'kind':
      return rest.length === 0 || (rest.length === 1 && REFERENCE.has(rest[0]!)) ? [need('kind')] : null;
    case 'reg_ids':
    case 'phone_numbers': {
      const sub = CATALOGS[field.catalog]!.fields;
      if (rest.length === 0) return Object.keys(sub).map((name) => need(`${head}.${name}`));
      if (!sub[rest[0]!] || rest.length > (rest[0] === 'id_type' ? 2 : 1)) return null;
      return [need(`${head}.${rest[0]}`)];
    }
    case 'memberships': {
      // An individual's current memberships: told from past ones by is_ended.
      const inner = needsOf('membership', rest, custom);
      return inner && [need('is_ended', 'membership'), ...inner];
    }
    case 'members': {
      const inner = needsOf('membership', rest, custom);
      // A membership field reached through a group is the group's `members.<field>`.
      return inner && [need('members.is_ended'), ...inner.map((n) => (n.resource === 'membership' ? need(`members.${n.path}`) : n))];
    }
    case 'head': {
      // The head is found by its current membership of a unique kind.
      const inner = needsOf('individual', rest, custom);
      return inner && [need('members.is_ended'), need('members.kinds'), need('members.individual'), ...inner];
    }
    default:
      // district, tags: no API field shows them.
      return null;
  }
}
