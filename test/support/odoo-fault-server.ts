import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRequire } from 'node:module';
import { parseMethodCall } from './odoo-xmlrpc-reference.js';

/**
 * A scriptable stand-in for Odoo's RPC routes, for client behaviour tests: it decodes each
 * request (XML-RPC, /jsonrpc, call_kw, web login) and lets the test answer with a result, an
 * Odoo error rendered in the wire's format (fault codes for XML-RPC, `data.name` for JSON), or
 * a misbehaviour: hang, reset, HTML 502, empty or cut body. It can stop listening (refused) and
 * come back on the same port.
 */

const require = createRequire(import.meta.url);
const Serializer = require('xmlrpc/lib/serializer.js') as {
  serializeMethodResponse(value: unknown): string;
  serializeFault(fault: unknown): string;
};

export type FakeRoute = 'xmlrpc' | 'jsonrpc' | 'call_kw' | 'web_login';

export interface FakeRequest {
  route: FakeRoute;
  path: string;
  cookie: string | undefined;
  service: string;
  /** RPC method (`version`, `authenticate`, `execute_kw`) or, for call_kw, `execute_kw` too. */
  method: string;
  args: unknown[];
  /** For execute_kw / call_kw: the model, model method, positional args and kwargs. */
  model?: string;
  modelMethod?: string;
  callArgs?: unknown[];
  kwargs?: Record<string, unknown>;
  /** For web_login: the posted params. */
  params?: Record<string, unknown>;
}

export type FakeAnswer =
  | { result: unknown; setSessionId?: string }
  | { error: { odooClass: string; message: string; code?: number } }
  | { raw: { status: number; contentType: string; body: string } }
  | { hang: true }
  | { reset: true }
  | { cut: true }
  /** Literal XML for the value inside <param>, for types the serializer does not emit (<i8>). */
  | { xmlValue: string };

