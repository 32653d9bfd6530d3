import type { Test } from 'tap';
import type { RouteAccess } from '../../src/http/principal.js';
import { hashSecret } from '../../src/http/auth/secret-hash.js';
import { TOKEN_PATH } from '../../src/http/auth/token-route.js';
import { DCI_ASYNC_SEARCH_PATH, DCI_SEARCH_PATH, DCI_STATUS_PATH, DCI_SYNC_STATUS_PATH } from '../../src/http/dci/index.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { startGateway, type Answer, type Gateway } from '../support/gateway.js';
import { testToken } from '../support/tokens.js';
import { createOdooConnection } from '../../src/odoo/index.js';
import { ensureEnrolmentStatusField, exampleEndpoints } from '../endpoints/examples.js';
import { WireRecorder } from './wire-recorder.js';

/**
 * A gateway (startGateway) in front of the simulator through a WireRecorder, with the list of
 * every route the app registered (its route table, joined with the OpenAPI document where the
 * route is documented). Suites iterate that list, so a route added later is covered by itself.
 */

/** OpenG2P's own REST module's routes, re-created by the gateway, answer errors as FastAPI's `{"detail": ...}`. */
export const COMPAT_PREFIX = '/api/v1/registry';

/** How a route answers errors: RFC 9457 for the REST API, the DCI standard's shape, FastAPI's for the compat routes. */
export type ErrorShape = 'problem' | 'dci' | 'compat' | 'oauth';

export interface OpenApiParameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  [key: string]: unknown;
}

export interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

export interface AppRoute {
  method: string;
  /** Fastify's pattern, `/api/v1/individuals/:id`. */
  url: string;
  access: RouteAccess;
  errorShape: ErrorShape;
  /** The route's operation in /openapi.json, when it is documented there. */
  operation?: OpenApiOperation;
}

/** A test gateway (requests carry `fullToken` unless they name another) with the suite's view of it. */
export interface SecurityGateway extends Gateway {
  sim: RunningSimulator;
  wire: WireRecorder;
  routes: AppRoute[];
  /** A token with both API roles: gets past authentication to validation and Odoo. */
  fullToken: string;
}

export function errorShapeOf(url: string): ErrorShape {
  if (url === TOKEN_PATH) return 'oauth';
  if (url === COMPAT_PREFIX || url.startsWith(`${COMPAT_PREFIX}/`)) return 'compat';
  if ([DCI_SEARCH_PATH, DCI_ASYNC_SEARCH_PATH, DCI_STATUS_PATH, DCI_SYNC_STATUS_PATH].some((path) => url.endsWith(path))) return 'dci';
  return 'problem';
}

/** `/a/:id/b/:membership_id` -> `/a/{id}/b/{membership_id}` (OpenAPI path templates). */
export const openApiPath = (url: string): string => url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

export const pathParamNames = (url: string): string[] => [...url.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);

/** The route's URL with its path parameters filled in (values are URL-encoded here). */
export function concreteUrl(url: string, values: Record<string, string>): string {
  return url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => encodeURIComponent(values[name] ?? '1'));
}

/** The swagger UI's own static files carry no input and are no part of the API. */
const isDocsAsset = (url: string) => url === '/docs' || url.startsWith('/docs/');

export const SECURITY_CLIENT_SECRET = 'security-suite-client-secret';

/** RFC 6749 §5.2 error codes the token endpoint may answer with. */
const OAUTH_ERRORS = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'temporarily_unavailable',
];

