import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ROLE_GET } from '../../config/auth.js';
import type { ErrorCode, HttpErrorBody } from '../../dci/envelope.js';
import { DciMessageError, DciSearchService } from '../../dci/search.js';
import { odooClientFor } from '../odoo-account.js';
import { odooProblem } from '../odoo-errors.js';
import { HttpProblem } from '../problem.js';

export const DCI_SEARCH_PATH = '/registry/sync/search';
export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * The DCI Social Registry sync search at `/registry/sync/search` and again under
 * `config.dci.prefix`, plus this registry's signing keys at `/.well-known/jwks.json`. Callers
 * authenticate with the same bearer tokens and roles as the REST API (searching needs
 * "Rest API GET"). Everything that goes wrong leaves in the standard's HTTP error shape
 * `{errors: [{code, message}]}` with its Error codes, not as problem+json: the error handler
 * is set inside this plugin's own context, so the REST API's handler is untouched.
 */
export async function dciPlugin(app: FastifyInstance): Promise<void> {
  const settings = app.config.dci;
  if (!settings.enabled) return;
  const service = new DciSearchService({ settings, replayGuard: app.state.replay });

  await app.register(async (scope) => {
    scope.setErrorHandler(renderDciError);
    const search = async (request: FastifyRequest, reply: FastifyReply) => {
      const envelope = await service.search(request.body, () => odooClientFor(request));
      return reply.code(200).send(envelope);
    };
    for (const path of new Set([DCI_SEARCH_PATH, `${settings.prefix}${DCI_SEARCH_PATH}`])) {
      scope.post(path, { config: { access: ROLE_GET } }, search);
    }
    scope.get(JWKS_PATH, { config: { access: 'public' } }, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(service.jwks()),
    );
  });
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'err.request.bad',
  401: 'err.request.unauthorized',
  403: 'err.request.forbidden',
  404: 'err.request.not_found',
  408: 'err.request.timeout',
  429: 'err.request.too_many_requests',
  502: 'err.service.unavailable',
  503: 'err.service.unavailable',
  504: 'err.request.timeout',
};

function renderDciError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof DciMessageError) {
    request.log.info({ dci: { status: err.status, code: err.code } }, 'dci message refused');
    return sendError(reply, err.status, err.code, err.message);
  }
  const problem = err instanceof HttpProblem ? err : odooProblem(err);
  if (problem) {
    for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value);
    if (problem.status >= 500) request.log.error({ err }, 'dci search failed');
    return sendError(reply, problem.status, CODE_BY_STATUS[problem.status] ?? (problem.status >= 500 ? 'err.service.unavailable' : 'err.request.bad'), problem.detail ?? problem.title);
  }
  const status = err.statusCode;
  if (status && status >= 400 && status < 500) {
    // Fastify's own refusals (malformed JSON, body too large, wrong media type): their messages are safe.
    return sendError(reply, status, CODE_BY_STATUS[status] ?? 'err.request.bad', err.message);
  }
  request.log.error({ err }, 'unexpected error in dci search');
  return sendError(reply, 500, 'err.service.unavailable', 'The registry failed to process the message.');
}

function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  const body: HttpErrorBody = { errors: [{ code, message: message.slice(0, 999) }] };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