export type FakeHandler = (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;

const FAULT_CODES: Record<string, number> = {
  'odoo.exceptions.AccessDenied': 3,
  'odoo.exceptions.AccessError': 4,
  'odoo.exceptions.UserError': 2,
  'odoo.exceptions.ValidationError': 2,
  'odoo.exceptions.MissingError': 2,
};

export const TRACEBACK = 'Traceback (most recent call last):\n  File "/srv/odoo/odoo/models.py", line 1, in f\n    boom()\n';

export class OdooFaultServer {
  readonly requests: FakeRequest[] = [];
  handler: FakeHandler = () => ({ result: true });
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private server: Server;
  private port = 0;
  private concurrent = 0;
  /** Highest number of requests the server held at once. */
  maxConcurrent = 0;

  private constructor() {
    this.server = this.createServer();
  }

  static async start(): Promise<OdooFaultServer> {
    const fake = new OdooFaultServer();
    await fake.listen();
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests to the object service or call_kw, i.e. model calls (not logins or version). */
  get modelCalls(): FakeRequest[] {
    return this.requests.filter((request) => request.modelMethod !== undefined);
  }

  /** Stops listening: new connections are refused until `resume()`. */
  async stop(): Promise<void> {
    this.releaseHanging();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async resume(): Promise<void> {
    this.server = this.createServer();
    await this.listen();
  }

  /** Answers every hanging request with an error status so the test can end. */
  releaseHanging(): void {
    for (const res of this.hanging) if (!res.writableEnded) res.writeHead(503).end();
    this.hanging.clear();
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.stop();
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private createServer(): Server {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void this.handle(req, res, Buffer.concat(chunks).toString('utf8'));
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const request = decodeRequest(req.url ?? '', req.headers.cookie, body);
    this.requests.push(request);
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    res.on('close', () => this.concurrent--);
    const answer = await this.handler(request);
    if ('hang' in answer) {
      this.hanging.add(res);
      return;
    }
    if ('reset' in answer) {
      req.socket.destroy();
      return;
    }
    if ('cut' in answer) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '500' });
      res.write('{"jsonrpc": "2.0", "id": 1, "result": [{"id": 1, "na');
      setImmediate(() => req.socket.destroy());
      return;
    }
    if ('raw' in answer) {
      res.writeHead(answer.raw.status, { 'Content-Type': answer.raw.contentType });
      res.end(answer.raw.body);
      return;
    }
    const isXml = request.route === 'xmlrpc';
    const headers: Record<string, string> = { 'Content-Type': isXml ? 'text/xml; charset=utf-8' : 'application/json; charset=utf-8' };
    if ('result' in answer && answer.setSessionId) headers['Set-Cookie'] = `session_id=${answer.setSessionId}; Max-Age=604800; HttpOnly; Path=/`;
    res.writeHead(200, headers);
    res.end(isXml ? renderXml(answer) : renderJson(answer));
  }
}

function renderXml(answer: FakeAnswer): string {
  if ('xmlValue' in answer) {
    return `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n${answer.xmlValue}\n</param>\n</params>\n</methodResponse>\n`;
  }
  if ('error' in answer) {
    const code = FAULT_CODES[answer.error.odooClass] ?? 1;
    const faultString = code === 1 ? `${TRACEBACK}${answer.error.odooClass.replace(/^builtins\./, '')}: ${answer.error.message}\n` : answer.error.message;
    return Serializer.serializeFault({ faultCode: code, faultString });
  }
  return Serializer.serializeMethodResponse((answer as { result: unknown }).result);
}

function renderJson(answer: FakeAnswer): string {
  if ('error' in answer) {
    const { odooClass, message, code } = answer.error;
    const expired = code === 100;
    return JSON.stringify({
      jsonrpc: '2.0',
      id: expired ? null : 1,
      error: {
        code: code ?? 200,
        message: expired ? 'Odoo Session Expired' : 'Odoo Server Error',
        data: { name: odooClass, debug: `${TRACEBACK}${odooClass}: ${message}\n`, message, arguments: [message], context: {} },
      },
    });
  }
  const result = (answer as { result: unknown }).result;
  return JSON.stringify(result === null ? { jsonrpc: '2.0', id: 1 } : { jsonrpc: '2.0', id: 1, result });
}

function decodeRequest(path: string, cookie: string | undefined, body: string): FakeRequest {
  if (path.startsWith('/xmlrpc/2/')) {
    const call = parseMethodCall(body);
    return withModelCall({ route: 'xmlrpc', path, cookie, service: path.slice('/xmlrpc/2/'.length), method: call.methodName, args: call.params });
  }
  const params = (JSON.parse(body) as { params: Record<string, unknown> }).params;
  if (path === '/jsonrpc') {
    return withModelCall({
      route: 'jsonrpc',
      path,
      cookie,
      service: params.service as string,
      method: params.method as string,
      args: params.args as unknown[],
    });
  }
  if (path.startsWith('/web/dataset/call_kw/')) {
    return {
      route: 'call_kw',
      path,
      cookie,
      service: 'object',
      method: 'execute_kw',
      args: [],
      model: params.model as string,
      modelMethod: params.method as string,
      callArgs: params.args as unknown[],
      kwargs: params.kwargs as Record<string, unknown>,
    };
  }
  return { route: 'web_login', path, cookie, service: 'web', method: 'authenticate', args: [], params };
}

function withModelCall(request: FakeRequest): FakeRequest {
  if (request.service !== 'object') return request;
  const [, , , model, modelMethod, callArgs, kwargs] = request.args as [
    unknown,
    unknown,
    unknown,
    string,
    string,
    unknown[],
    Record<string, unknown> | undefined,
  ];
  return { ...request, model, modelMethod, callArgs, kwargs: kwargs ?? {} };
}

/** Answers logins and `version` like an Odoo 17 that knows one password and one API key; delegates model calls. */
export function odooLike(options: {
  password?: string;
  apiKey?: string;
  uid?: number;
  major?: number;
  session?: string;
  model: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;
}): FakeHandler {
  const { password = 'secret', apiKey = 'api-key', uid = 2, major = 17, session = 'sess-1' } = options;
  const versionInfo = [major, 0, 0, 'final', 0, ''];
  return (request) => {
    if (request.route === 'web_login') {
      if (request.params?.password === password) return { result: { uid, server_version_info: versionInfo }, setSessionId: session };
      return { error: { odooClass: 'odoo.exceptions.AccessDenied', message: 'Access Denied' } };
    }
    if (request.service === 'common' && request.method === 'version') {
      return { result: { server_version: `${major}.0`, server_version_info: versionInfo, server_serie: `${major}.0`, protocol_version: 1 } };
    }
    if (request.service === 'common' && request.method === 'authenticate') {
      const secret = request.args[2];
      return { result: secret === password || secret === apiKey ? uid : false };
    }
    return options.model(request);
  };
}
