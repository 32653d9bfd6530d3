import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DCI_SCOPE_SEARCH, DCI_SCOPE_STATUS, ROLE_GET } from '../../config/auth.js';
import { DciAsyncService, DciBusyError } from '../../dci/async.js';
import { httpDeliverer } from '../../dci/delivery.js';
import type { ErrorCode, HttpErrorBody } from '../../dci/envelope.js';
import { DciMessageError, DciSearchService } from '../../dci/search.js';
import type { Signer } from '../../dci/signature.js';
import { InMemoryTransactionStore, type DciTransactionStore } from '../../dci/transactions.js';
import type { ClientTokenIssuer } from '../auth/client-credentials.js';
import { odooClientFor } from '../odoo-account.js';
import { odooProblem } from '../odoo-errors.js';
import { dciSubscriptionRoutes } from './subscriptions.js';
import { HttpProblem } from '../problem.js';

export const DCI_SEARCH_PATH = '/registry/sync/search';
export const DCI_ASYNC_SEARCH_PATH = '/registry/search';
export const DCI_STATUS_PATH = '/registry/txn/status';
export const DCI_SYNC_STATUS_PATH = '/registry/sync/txn/status';

export interface DciPluginOptions {
  signer?: Signer;
  /** The gateway's own token issuer: its tokens are held to their DCI scopes and sender. */
  tokenIssuer?: ClientTokenIssuer;
  /** Where async transactions and their pending work are kept; in memory (not durable) by default. */
  store?: DciTransactionStore;
}

/**
 * The DCI Social Registry API at `/registry/...` and again under `config.dci.prefix`: sync and
 * async search, sync and async transaction status. Callers authenticate with the same bearer
 * tokens and roles as the REST API ("Rest API GET"); a client-credentials token of the
 * gateway's own also needs the route's DCI scope and may only send as its registered sender.
 * Errors take the standard's shapes, not problem+json (the handler is set in this plugin's
 * own context): a message refused as a whole is an acknowledgement with `ack_status` ERR and
 * an `err.*` code; authentication (401), authorisation (403) and server (5xx) failures are
 * the HttpErrorResponse `{errors: [{code, message}]}`.
 */
export async function dciPlugin(app: FastifyInstance, options: DciPluginOptions): Promise<void> {
  const settings = app.config.dci;
  if (!settings.enabled) return;
  const service = new DciSearchService({ settings, replayGuard: app.state.replay, ...(options.signer ? { signer: options.signer } : {}) });
  const store = options.store ?? new InMemoryTransactionStore(settings.async.retentionSeconds * 1000);
  const readAccount = app.config.odoo?.accounts.read ?? app.config.odoo?.accounts.default;
  const readOdoo = () => {
    if (!readAccount) throw new HttpProblem({ status: 503, title: 'Service Unavailable', detail: 'No Odoo account is configured.' });
    return app.odoo.as({ login: readAccount.login, secret: readAccount.password });
  };
  const asyncService = new DciAsyncService({
    settings,
    service,
    store,
    odoo: readOdoo,
    deliver: httpDeliverer(settings.async.deliveryTimeoutMs, `g2p-gateway (${settings.registryId})`),
    log: app.log.child({ component: 'dci-async' }),
  });
  app.addHook('onReady', async () => {
    if (!store.durable) app.log.warn('dci: async searches and their deliveries are kept in memory: pending work is lost if the gateway restarts');
    asyncService.start();
  });
  app.addHook('onClose', () => asyncService.stop());

  /** The DCI scope a route needs and the sender the caller is bound to (gateway-issued tokens only). */
  const callerSender = (request: FastifyRequest, scope: string): string | undefined => {
    const principal = request.principal;
    const issuer = options.tokenIssuer;
    if (!principal || !issuer || principal.issuer !== issuer.issuer) return undefined;
    if (!principal.scopes?.has(scope)) {
      throw new HttpProblem({ status: 403, title: 'Forbidden', detail: `This token lacks the DCI scope ${scope}.` });
    }
    return issuer.senderOf(principal.clientId ?? principal.sub);
  };
  const refuseBasic = (request: FastifyRequest) => {
    // Their Odoo password would have to be kept until the search runs; it never is.
    if (request.principal?.odooCredentials) throw new HttpProblem({ status: 403, title: 'Forbidden', detail: 'The async DCI routes need a bearer token, not HTTP Basic.' });
  };

  await app.register(async (scope) => {
    scope.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => renderDciError(err, request, reply, asyncService));
    const routes: Array<[string, (request: FastifyRequest) => Promise<unknown>]> = [
      [DCI_SEARCH_PATH, (request) => service.search(request.body, () => odooClientFor(request), { expectedSender: callerSender(request, DCI_SCOPE_SEARCH) })],
      [DCI_ASYNC_SEARCH_PATH, (request) => (refuseBasic(request), asyncService.acceptSearch(request.body, callerSender(request, DCI_SCOPE_SEARCH)))],
      [DCI_STATUS_PATH, (request) => (refuseBasic(request), asyncService.acceptStatus(request.body, callerSender(request, DCI_SCOPE_STATUS)))],
      [DCI_SYNC_STATUS_PATH, (request) => asyncService.status(request.body, callerSender(request, DCI_SCOPE_STATUS))],
      ...dciSubscriptionRoutes(app, { service, callbacks: asyncService, odoo: readOdoo, callerSender, refuseBasic }),
    ];
    for (const [path, handle] of routes) {
      for (const url of new Set([path, `${settings.prefix}${path}`])) {
        scope.post(url, { config: { access: ROLE_GET } }, async (request, reply) => reply.code(200).send(await handle(request)));
      }
    }
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

/** The standard's HttpErrorResponse covers 401, 403 and 5xx; every other refusal is an ERR acknowledgement. */
const isTransportStatus = (status: number) => status === 401 || status === 403 || status >= 500;

function renderDciError(err: FastifyError, request: FastifyRequest, reply: FastifyReply, acks: DciAsyncService): FastifyReply {
  if (err instanceof DciMessageError) {
    request.log.info({ dci: { code: err.code } }, 'dci message refused');
    return reply.code(400).type('application/json; charset=utf-8').send(acks.ack('ERR', undefined, { code: err.code, message: err.message }));
  }
  if (err instanceof DciBusyError) return sendError(reply, 503, 'err.service.unavailable', err.message);
  const problem = err instanceof HttpProblem ? err : odooProblem(err);
  if (problem) {
    for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value);
    if (problem.status >= 500) request.log.error({ err }, 'dci request failed');
    const code = CODE_BY_STATUS[problem.status] ?? (problem.status >= 500 ? 'err.service.unavailable' : 'err.request.bad');
    const message = problem.detail ?? problem.title;
    if (isTransportStatus(problem.status)) return sendError(reply, problem.status, code, message);
    return reply.code(problem.status).type('application/json; charset=utf-8').send(acks.ack('ERR', undefined, { code, message }));
  }
  const status = err.statusCode;
  if (status && status >= 400 && status < 500 && !isTransportStatus(status)) {
    // Fastify's own refusals (malformed JSON, body too large, wrong media type): their messages are safe.
    return reply.code(status).type('application/json; charset=utf-8').send(acks.ack('ERR', undefined, { code: CODE_BY_STATUS[status] ?? 'err.request.bad', message: err.message }));
  }
  request.log.error({ err }, 'unexpected error in a dci route');
  return sendError(reply, 500, 'err.service.unavailable', 'The registry failed to process the message.');
}

function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  const body: HttpErrorBody = { errors: [{ code, message: message.slice(0, 999) }] };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
