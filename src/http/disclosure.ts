import type { FastifyRequest } from 'fastify';
import { everything, pathsOf, type FieldViews, type Resource } from '../registry/field-scope.js';
import { HttpProblem } from './problem.js';

/** What an answer disclosed, for its audit line: the scopes that applied and the fields, never a value. */
export interface Disclosure {
  /** The kind of record answered. */
  resource: Resource;
  /** The caller's field scopes (`fields` when only `?fields=` narrowed the view); null: no scope, every field. */
  scopes: string[] | null;
  /** The fields the answer could carry, as dotted paths (`reg_ids.value`). */
  fields: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on the registry's record routes: what the answer discloses (audit). */
    auditDisclosure?: Disclosure;
  }
}

/** The kind of record a registry route answers with, from its URL pattern; undefined for reference data. */
export function resourceOf(url: string): Resource | undefined {
  if (/\/groups\/:id\/members/.test(url) || /\/individuals\/:id\/groups$/.test(url)) return 'membership';
  if (/\/groups(\/|$)/.test(url)) return 'group';
  if (/\/individuals(\/|$)/.test(url)) return 'individual';
  return undefined;
}

/** Notes on the request what its answer discloses under the caller's view (members of a group only when expanded). */
export function noteDisclosure(request: FastifyRequest, resource: Resource, views: FieldViews, withMembers?: boolean): void {
  const view = request.actor.view;
  const selection = view?.[resource] ?? everything(views.catalog[resource]);
  const expanded = withMembers ?? (request.query as { expand?: unknown } | undefined)?.expand === 'members';
  const fields = pathsOf(selection).filter((path) => resource !== 'group' || expanded || !(path === 'members' || path.startsWith('members.')));
  request.auditDisclosure = { resource, scopes: view ? [...view.scopes] : null, fields: ['id', ...fields] };
}

/**
 * 403 for a caller holding field scopes on a surface whose answers are not cut to them: the DCI
 * routes whose work runs later from a stored request (async search, status), which does not
 * carry the caller's scope. Refused rather than answered
 * in full: a scope must never be a way to see less on one route and everything on another.
 */
export function refuseFieldScoped(request: FastifyRequest, surface: string): void {
  const scopes = request.principal?.fieldScopes;
  if (!scopes || scopes.length === 0) return;
  throw new HttpProblem({
    status: 403,
    detail: `${surface} answer with fields outside field scopes; a caller holding field scopes (${scopes.join(', ')}) may not use them.`,
  });
}
