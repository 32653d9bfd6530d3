import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DCI_SCOPE_SEARCH, DCI_SCOPE_STATUS, ROLE_GET } from '../../config/auth.js';
import { DciBusyError } from '../../dci/async.js';
import type { DciRequester } from '../../dci/disclosure.js';
import type { ErrorCode, HttpErrorBody } from '../../dci/envelope.js';
import { DciMessageError, type DciMessages } from '../../dci/messages.js';
import { problemHandler, UnexpectedFailure, type ProblemFormatter } from '../errors.js';
import type { FailedAuthBudget } from '../auth/failure-budget.js';
import { HttpProblem, problemTitle, problemType } from '../problem.js';
import { dciSubscriptionRoutes } from './subscriptions.js';

export const DCI_SEARCH_PATH = '/registry/sync/search';
export const DCI_ASYNC_SEARCH_PATH = '/registry/search';
export const DCI_STATUS_PATH = '/registry/txn/status';
export const DCI_SYNC_STATUS_PATH = '/registry/sync/txn/status';

/**
 * The DCI Social Registry API at `/registry/...` and again under `config.dci.prefix`: sync and
 * async search, sync and async transaction status. Callers authenticate with the same bearer
 * tokens and roles as the REST API ("Rest API GET"); a client-credentials token of the
 * gateway's own also needs the route's DCI scope and may only send as its registered sender.
 * Errors take the standard's shapes, not problem+json (the handler is set in this plugin's
 * own context): a message refused as a whole is an acknowledgement with `ack_status` ERR and
 * an `err.*` code; authentication (401), authorisation (403) and server (5xx) failures are
 * one application/json body that is both the standard's HttpErrorResponse `{errors: [{code,
 * message}]}` and an RFC 9457 problem (`type`, `title`, `status`, `detail`, `instance`).
 */
async function dciRoutes(app: FastifyInstance): Promise<void> {
  const { dci, tokenIssuer } = app.services;
  if (!dci) return;
  const settings = app.config.dci;
  const { search: service, async: asyncService } = dci;

  /** The DCI scope a route needs and the sender the caller is bound to (gateway-issued tokens only). */
  const callerSender = (request: FastifyRequest, scope: string): string | undefined => {
    const principal = request.principal;
    const issuer = tokenIssuer;
    if (!principal || !issuer || principal.issuer !== issuer.issuer) return undefined;
    if (!principal.scopes?.has(scope)) {
      throw new HttpProblem({ status: 403, detail: `This token lacks the DCI scope ${scope}.` });
    }
    return issuer.senderOf(principal.clientId ?? principal.sub);
  };
  // The caller's field scopes as a view (as request.actor's, without reading the actor before the message is accepted).
  const fieldView = (request: FastifyRequest) => {
    const view = app.services.registry.core.views.of(request.principal?.fieldScopes);
    return view ? { view } : {};
  };
  // Who asked, kept with work done later (an async search, a subscription) for the audit lines of what it sends.
  const requesterOf = (request: FastifyRequest): DciRequester => {
    const principal = request.principal;
    return { sub: principal?.sub ?? null, client_id: principal?.clientId ?? null, via: principal?.via ?? null };
  };
  const refuseBasic = (request: FastifyRequest) => {
    // Their Odoo password would have to be kept until the search runs; it never is.
    if (request.principal?.odooCredentials) throw new HttpProblem({ status: 403, detail: 'The async DCI routes need a bearer token, not HTTP Basic.' });
  };

  await app.register(async (scope) => {
    scope.setErrorHandler(dciErrorHandler(dci.messages, app.services.failedAuth));
    // Past the failed-authentication budget (bad signatures from this address or for this sender), no message is looked at.
    scope.addHook('preHandler', async (request) => {
      const blocked = app.services.failedAuth.knownBlocked(request, dciSenderIdentity(request.body));
      if (blocked) throw blocked;
    });
    const routes: Array<[string, (request: FastifyRequest) => Promise<unknown>]> = [
      [
        DCI_SEARCH_PATH,
        (request) => {
          const scoped = fieldView(request);
          return service.search(request.body, () => request.actor.client, {
            expectedSender: callerSender(request, DCI_SCOPE_SEARCH),
            ...scoped,
            // The answer's audit line names the scope, the fields and the registrants it carried.
            disclose: (disclosure) => {
              if (Object.keys(disclosure.fields).length === 0) return;
              request.auditDisclosure = { scopes: scoped.view ? [...scoped.view.scopes] : null, fields: disclosure.fields, ids: disclosure.ids };
              request.auditIds = [...new Set(Object.values(disclosure.ids).flat())];
            },
          });
        },
      ],
      [
        DCI_ASYNC_SEARCH_PATH,
        (request) => (
          refuseBasic(request),
          asyncService.acceptSearch(request.body, callerSender(request, DCI_SCOPE_SEARCH), fieldView(request).view, requesterOf(request))
        ),
      ],
      [DCI_STATUS_PATH, (request) => (refuseBasic(request), asyncService.acceptStatus(request.body, callerSender(request, DCI_SCOPE_STATUS)))],
      [DCI_SYNC_STATUS_PATH, (request) => asyncService.status(request.body, callerSender(request, DCI_SCOPE_STATUS))],
      ...dciSubscriptionRoutes(dci.subscriptions?.service, { callerSender, refuseBasic, fieldView, requesterOf }),
    ];
    // OpenG2P's g2pconnect clients send their detached JWS in a `Signature` HTTP header, not in the envelope.
    scope.addHook('preHandler', async (request) => {
      const carried = request.headers.signature;
      const body = request.body as { signature?: unknown } | null;
      if (typeof carried === 'string' && body !== null && typeof body === 'object' && !Array.isArray(body) && body.signature === undefined)
        request.body = { signature: carried, ...body };
    });
    for (const [path, handle] of routes) {
      for (const url of new Set([path, `${settings.prefix}${path}`])) {
        scope.post(url, { config: { access: ROLE_GET } }, async (request, reply) => {
          return reply.code(200).send(await handle(request));
        });
      }
    }
  });
}

