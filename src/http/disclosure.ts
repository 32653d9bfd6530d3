import type { FastifyRequest } from 'fastify';
import { everything, pathsOf, type FieldViews, type Resource } from '../registry/field-scope.js';

/** What an answer disclosed, for its audit line: the scopes that applied and the fields, never a value. */
export interface Disclosure {
  /** The caller's field scopes (`fields` when only `?fields=` narrowed the view); null: no scope, every field. */
  scopes: string[] | null;
  /** Per kind of record answered, the fields the answer could carry, as dotted paths (`reg_ids.value`). */
  fields: Partial<Record<Resource, string[]>>;
  /**
   * Per kind of record, the ids shown with its fields, when an answer mixes kinds (a DCI group
   * with its members); otherwise the line's `record_ids` are the records of its one kind.
   */
  ids?: Partial<Record<Resource, number[]>>;
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
  request.auditDisclosure = { scopes: view ? [...view.scopes] : null, fields: { [resource]: ['id', ...fields] } };
}
