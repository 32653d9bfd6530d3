import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { keyError, OdooSimError, sessionExpired, accessDenied, accessError, typeError } from './exceptions.js';
import { FaultController, type FaultAction } from './faults.js';
import type { SimDatabase } from './orm/database.js';
import { SessionStore, sessionIdFromCookie, DEFAULT_SESSION_TTL_MS } from './sessions.js';
import { asSimError, jsonRpcError, legacyXmlrpcFault, xmlrpcFault } from './wire/errors.js';
import {
  buildHeaders,
  jsonTypeMismatchDescription,
  METHOD_NOT_ALLOWED_DESCRIPTION,
  NOT_FOUND_DESCRIPTION,
  PROXY_502_PAGE,
  werkzeugPage,
  writeReply,
  type ReplyOptions,
} from './wire/http.js';
import { pythonJson } from './wire/pyjson.js';
import { credentialsMatch, quoteList, RpcServices } from './wire/services.js';
import { sessionInfo } from './wire/session-info.js';
import { XmlSyntaxError } from './wire/xml-tree.js';
import { faultResponse, MarshalError, methodResponse, parseMethodCall, XmlRpcRequestError } from './wire/xmlrpc.js';

/** One RPC that reached the simulator, as the control API lists it. */
export interface SimCall {
  protocol: 'xmlrpc' | 'jsonrpc' | 'call_kw' | 'web';
  service: string;
  method: string;
  model?: string;
  objectMethod?: string;
  uid?: number;
  login?: string;
}

export interface SimServerOptions {
  database: SimDatabase;
  sessionTtlMs?: number;
  /** Seed of the fault injector's random choices. */
  seed?: number;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: OdooSimError };
interface Reply {
  body: string;
  options: ReplyOptions;
}

const XML_TYPE = 'text/xml; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';
const JSON_MIMETYPES = new Set(['application/json', 'application/json-rpc']);
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The simulator's HTTP front: the routes of Odoo 17's rpc and web controllers, answered
 * byte-compatibly with the recorded server (status, headers, bodies, error encodings).
 */
export class SimServer {
  readonly calls: SimCall[] = [];
  readonly sessions: SessionStore;
  readonly faults: FaultController;
  private readonly services: RpcServices;
  private readonly http: Server;
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<ServerResponse>();
  private host = '127.0.0.1';
  private boundPort = 0;

