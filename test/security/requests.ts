import type { PathValue } from './arbitraries.js';
import { errorShapeFindings, pathParamNames, type Answer, type AppRoute, type SecurityGateway } from './harness.js';

/** One request a security suite sends: everything a caller controls, before encoding. */
export interface CraftedRequest {
  params: Record<string, PathValue>;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body?: { payload: string | Buffer; contentType?: string };
}

export const hasBody = (method: string): boolean => method === 'POST' || method === 'PUT' || method === 'PATCH';

/** Percent-encodes UTF-8 bytes (encodeURIComponent throws on an unpaired surrogate; a client would send U+FFFD's bytes). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function urlOf(route: AppRoute, request: CraftedRequest): string {
  const path = route.url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const value = request.params[name] ?? { text: '1' };
    return 'raw' in value ? value.raw : percentEncode(value.text);
  });
  const query = request.query.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
  return query ? `${path}?${query}` : path;
}

/** Sends through the whole Fastify pipeline (parsers, validation, hooks, handlers) and on to Odoo over real sockets. */
export function send(gateway: SecurityGateway, route: AppRoute, request: CraftedRequest): Promise<Answer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.body?.contentType !== undefined) headers['content-type'] = request.body.contentType;
  return gateway.request(route.method, urlOf(route, request), { headers, ...(request.body ? { payload: request.body.payload } : {}) });
}

const LOCATIONS = ['body', 'querystring', 'query', 'params', 'headers', 'header'];

/** Names a problem's `errors[].field` may start with: what the request carried or the route declares. */
function knownNames(route: AppRoute, request: CraftedRequest): Set<string> {
  const names = new Set<string>([...pathParamNames(route.url), ...request.query.map(([k]) => k), ...Object.keys(request.headers)]);
  for (const p of route.operation?.parameters ?? []) names.add(p.name);
  const schema = Object.values(route.operation?.requestBody?.content ?? {})[0]?.schema;
  for (const name of Object.keys(schema?.properties ?? {})) names.add(name);
  if (request.body) {
    try {
      const parsed: unknown = JSON.parse(request.body.payload.toString());
      if (parsed && typeof parsed === 'object') for (const key of Object.keys(parsed)) names.add(key);
    } catch {
      // Not JSON: only the location as a whole can be named.
    }
  }
  return names;
}

/** A field that is a location (`body`), or a path whose first key is one the request or the route has. */
export function namesAField(field: string, route: AppRoute, request: CraftedRequest): boolean {
  let rest = field;
  for (const location of LOCATIONS) {
    if (field === location) return true;
    if (field.startsWith(`${location}.`) || field.startsWith(`${location}[`)) {
      rest = field.slice(location.length).replace(/^\./, '');
      break;
    }
  }
  // Keys may hold dots and brackets themselves (`a[b]` in a query string): match whole names.
  return [...knownNames(route, request)].some((name) => rest === name || rest.startsWith(`${name}.`) || rest.startsWith(`${name}[`));
}

/**
 * What is wrong with how the gateway answered (empty when nothing): a 5xx, an error outside the
 * route's error shape, a 400/422 that does not name an input field, or a write Odoo accepted
 * for a request that was refused.
 */
export function findings(route: AppRoute, request: CraftedRequest, answer: Answer, gateway: SecurityGateway, callsBefore: number): string[] {
  const found: string[] = [];
  if (answer.status >= 500) found.push(`HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
  if (answer.status >= 400) {
    found.push(...errorShapeFindings(route.errorShape, answer));
    if (route.errorShape === 'problem' && (answer.status === 400 || answer.status === 422)) {
      const errors = (answer.body as { errors?: Array<{ field?: unknown }> }).errors ?? [];
      for (const e of errors)
        if (typeof e.field === 'string' && !namesAField(e.field, route, request)) found.push(`errors[].field "${e.field}" names nothing the request has`);
    }
    const writes = gateway.wire.acceptedWrites(callsBefore);
    if (writes.length) found.push(`refused with ${answer.status}, yet Odoo accepted ${writes.map((w) => `${w.model}.${w.method}`).join(', ')}`);
  }
  return found;
}

export function describe(route: AppRoute, request: CraftedRequest): string {
  const body = request.body
    ? ` body(${request.body.contentType ?? 'no type'})=${String(Buffer.isBuffer(request.body.payload) ? `<${request.body.payload.length} bytes>` : request.body.payload.slice(0, 300))}`
    : '';
  return `${route.method} ${urlOf(route, request).slice(0, 300)} headers=${JSON.stringify(request.headers).slice(0, 200)}${body}`;
}
