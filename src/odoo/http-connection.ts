import { Pool } from 'undici';
import { OdooError } from './errors.js';

/** One HTTP exchange as the transports need it: the whole body as text, plus a new session cookie if Odoo set one. */
export interface HttpReply {
  status: number;
  contentType: string;
  text: string;
  setSessionId: string | undefined;
}

export interface PostOptions {
  signal?: AbortSignal;
  sessionId?: string;
  timeoutMs: number;
  /** An AbortSignal.timeout the caller already runs for this call (ending at timeoutMs from now), used instead of a new one. */
  deadline?: AbortSignal;
}

/**
 * The HTTP layer under the RPC protocols: one POST, its whole answer. An implementation turns
 * every network failure into an OdooError (`timeout`, `unavailable`, or `bad_response` for a cut
 * body), so the protocols only deal with bodies. `createOdooConnection({ http })` takes another
 * one, e.g. an in-memory Odoo in tests.
 */
export interface HttpConnection {
  post(path: string, body: string, contentType: string, options: PostOptions): Promise<HttpReply>;
  close(): Promise<void>;
}

/** A keep-alive connection pool (undici) to one Odoo origin: the HttpConnection a deployment uses. */
export class PooledHttpConnection implements HttpConnection {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(url: string, connections: number) {
    const parsed = new URL(url);
    this.basePath = parsed.pathname.replace(/\/+$/, '');
    this.pool = new Pool(parsed.origin, { connections, keepAliveTimeout: 10_000, pipelining: 1 });
  }

  async post(path: string, body: string, contentType: string, options: PostOptions): Promise<HttpReply> {
    const timeout = options.deadline ?? AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'content-type': contentType, accept: contentType };
    if (options.sessionId) headers.cookie = `session_id=${options.sessionId}`;
    let status: number | undefined;
    try {
      const response = await this.pool.request({ path: this.basePath + path, method: 'POST', headers, body, signal });
      status = response.statusCode;
      const text = await response.body.text();
      return {
        status,
        contentType: String(response.headers['content-type'] ?? ''),
        text,
        setSessionId: sessionIdFromSetCookie(response.headers['set-cookie']),
      };
    } catch (err) {
      if (options.signal?.aborted) {
        const reason: unknown = options.signal.reason;
        // A caller's own deadline (AbortSignal.timeout) is still Odoo being too slow; any other abort is the caller's business.
        if (reason instanceof DOMException && reason.name === 'TimeoutError') {
          throw new OdooError({ kind: 'timeout', message: "Odoo did not answer before the caller's deadline", httpStatus: status, cause: reason });
        }
        throw reason ?? err;
      }
      if (timeout.aborted) {
        throw new OdooError({ kind: 'timeout', message: `Odoo did not answer within ${options.timeoutMs} ms`, httpStatus: status, cause: err });
      }
      if (status !== undefined) {
        // Headers came, the body did not: a cut response, not an unreachable server.
        throw new OdooError({
          kind: 'bad_response',
          message: `Odoo's HTTP ${status} response was cut off (${networkCode(err)})`,
          httpStatus: status,
          cause: err,
        });
      }
      throw new OdooError({ kind: 'unavailable', message: `Odoo is unreachable (${networkCode(err)})`, cause: err });
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function networkCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : 'network error';
}

function sessionIdFromSetCookie(header: string | string[] | undefined): string | undefined {
  if (!header) return undefined;
  for (const cookie of Array.isArray(header) ? header : [header]) {
    const match = /^\s*session_id=([^;]*)/.exec(cookie);
    if (match) return match[1];
  }
  return undefined;
}
