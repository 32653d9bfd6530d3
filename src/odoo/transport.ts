import type { OdooHttp } from './http.js';
import { decodeJsonRpc, encodeJsonRpc } from './jsonrpc.js';
import { toWireValue } from './wire-values.js';
import { decodeXmlRpc, encodeXmlRpc } from './xmlrpc-codec.js';

export type OdooProtocol = 'jsonrpc' | 'xmlrpc' | 'call_kw';
export type OdooService = 'common' | 'object';

export interface WireOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Odoo `session_id` cookie to send along (saves Odoo's per-request session set-up). */
  sessionId?: string;
  /** The caller's own timer for this call, ending when timeoutMs does (saves a second timer per call). */
  deadline?: AbortSignal;
}

export interface WireResult {
  value: unknown;
  /** A session id Odoo set on this response (it rotates sessions on some routes). */
  newSessionId?: string;
}

/**
 * One way of reaching Odoo's RPC services: `call('common', 'version', [])`,
 * `call('object', 'execute_kw', [db, uid, secret, model, method, args, kwargs])`.
 */
export interface OdooTransport {
  readonly protocol: OdooProtocol;
  call(service: OdooService, method: string, args: unknown[], options: WireOptions): Promise<WireResult>;
}

/** `POST /jsonrpc` with `{service, method, args}`. */
export class JsonRpcTransport implements OdooTransport {
  readonly protocol: OdooProtocol = 'jsonrpc';
  constructor(private readonly http: OdooHttp) {}

  async call(service: OdooService, method: string, args: unknown[], options: WireOptions): Promise<WireResult> {
    const body = encodeJsonRpc({ service, method, args: toWireValue(args) });
    const reply = await this.http.post('/jsonrpc', body, 'application/json', options);
    return { value: decodeJsonRpc(reply), newSessionId: reply.setSessionId };
  }
}

/** `POST /xmlrpc/2/common` and `/xmlrpc/2/object` with a methodCall. */
export class XmlRpcTransport implements OdooTransport {
  readonly protocol: OdooProtocol = 'xmlrpc';
  constructor(private readonly http: OdooHttp) {}

  async call(service: OdooService, method: string, args: unknown[], options: WireOptions): Promise<WireResult> {
    const body = encodeXmlRpc(method, args);
    const reply = await this.http.post(`/xmlrpc/2/${service}`, body, 'text/xml', options);
    return { value: await decodeXmlRpc(reply), newSessionId: reply.setSessionId };
  }
}

/**
 * `POST /web/dataset/call_kw/<model>/<method>`: the web client's route, authenticated by the
 * session cookie alone (the fastest path in timings.md). Without a session (an account that
 * logs in with an API key, which /web/session/authenticate refuses) and for the `common`
 * service it goes through `/jsonrpc` instead.
 */
export class CallKwTransport implements OdooTransport {
  readonly protocol: OdooProtocol = 'call_kw';
  private readonly jsonRpc: JsonRpcTransport;
  constructor(private readonly http: OdooHttp) {
    this.jsonRpc = new JsonRpcTransport(http);
  }

  async call(service: OdooService, method: string, args: unknown[], options: WireOptions): Promise<WireResult> {
    if (service !== 'object' || method !== 'execute_kw' || !options.sessionId) {
      return this.jsonRpc.call(service, method, args, options);
    }
    const [, , , model, modelMethod, methodArgs, kwargs] = args as [string, number, string, string, string, unknown[], Record<string, unknown> | undefined];
    const body = encodeJsonRpc({ model, method: modelMethod, args: toWireValue(methodArgs ?? []), kwargs: toWireValue(kwargs ?? {}) });
    const path = `/web/dataset/call_kw/${encodeURIComponent(model)}/${encodeURIComponent(modelMethod)}`;
    const reply = await this.http.post(path, body, 'application/json', options);
    return { value: decodeJsonRpc(reply), newSessionId: reply.setSessionId };
  }
}

export function createTransport(protocol: OdooProtocol, http: OdooHttp): OdooTransport {
  switch (protocol) {
    case 'jsonrpc':
      return new JsonRpcTransport(http);
    case 'xmlrpc':
      return new XmlRpcTransport(http);
    case 'call_kw':
      return new CallKwTransport(http);
  }
}

export interface WebSession {
  uid: number;
  sessionId: string;
  serverVersionInfo: unknown[] | undefined;
}

/**
 * `POST /web/session/authenticate`: password logins only (Odoo refuses API keys here with
 * AccessDenied). The answer carries the uid and server version, and the cookie in Set-Cookie.
 */
export async function webSessionAuthenticate(http: OdooHttp, db: string, login: string, password: string, options: WireOptions): Promise<WebSession | undefined> {
  const body = encodeJsonRpc({ db, login, password });
  const reply = await http.post('/web/session/authenticate', body, 'application/json', { ...options, sessionId: undefined });
  const result = decodeJsonRpc(reply) as { uid?: unknown; server_version_info?: unknown } | null;
  if (!result || typeof result.uid !== 'number' || !reply.setSessionId) return undefined;
  return {
    uid: result.uid,
    sessionId: reply.setSessionId,
    serverVersionInfo: Array.isArray(result.server_version_info) ? result.server_version_info : undefined,
  };
}
