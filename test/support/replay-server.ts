import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { sharedPath } from './shared.js';

/** One case of the odoo-wire recordings (see the folder's README for the format). */
export interface RecordedCase {
  case: string;
  description: string;
  notes?: string;
  request: { method: string; path: string; headers: Record<string, string>; body: string | null };
  response: { http_version: string; status: number; reason: string; headers: Record<string, string | string[]>; body: string; body_bytes: number };
}

export function loadRecordings(file: string): RecordedCase[] {
  return JSON.parse(readFileSync(sharedPath('odoo-wire', file), 'utf8')) as RecordedCase[];
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A real HTTP server that answers each request with the recorded response of the case queued
 * for it (status, reason, headers, body verbatim; Content-Length recomputed because scrubbed
 * bodies differ in length from the original), and keeps what it received for assertions.
 */
export class ReplayServer {
  readonly received: ReceivedRequest[] = [];
  private readonly queue: RecordedCase[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ReplayServer> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        replay!.received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const recorded = replay!.queue.shift();
        if (!recorded) {
          res.writeHead(599, 'No recorded case queued').end();
          return;
        }
        const body = Buffer.from(recorded.response.body, 'utf8');
        res.statusCode = recorded.response.status;
        res.statusMessage = recorded.response.reason;
        for (const [name, value] of Object.entries(recorded.response.headers)) {
          if (name.toLowerCase() === 'content-length') continue;
          res.setHeader(name, value);
        }
        res.setHeader('Content-Length', body.length);
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const replay = new ReplayServer(server, `http://127.0.0.1:${port}`);
    return replay;
  }

  /** The next request gets this case's recorded response. */
  serve(recorded: RecordedCase): void {
    this.queue.push(recorded);
  }

  get lastReceived(): ReceivedRequest | undefined {
    return this.received[this.received.length - 1];
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
