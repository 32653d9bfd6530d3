import type { HttpConnection } from './http-connection.js';
import { decodeJsonRpc, encodeJsonRpc } from './jsonrpc-codec.js';
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
 * One of Odoo's RPC protocols over an HTTP connection: encodes a call, posts it, decodes the
 * answer or the typed error. `call('common', 'version', [])`,
 * `call('object', 'execute_kw', [db, uid, secret, model, method, args, kwargs])`. No retries,
 * no limits: the call pipeline (call-pipeline.ts) adds those.
 */
export interface RpcProtocol {
  readonly protocol: OdooProtocol;
  call(service: OdooService, method: string, args: unknown[], options: WireOptions): Promise<WireResult>;
}

/** `POST /jsonrpc` with `{service, method, args}`. */
export class JsonRpcProtocol implements RpcProtocol {
  readonly protocol: OdooProtocol = 'jsonrpc';
  constructor(private readonly http: HttpConnection) {}

  async call(service: OdooService, method: string, args: unknown[], options: WireOptions): Promise<WireResult> {
    const body = encodeJsonRpc({ service, method, args: toWireValue(args) });
    const reply = await this.http.post('/jsonrpc', body, 'application/json', options);
    return { value: decodeJsonRpc(reply), newSessionId: reply.setSessionId };
  }
}

/** `POST /xmlrpc/2/common` and `/xmlrpc/2/object` with a methodCall. */
export class XmlRpcProtocol implements RpcProtocol {
  readonly protocol: OdooProtocol = 'xmlrpc';
  constructor(private readonly http: HttpConnection) {}

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
export class CallKwProtocol implements RpcProtocol {
  readonly protocol: OdooProtocol = 'call_kw';
  private readonly jsonRpc: JsonRpcProtocol;
  constructor(private readonly http: HttpConnection) {
    this.jsonRpc = new JsonRpcProtocol(http);
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

export function createRpcProtocol(protocol: OdooProtocol, http: HttpConnection): RpcProtocol {
  switch (protocol) {
    case 'jsonrpc':
      return new JsonRpcProtocol(http);
    case 'xmlrpc':
      return new XmlRpcProtocol(http);
    case 'call_kw':
      return new CallKwProtocol(http);
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
export async function webSessionAuthenticate(
  http: HttpConnection,
  db: string,
  login: string,
  password: string,
  options: WireOptions,
): Promise<WebSession | undefined> {
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