  constructor(private readonly options: SimServerOptions) {
    this.sessions = new SessionStore(options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS);
    this.services = new RpcServices(options.database);
    this.faults = new FaultController(
      {
        stopListening: () => this.stopListening(),
        resumeListening: () => this.listen(this.host, this.boundPort),
        releaseHungRequests: () => this.releaseHung(),
      },
      options.seed ?? 1,
    );
    this.http = createServer({ keepAlive: false }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) writeReply(res, String(error), { status: 500, contentType: 'text/plain' });
        else res.destroy();
      });
    });
    this.http.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.boundPort}`;
  }

  async listen(host: string, port: number): Promise<void> {
    this.host = host;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.http.once('error', onError);
      this.http.listen(port, host, () => {
        this.http.off('error', onError);
        const address = this.http.address();
        if (address && typeof address === 'object') this.boundPort = address.port;
        resolve();
      });
    });
  }

  /** Stops accepting connections (the port refuses them) and cuts the ones open. */
  private async stopListening(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.releaseHung();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private releaseHung(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  async close(): Promise<void> {
    this.releaseHung();
    if (!this.http.listening) {
      for (const socket of this.sockets) socket.destroy();
      return;
    }
    await this.stopListening();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (this.faults.currentOutage === 'hang') {
      // Accepted, read, never answered: what a wedged worker looks like from outside.
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const xmlrpc = /^\/xmlrpc\/(2\/)?([^/]+)$/.exec(path);
    if (xmlrpc) return this.handleXmlRpc(req, res, body, xmlrpc[2]!, xmlrpc[1] === undefined);
    if (path === '/jsonrpc') return this.handleJsonRoute(req, res, body, path, (p, id) => this.jsonRpc(req, res, p, id));
    if (path === '/web/session/authenticate') return this.handleJsonRoute(req, res, body, path, (p, id) => this.webAuthenticate(res, p, id));
    if (path === '/web/session/get_session_info') return this.handleJsonRoute(req, res, body, path, (p, id) => this.webSessionInfo(req, res, id));
    if (path === '/web/session/check') return this.handleJsonRoute(req, res, body, path, (p, id) => this.webCheck(req, res, id));
    if (path === '/web/session/destroy') return this.handleJsonRoute(req, res, body, path, (p, id) => this.webDestroy(req, res, id));
    const callKw = /^\/web\/dataset\/call_kw(?:\/([^/]+)\/([^/]+))?$/.exec(path);
    if (callKw || path === '/web/dataset/call_kw/') {
      return this.handleJsonRoute(req, res, body, path, (p, id) => this.webCallKw(req, res, p, id));
    }
    writeReply(res, werkzeugPage(404, NOT_FOUND_DESCRIPTION), { status: 404, contentType: HTML_TYPE });
  }

  // ---------------------------------------------------------------- fault-aware execution

  /** Records the call, applies injected faults, runs it and writes the encoded reply. */
  private async perform(res: ServerResponse, call: SimCall, run: () => unknown, encode: (outcome: Outcome) => Reply): Promise<void> {
    this.calls.push(call);
    const delay = this.faults.latencyFor(call);
    if (delay > 0) await sleep(delay);
    const action: FaultAction = this.faults.actionFor(call);
    if (action.kind === 'proxy-html') {
      const bytes = Buffer.from(PROXY_502_PAGE);
      res.sendDate = false;
      res.writeHead(502, [
        'Server',
        'nginx',
        'Date',
        new Date().toUTCString(),
        'Content-Type',
        'text/html',
        'Content-Length',
        String(bytes.length),
        'Connection',
        'close',
      ]);
      res.end(bytes);
      return;
    }
    let outcome: Outcome;
    if (action.kind === 'error') {
      outcome = { ok: false, error: action.error };
    } else {
      try {
        outcome = { ok: true, value: run() };
      } catch (error) {
        outcome = { ok: false, error: asSimError(error) };
      }
    }
    if (action.kind === 'commit-then-drop') {
      res.socket?.destroy();
      return;
    }
    const reply = encode(outcome);
    if (action.kind === 'truncate') {
      const bytes = Buffer.from(reply.body, 'utf8');
      res.sendDate = false;
      res.writeHead(reply.options.status ?? 200, buildHeaders(bytes, reply.options).flat());
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
      return;
    }
    writeReply(res, reply.body, reply.options);
  }

  // ---------------------------------------------------------------- XML-RPC

  private async handleXmlRpc(req: IncomingMessage, res: ServerResponse, body: Buffer, service: string, legacy: boolean): Promise<void> {
    if (req.method !== 'POST') {
      writeReply(res, werkzeugPage(405, METHOD_NOT_ALLOWED_DESCRIPTION), {
        status: 405,
        contentType: HTML_TYPE,
        extraHeaders: [['Allow', 'OPTIONS, POST']],
      });
      return;
    }
    const encode = (outcome: Outcome): Reply => {
      const options: ReplyOptions = { contentType: XML_TYPE, nosniff: true };
      if (outcome.ok) {
        try {
          return { body: methodResponse(outcome.value), options };
        } catch (error) {
          if (!(error instanceof MarshalError)) throw error;
          outcome = { ok: false, error: new OdooSimError(error.pythonClass, error.message) };
        }
      }
      const fault = legacy ? legacyXmlrpcFault(outcome.error) : xmlrpcFault(outcome.error);
      return { body: faultResponse(fault.faultCode, fault.faultString), options };
    };
    let method: string;
    let params: unknown[];
    try {
      ({ method, params } = parseMethodCall(body.toString('utf8')));
    } catch (error) {
      const parseError =
        error instanceof XmlSyntaxError
          ? new OdooSimError('xml.parsers.expat.ExpatError', error.message)
          : error instanceof XmlRpcRequestError
            ? new OdooSimError(error.pythonClass, error.message)
            : asSimError(error);
      this.calls.push({ protocol: 'xmlrpc', service, method: '' });
      const reply = encode({ ok: false, error: parseError });
      writeReply(res, reply.body, reply.options);
      return;
    }
    const call = describeRpc('xmlrpc', service, method, params);
    await this.perform(res, call, () => this.dispatch(service, method, params), encode);
  }

  private dispatch(service: string, method: string, params: unknown[]): unknown {
    if (service === 'common') return this.services.common(method, params);
    if (service === 'object') return this.services.object(method, params);
    if (service === 'db') {
      if (method === 'list') return [this.options.database.name];
      if (method === 'server_version') return '17.0-20240709';
      throw new OdooSimError('odoo.exceptions.AccessDenied', 'Access Denied');
    }
    throw keyError(service);
  }

  // ---------------------------------------------------------------- JSON routes

  /**
   * Odoo's type='json' request handling: the mimetype must be JSON (else a Werkzeug 400),
   * the body must be a JSON object (else "Invalid JSON data" / "Invalid JSON-RPC data").
   */
  private async handleJsonRoute(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    path: string,
    route: (params: Record<string, unknown>, id: unknown) => Promise<void>,
  ): Promise<void> {
    const mimetype = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!JSON_MIMETYPES.has(mimetype)) {
      writeReply(res, werkzeugPage(400, jsonTypeMismatchDescription(path)), { status: 400, contentType: HTML_TYPE });
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      writeReply(res, 'Invalid JSON data', { status: 400, contentType: HTML_TYPE, nosniff: true });
      return;
    }
    if (!request || typeof request !== 'object' || Array.isArray(request)) {
      writeReply(res, 'Invalid JSON-RPC data', { status: 400, contentType: HTML_TYPE, nosniff: true });
      return;
    }
    const envelope = request as Record<string, unknown>;
    const id = envelope.id ?? null;
    const params =
      envelope.params && typeof envelope.params === 'object' && !Array.isArray(envelope.params) ? (envelope.params as Record<string, unknown>) : {};
    await route(params, id);
  }

  private jsonEncoder(id: unknown, setCookie?: () => string[]) {
    return (outcome: Outcome): Reply => jsonReply(id, outcome, setCookie?.());
  }

  private async jsonRpc(req: IncomingMessage, res: ServerResponse, params: Record<string, unknown>, id: unknown): Promise<void> {
    const missing = ['service', 'method', 'args'].filter((name) => !(name in params));
    const service = String(params.service ?? '');
    const method = String(params.method ?? '');
    const args = Array.isArray(params.args) ? params.args : [];
    const call = describeRpc('jsonrpc', service, method, args);
    await this.perform(
      res,
      call,
      () => {
        if (missing.length > 0) {
          throw typeError(`RPC.jsonrpc() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${quoteList(missing)}`);
        }
        return this.dispatch(service, method, args);
      },
      this.jsonEncoder(id),
    );
  }

  /** The logged-in session of the request, or a SessionExpiredException reply (with id null). */
  private requireSession(req: IncomingMessage, res: ServerResponse, refused: SimCall) {
    const session = this.sessions.get(sessionIdFromCookie(req.headers.cookie));
    if (session && session.uid !== null && this.options.database.userById(session.uid)) return session;
    this.calls.push(refused);
    const reply = jsonReply(null, { ok: false, error: sessionExpired('Session expired') });
    writeReply(res, reply.body, reply.options);
    return undefined;
  }

  private async webAuthenticate(res: ServerResponse, params: Record<string, unknown>, id: unknown): Promise<void> {
    const login = typeof params.login === 'string' ? params.login : undefined;
    const call: SimCall = { protocol: 'web', service: 'session', method: 'authenticate', ...(login !== undefined ? { login } : {}) };
    let cookie: string[] | undefined;
    await this.perform(
      res,
      call,
      () => {
        const missing = ['db', 'login', 'password'].filter((name) => !(name in params));
        if (missing.length) {
          throw typeError(
            `Session.authenticate() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${quoteList(missing)}`,
          );
        }
        if (params.db !== this.options.database.name) throw accessError('Database not found.');
        const user = login !== undefined ? this.options.database.findUserByLogin(login) : undefined;
        // The web login checks the password only: API keys are for RPC, not for sessions.
        if (!user || !credentialsMatch(user, params.password, false)) throw accessDenied('Access Denied');
        const session = this.sessions.create(this.options.database.name, user.id, user.login);
        cookie = [this.sessions.cookie(session)];
        call.uid = user.id;
        return sessionInfo(this.options.database, user, this.url);
      },
      (outcome) => jsonReply(id, outcome, outcome.ok ? cookie : undefined),
    );
  }

  private async webSessionInfo(req: IncomingMessage, res: ServerResponse, id: unknown): Promise<void> {
    const session = this.requireSession(req, res, { protocol: 'web', service: 'session', method: 'get_session_info' });
    if (!session) return;
    const user = this.options.database.userById(session.uid!)!;
    await this.perform(
      res,
      { protocol: 'web', service: 'session', method: 'get_session_info', uid: user.id, login: user.login },
      () => sessionInfo(this.options.database, user, this.url),
      this.jsonEncoder(id, () => [this.sessions.cookie(session)]),
    );
  }

  private async webCheck(req: IncomingMessage, res: ServerResponse, id: unknown): Promise<void> {
    const session = this.requireSession(req, res, { protocol: 'web', service: 'session', method: 'check' });
    if (!session) return;
    await this.perform(res, { protocol: 'web', service: 'session', method: 'check', uid: session.uid! }, () => null, this.jsonEncoder(id));
  }

  private async webDestroy(req: IncomingMessage, res: ServerResponse, id: unknown): Promise<void> {
    const session = this.requireSession(req, res, { protocol: 'web', service: 'session', method: 'destroy' });
    if (!session) return;
    await this.perform(
      res,
      { protocol: 'web', service: 'session', method: 'destroy', uid: session.uid! },
      () => {
        this.sessions.destroy(session.id);
        return null;
      },
      // Logging out rotates to a fresh anonymous session, as Odoo does.
      this.jsonEncoder(id, () => [SessionStore.clearCidsCookie(), this.sessions.cookie(this.sessions.create(session.db, null, null))]),
    );
  }

  private async webCallKw(req: IncomingMessage, res: ServerResponse, params: Record<string, unknown>, id: unknown): Promise<void> {
    const model = String(params.model ?? '');
    const method = String(params.method ?? '');
    const session = this.requireSession(req, res, { protocol: 'call_kw', service: 'object', method: 'call_kw', model, objectMethod: method });
    if (!session) return;
    await this.perform(
      res,
      { protocol: 'call_kw', service: 'object', method: 'call_kw', model, objectMethod: method, uid: session.uid! },
      () => {
        // call_kw looks the model up in the registry first: an unknown one is a KeyError here.
        if (!this.options.database.hasModel(model)) throw keyError(model);
        return this.services.execute(session.uid!, model, method, params.args, params.kwargs);
      },
      this.jsonEncoder(id),
    );
  }
}

/** A JSON-RPC response body; a None result is omitted, as Odoo's _response does. */
function jsonReply(id: unknown, outcome: Outcome, setCookie?: string[]): Reply {
  if (outcome.ok) {
    const envelope: Record<string, unknown> = { jsonrpc: '2.0', id };
    if (outcome.value !== null && outcome.value !== undefined) envelope.result = outcome.value;
    return { body: pythonJson(envelope), options: { contentType: JSON_TYPE, lengthFirst: true, nosniff: true, ...(setCookie ? { setCookie } : {}) } };
  }
  const envelope = { jsonrpc: '2.0', id: outcome.error.pythonClass === 'odoo.http.SessionExpiredException' ? null : id, error: jsonRpcError(outcome.error) };
  return { body: pythonJson(envelope), options: { contentType: JSON_TYPE, lengthFirst: true } };
}

function describeRpc(protocol: 'xmlrpc' | 'jsonrpc', service: string, method: string, params: unknown[]): SimCall {
  const call: SimCall = { protocol, service, method };
  if (service === 'object') {
    if (typeof params[1] === 'number') call.uid = params[1];
    if (typeof params[3] === 'string') call.model = params[3];
    if (typeof params[4] === 'string') call.objectMethod = params[4];
  } else if (service === 'common' && typeof params[1] === 'string') {
    call.login = params[1];
  }
  return call;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
