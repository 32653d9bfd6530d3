/**
 * A DCI client stand-in (the social protection system's side): a small HTTP server on
 * loopback that receives the gateway's callbacks, checks each signature against the keys the
 * gateway publishes at /.well-known/jwks.json, and can be taken down and brought back on the
 * same port to play a receiver that is away for a while. Written from the standard alone: it
 * imports no gateway code, and a callback is recorded at the path it arrived on, so a test
 * sees whether it came to the exact URL its request named in `header.sender_uri`.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pythonJson } from './python-json.js';

export interface ReceivedCallback {
  path: string;
  body: any;
  receivedAt: number;
  /** Whether the signature verified against the gateway's published key named by its kidId. */
  signatureValid: boolean;
  kid?: string;
}

export class DciClientStandIn {
  readonly received: ReceivedCallback[] = [];
  /** Paths of every request that reached the server, answered or not. */
  readonly hits: string[] = [];
  private server: Server | undefined;
  private port = 0;
  private keys = new Map<string, KeyObject>();
  private waiters: Array<() => void> = [];

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens (on the port it had, after a `stop()`); nothing more while it listens already. */
  async start(): Promise<void> {
    if (this.server) return;
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.hits.push(request.url ?? '');
        let body: any;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          response.writeHead(400).end();
          return;
        }
        this.received.push({ path: request.url ?? '', body, receivedAt: Date.now(), ...this.check(body) });
        for (const wake of this.waiters.splice(0)) wake();
        // The standard's acknowledgement of a received callback.
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: { ack_status: 'ACK', timestamp: new Date().toISOString(), correlation_id: body?.message?.correlation_id ?? '' } }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Down: the port refuses connections until `start()` listens on it again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
  }

  /** Loads the gateway's published keys (OKP Ed25519 JWKs) by kid. */
  async trust(jwksUrl: string): Promise<Array<Record<string, string>>> {
    const jwks = (await (await fetch(jwksUrl)).json()) as { keys: Array<Record<string, string>> };
    this.keys = new Map(jwks.keys.map((jwk) => [jwk.kid!, createPublicKey({ key: jwk as any, format: 'jwk' })]));
    return jwks.keys;
  }

  private check(body: any): { signatureValid: boolean; kid?: string } {
    const params = Object.fromEntries([...String(body?.signature ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const kid = String(params.kidId ?? '').split('|')[1];
    const key = kid ? this.keys.get(kid) : undefined;
    if (!key || !params.signature) return { signatureValid: false, ...(kid ? { kid } : {}) };
    const digest = createHash('sha256')
      .update(pythonJson({ header: body.header, message: body.message }))
      .digest('base64');
    const data = Buffer.from(`(created): ${params.created}\n(expires): ${params.expires}\ndigest: ${digest}`);
    return { signatureValid: verify(null, data, key, Buffer.from(params.signature, 'base64')), kid };
  }

  /** The first callback on `path` matching the predicate, waiting for it up to `timeoutMs`. */
  async waitFor(path: string, predicate: (callback: ReceivedCallback) => boolean, timeoutMs = 15_000): Promise<ReceivedCallback> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((c) => c.path === path && predicate(c));
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no callback on ${path} within ${timeoutMs} ms (received: ${this.received.map((c) => c.path).join(', ') || 'none'})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
