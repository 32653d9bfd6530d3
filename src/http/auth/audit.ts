import type { FastifyReply, FastifyRequest } from 'fastify';
import '../disclosure.js';

/** Why authentication or authorisation refused a request, for the audit line. */
const refusals = new WeakMap<FastifyRequest, string>();

export function noteRefusal(request: FastifyRequest, reason: string): void {
  refusals.set(request, reason);
}

/**
 * One line per request for the audit trail: who, with which roles, what (method, route
 * pattern, record ids), outcome and request id. Only identifiers: the route pattern rather
 * than the URL (URLs carry ID numbers), no query, no body, no token.
 */
export function auditRecord(request: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  const principal = request.principal;
  const refusal = refusals.get(request);
  return {
    sub: principal?.sub ?? null,
    client_id: principal?.clientId ?? null,
    via: principal?.via ?? null,
    roles: principal ? [...principal.roles] : [],
    method: request.method,
    route: request.routeOptions.url ?? null,
    access: request.routeOptions.config?.access ?? null,
    record_ids: request.auditIds ?? [],
    status: reply.statusCode,
    duration_ms: Math.round(reply.elapsedTime * 10) / 10,
    request_id: request.id,
    ...(request.auditExport ? { exported: request.auditExport } : {}),
    // Only an answer that carried records disclosed anything.
    ...(request.auditDisclosure && reply.statusCode < 300 && reply.statusCode !== 204
      ? {
          scope: request.auditDisclosure.scopes,
          disclosed: request.auditDisclosure.fields,
          ...(request.auditDisclosure.ids ? { disclosed_ids: request.auditDisclosure.ids } : {}),
        }
      : {}),
    ...(refusal !== undefined ? { refused: refusal } : {}),
  };
}