/** Encapsulated: the DCI error handler applies to these routes only. */
export const dciPlugin = fp(dciRoutes, {
  name: 'dci',
  encapsulate: true,
  dependencies: ['g2p-auth', 'g2p-ops', 'odoo-account'],
  decorators: { fastify: ['services', 'config'] },
});

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

/** The standard's HttpErrorResponse covers 401, 403 and 5xx; every other refusal is an ERR acknowledgement. */
const isTransportStatus = (status: number) => status === 401 || status === 403 || status >= 500;

/** DCI's own refusals keep their codes; every other failure is classified once and written in the standard's shapes. */
function dciErrorHandler(acks: DciMessages, failedAuth: FailedAuthBudget): (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  const format: ProblemFormatter = (problem, _request, reply) => {
    for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value);
    const code = CODE_BY_STATUS[problem.status] ?? (problem.status >= 500 ? 'err.service.unavailable' : 'err.request.bad');
    const message = problem instanceof UnexpectedFailure ? 'The registry failed to process the message.' : (problem.detail ?? problem.title);
    if (isTransportStatus(problem.status))
      return sendError(reply, { status: problem.status, type: problem.type, title: problem.title, code, message, extensions: problem.extensions });
    return reply
      .code(problem.status)
      .type('application/json; charset=utf-8')
      .send(acks.ack('ERR', undefined, { code, message }));
  };
  return problemHandler(format, (err, request, reply) => {
    if (err instanceof DciMessageError) {
      // A signature that does not verify is a failed authentication of its sender (it never rejects: the budget falls back to memory).
      if (err.code.startsWith('err.signature')) void failedAuth.fail(request, dciSenderIdentity(request.body));
      request.log.info({ dci: { code: err.code } }, 'dci message refused');
      return reply
        .code(400)
        .type('application/json; charset=utf-8')
        .send(acks.ack('ERR', undefined, { code: err.code, message: err.message }));
    }
    if (err instanceof DciBusyError)
      return sendError(reply, { status: 503, type: problemType(503), title: problemTitle(503), code: 'err.service.unavailable', message: err.message });
    return undefined;
  });
}

/** The identity bad signatures count against: the message's claimed sender (undefined when the body names none). */
function dciSenderIdentity(body: unknown): string | undefined {
  const header = (body as { header?: { sender_id?: unknown } } | undefined)?.header;
  return typeof header?.sender_id === 'string' && header.sender_id !== '' ? `dci-sender:${header.sender_id.slice(0, 256)}` : undefined;
}

/**
 * A 401, 403 or 5xx on a DCI route: the standard's HttpErrorResponse and, in the same body, the
 * RFC 9457 members, so a client written from the standard and one written to common HTTP
 * practice both read it. application/json, the media type the standard declares for it.
 */
function sendError(
  reply: FastifyReply,
  error: { status: number; type: string; title: string; code: ErrorCode; message: string; extensions?: Record<string, unknown> | undefined },
): FastifyReply {
  const detail = error.message.slice(0, 999);
  const body: HttpErrorBody & { type: string; title: string; status: number; detail: string; instance: string } = {
    // The problem's own members (the missing role of a 403, ...) first, so the standard ones always win.
    ...error.extensions,
    type: error.type,
    title: error.title,
    status: error.status,
    detail,
    instance: `urn:request:${reply.request.id}`,
    errors: [{ code: error.code, message: detail }],
  };
  return reply.code(error.status).type('application/json; charset=utf-8').send(body);
}
