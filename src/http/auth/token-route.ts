import formBody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problemHandler, type ProblemFormatter } from '../errors.js';
import { noteRefusal } from './audit.js';
import type { ClientTokenIssuer } from './client-credentials.js';
import { HttpProblem } from '../problem.js';
import { REALM } from './problems.js';

export const TOKEN_PATH = '/oauth2/client/token';

type OAuthError =
  'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope' | 'temporarily_unavailable' | 'server_error';

/** An RFC 6749 §5.2 error of the token endpoint. */
class TokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthError,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

function sendTokenError(request: FastifyRequest, reply: FastifyReply, error: TokenError): FastifyReply {
  noteRefusal(request, error.error);
  // Refused client authentications are logged a few per address and window (the audit line with them), the rest summed up.
  if (error.status === 401 || error.status === 429) request.server.services.refusals.noteRequest(request, `${error.status} ${error.error}`);
  return reply
    .code(error.status)
    .headers({ 'cache-control': 'no-store', pragma: 'no-cache', ...error.headers })
    .type('application/json; charset=utf-8')
    .send({ error: error.error, error_description: error.description });
}

/** A classified failure as an RFC 6749 §5.2 error: a refused request is `invalid_request` (400), anything else `server_error`. */
const formatTokenError: ProblemFormatter = (problem, request, reply) => {
  const { status } = problem;
  let error: TokenError;
  if (status === 415) error = new TokenError(400, 'invalid_request', 'The request must be application/x-www-form-urlencoded.');
  else if (status >= 400 && status < 500) error = new TokenError(400, 'invalid_request', problem.detail ?? problem.title);
  else error = new TokenError(500, 'server_error', 'The token could not be issued.');
  return sendTokenError(request, reply, error);
};

const invalidClient = () => new TokenError(401, 'invalid_client', 'Client authentication failed.', { 'www-authenticate': `Basic realm="${REALM}"` });

/** `Basic base64(id:secret)`, each part form-urlencoded (RFC 6749 §2.3.1). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header === undefined ? null : /^Basic +([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const text = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return { id: decode(text.slice(0, colon)), secret: decode(text.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/** A form field given once; several values, or a non-string, are malformed (RFC 6749 §3.2). */
function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new TokenError(400, 'invalid_request', `${name} must be given once.`);
  return value;
}

/**
 * `POST /oauth2/client/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) as the
 * DCI authz API describes it. Form-encoded; the client authenticates with HTTP Basic or with
 * `client_id` and `client_secret` in the form (never both). Answers and errors are JSON with
 * `Cache-Control: no-store`; refusals are audited like any other, and each client address
 * has its own budget of token requests.
 */
async function tokenRoute(app: FastifyInstance, options: { issuer: ClientTokenIssuer; rateLimit: { max: number; windowMs: number } }): Promise<void> {
  const { issuer } = options;
  const { failedAuth } = app.services;
  await app.register(formBody, { bodyLimit: 8192 });
  await app.register(rateLimit, { global: false });
  app.setErrorHandler(problemHandler(formatTokenError, (err, request, reply) => (err instanceof TokenError ? sendTokenError(request, reply, err) : undefined)));

  app.post(
    TOKEN_PATH,
    {
      config: {
        access: 'public',
        rateLimit: {
          max: options.rateLimit.max,
          timeWindow: options.rateLimit.windowMs,
          keyGenerator: (request: FastifyRequest) => `token:${request.ip}`,
          errorResponseBuilder: (_request: FastifyRequest, context: { ttl: number }) => {
            const retryAfter = String(Math.max(1, Math.ceil(context.ttl / 1000)));
            return new TokenError(429, 'temporarily_unavailable', `Too many token requests; retry in ${retryAfter} s.`, { 'retry-after': retryAfter });
          },
        },
      },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      // RFC 6749 §4.4.2: form-encoded only (the JSON parser of the app must not serve this route).
      const form = /^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.headers['content-type'] ?? '');
      if (!form || typeof body !== 'object' || Array.isArray(body))
        throw new TokenError(400, 'invalid_request', 'The request must be application/x-www-form-urlencoded.');
      const grantType = field(body, 'grant_type');
      if (grantType === undefined) throw new TokenError(400, 'invalid_request', 'grant_type is missing.');
      if (grantType !== 'client_credentials') throw new TokenError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
      const basic = basicCredentials(request.headers.authorization);
      const formId = field(body, 'client_id');
      const formSecret = field(body, 'client_secret');
      if (request.headers.authorization !== undefined && !basic) throw invalidClient();
      if (basic && (formId !== undefined || formSecret !== undefined)) {
        throw new TokenError(400, 'invalid_request', 'Authenticate with HTTP Basic or with client_id and client_secret in the form, not both.');
      }
      const id = basic?.id ?? formId;
      const secret = basic?.secret ?? formSecret;
      if (id === undefined || id === '' || secret === undefined || secret === '')
        throw new TokenError(400, 'invalid_request', 'client_id and client_secret are required.');
      if (id.length > 256 || secret.length > 512) throw invalidClient();
      const scope = field(body, 'scope');
      // The failed-authentication budget per address and per client id: past it, no secret is checked.
      const identity = `oauth-client:${id}`;
      try {
        await failedAuth.assertOpen(request, identity);
      } catch (err) {
        if (err instanceof HttpProblem && err.status === 429) throw new TokenError(429, 'temporarily_unavailable', err.detail ?? err.title, err.headers);
        throw err;
      }
      const outcome = await issuer.issue(id, secret, scope);
      if (outcome === 'invalid_client') {
        await failedAuth.fail(request, identity);
        throw invalidClient();
      }
      if (outcome === 'invalid_scope') throw new TokenError(400, 'invalid_scope', 'The requested scope is not granted to this client.');
      request.principal = { sub: id, clientId: id, roles: new Set(), via: 'jwt', issuer: issuer.issuer };
      return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send(outcome);
    },
  );
}

/** Encapsulated: its form parser, rate limit and OAuth error shape apply to the token route only. */
export const tokenRoutePlugin = fp(tokenRoute, { name: 'client-token-route', encapsulate: true, dependencies: ['g2p-auth', 'g2p-ops'] });
