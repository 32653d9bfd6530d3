import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseMethodCall, parseMethodResponse } from '../support/odoo-xmlrpc-reference.js';

/**
 * A pass-through HTTP proxy between the gateway and the simulator that decodes every ORM call
 * it carries (XML-RPC, /jsonrpc, /web/dataset/call_kw) with the arguments as they travelled.
 * The simulator's own call list names model and method only; security tests need the domain,
 * the field lists and the values, and whether Odoo accepted the call. Decoding is done here
 * from the bytes on the wire, independently of the gateway's encoders.
 */

export interface WireCall {
  model: string;
  method: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** Odoo answered with a fault / JSON-RPC error (nothing it would have written was kept). */
  failed: boolean;
}

/** ORM methods that change data. Anything else the gateway sends is a read. */
export const WRITE_METHODS: ReadonlySet<string> = new Set([
  'create',
  'write',
  'unlink',
  'copy',
  'web_save',
  'toggle_active',
  'action_archive',
  'action_unarchive',
]);

export class WireRecorder {
  readonly calls: WireCall[] = [];
  /** Requests that were not ORM calls (logins, version); counted so "nothing reached Odoo" sees them too. */
  otherRequests = 0;
  /** Login checks (common.authenticate / login, /web/session/authenticate): what a password guess costs Odoo. */
  logins = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly target: URL;

  private constructor(targetUrl: string) {
    this.target = new URL(targetUrl);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const upstream = httpRequest(
          {
            host: this.target.hostname,
            port: this.target.port,
            path: req.url,
            method: req.method,
            headers: forwardHeaders(req.headers, body.length),
            agent: false,
          },
          (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => parts.push(chunk));
            answer.on('end', () => {
              const reply = Buffer.concat(parts);
              this.record(req.url ?? '', body.toString('utf8'), reply.toString('utf8'));
              const headers = { ...answer.headers, 'content-length': String(reply.length) };
              delete headers['transfer-encoding'];
              delete headers.connection;
              res.writeHead(answer.statusCode ?? 502, headers).end(reply);
            });
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(targetUrl: string): Promise<WireRecorder> {
    const recorder = new WireRecorder(targetUrl);
    await new Promise<void>((resolve) => recorder.server.listen(0, '127.0.0.1', resolve));
    return recorder;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.calls.length = 0;
    this.otherRequests = 0;
    this.logins = 0;
  }

  /** Write calls Odoo accepted: what a rejected request must never have caused. */
  acceptedWrites(since = 0): WireCall[] {
    return this.calls.slice(since).filter((call) => WRITE_METHODS.has(call.method) && !call.failed);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private record(path: string, body: string, reply: string): void {
    if (isLogin(path, body)) this.logins++;
    const call = decodeCall(path, body, reply);
    if (call) this.calls.push(call);
    else this.otherRequests++;
  }
}

function forwardHeaders(headers: IncomingHttpHeaders, length: number): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers, 'content-length': String(length) };
  delete out['transfer-encoding'];
  delete out.connection;
  return out;
}

function isLogin(path: string, body: string): boolean {
  if (path === '/web/session/authenticate') return true;
  if (path.startsWith('/xmlrpc/2/common')) return ['authenticate', 'login'].includes(parseMethodCall(body).methodName);
  if (path === '/jsonrpc') {
    const params = (JSON.parse(body) as { params: { service?: string; method?: string } }).params;
    return params.service === 'common' && ['authenticate', 'login'].includes(params.method ?? '');
  }
  return false;
}

function decodeCall(path: string, body: string, reply: string): WireCall | undefined {
  if (path.startsWith('/xmlrpc/2/object')) {
    const call = parseMethodCall(body);
    if (call.methodName !== 'execute_kw') return undefined;
    const [, , , model, method, args, kwargs] = call.params as [unknown, unknown, unknown, string, string, unknown[], Record<string, unknown> | undefined];
    return { model, method, args, kwargs: kwargs ?? {}, failed: xmlFailed(reply) };
  }
  if (path === '/jsonrpc') {
    const params = (JSON.parse(body) as { params: { service?: string; method?: string; args?: unknown[] } }).params;
    if (params.service !== 'object' || params.method !== 'execute_kw') return undefined;
    const [, , , model, method, args, kwargs] = params.args as [unknown, unknown, unknown, string, string, unknown[], Record<string, unknown> | undefined];
    return { model, method, args, kwargs: kwargs ?? {}, failed: jsonFailed(reply) };
  }
  if (path.startsWith('/web/dataset/call_kw')) {
    const params = (JSON.parse(body) as { params: { model: string; method: string; args: unknown[]; kwargs?: Record<string, unknown> } }).params;
    return { model: params.model, method: params.method, args: params.args, kwargs: params.kwargs ?? {}, failed: jsonFailed(reply) };
  }
  return undefined;
}

function xmlFailed(reply: string): boolean {
  try {
    return !parseMethodResponse(reply).ok;
  } catch {
    return true;
  }
}

function jsonFailed(reply: string): boolean {
  try {
    const envelope = JSON.parse(reply) as { error?: unknown };
    return envelope.error !== undefined && envelope.error !== null;
  } catch {
    return true;
  }
}