/** `listen`: on a real port as well (suites that call over the socket); inject only by default. */
export async function startSecurityGateway(
  t: Test,
  options: { protocol?: 'jsonrpc' | 'xmlrpc'; households?: number; seed?: number; listen?: boolean } = {},
): Promise<SecurityGateway> {
  const sim = await startSimulator({ households: options.households ?? 4, seed: options.seed ?? 3 });
  t.teardown(() => sim.close());
  // The shipped example endpoints are routes like the others: every suite on this harness covers them.
  const setup = createOdooConnection({ url: sim.url, db: 'g2p', protocol: 'jsonrpc' });
  await ensureEnrolmentStatusField(setup.as({ login: 'admin', secret: 'admin' }));
  await setup.close();
  const wire = await WireRecorder.start(sim.url);
  t.teardown(() => wire.close());
  const fullToken = testToken('both');
  const collected: Array<Omit<AppRoute, 'operation' | 'errorShape'>> = [];
  const gateway = await startGateway(t, {
    odoo: { url: wire.url, db: 'g2p', login: 'admin', password: 'admin' },
    protocol: options.protocol ?? 'jsonrpc',
    listen: options.listen ?? false,
    token: fullToken,
    config: {
      // The token endpoint is among the routes probed (its own limit set out of the way).
      auth: {
        clientCredentials: {
          clients: { 'fuzz-client': { secretHash: await hashSecret(SECURITY_CLIENT_SECRET), roles: ['Rest API GET'] } },
          rateLimit: { max: 1_000_000 },
        },
      },
      endpoints: exampleEndpoints(),
    },
    before: (app) => {
      app.addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) {
          if (method === 'HEAD' || isDocsAsset(route.url)) continue;
          collected.push({ method, url: route.url, access: (route.config as { access: RouteAccess }).access });
        }
      });
    },
  });
  const document = (await gateway.request('GET', '/openapi.json', { token: null })).body as { paths: Record<string, Record<string, OpenApiOperation>> };
  const routes = collected.map((route) => ({
    ...route,
    errorShape: errorShapeOf(route.url),
    operation: document.paths[openApiPath(route.url)]?.[route.method.toLowerCase()],
  }));
  return { ...gateway, sim, wire, routes, fullToken };
}

export type { Answer };

/**
 * What is wrong with an error answer for its route's error shape (empty when nothing). A 400 or
 * 422 from the REST API must also say which field: `errors[]` with a non-empty `field` each.
 */
export function errorShapeFindings(shape: ErrorShape, answer: Answer): string[] {
  const findings: string[] = [];
  const body = answer.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return [`the body is not JSON: ${answer.text.slice(0, 120)}`];
  switch (shape) {
    case 'problem': {
      if (!/^application\/problem\+json/.test(answer.contentType)) findings.push(`content-type ${answer.contentType}`);
      if (body.status !== answer.status) findings.push(`status member ${String(body.status)}`);
      for (const member of ['type', 'title', 'instance']) if (typeof body[member] !== 'string') findings.push(`no ${member}`);
      if (answer.status === 400 || answer.status === 422) {
        const errors = body.errors as Array<{ field?: unknown; message?: unknown }> | undefined;
        if (!Array.isArray(errors) || errors.length === 0) findings.push('no errors[] naming the field');
        else
          for (const e of errors)
            if (typeof e.field !== 'string' || e.field === '' || typeof e.message !== 'string') findings.push(`errors[] item ${JSON.stringify(e)}`);
      }
      break;
    }
    case 'dci': {
      // A message refused as a whole: the standard's acknowledgement with ack_status ERR (never for 401, 403, 5xx).
      const ack = body.message as { ack_status?: unknown; error?: { code?: unknown; message?: unknown }; correlation_id?: unknown } | undefined;
      if (ack?.ack_status === 'ERR') {
        if (answer.status === 401 || answer.status === 403 || answer.status >= 500) findings.push(`an ERR acknowledgement with status ${answer.status}`);
        if (typeof ack.error?.code !== 'string' || !ack.error.code.startsWith('err.') || typeof ack.error.message !== 'string')
          findings.push(`DCI ack error ${JSON.stringify(ack.error)}`);
        if (typeof ack.correlation_id !== 'string') findings.push('no correlation_id');
        break;
      }
      const errors = body.errors as Array<{ code?: unknown; message?: unknown }> | undefined;
      if (!Array.isArray(errors) || errors.length === 0) findings.push('no DCI errors[]');
      else
        for (const e of errors)
          if (typeof e.code !== 'string' || !e.code.startsWith('err.') || typeof e.message !== 'string') findings.push(`DCI error ${JSON.stringify(e)}`);
      // The same body is an RFC 9457 problem too, for clients written to common HTTP practice.
      if (body.status !== answer.status || typeof body.type !== 'string' || typeof body.title !== 'string' || typeof body.detail !== 'string')
        findings.push(`DCI error body without its RFC 9457 members (${JSON.stringify({ type: body.type, title: body.title, status: body.status })})`);
      break;
    }
    case 'compat':
      if (!('detail' in body)) findings.push('no detail member');
      break;
    case 'oauth':
      if (!/^application\/json/.test(answer.contentType)) findings.push(`content-type ${answer.contentType}`);
      if (!OAUTH_ERRORS.includes(String(body.error))) findings.push(`OAuth error ${JSON.stringify(body.error)}`);
      if (typeof body.error_description !== 'string') findings.push('no error_description');
      break;
  }
  return findings;
}
