import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the demo receiver saw: one line per delivery, for a person watching the sandbox. */
export type ReceiverLog = (line: string) => void;

export interface DemoReceiver {
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** Longest body shown in a log line; the rest is cut (a DCI answer can hold a page of records). */
const SHOWN_BODY_CHARS = 600;

/**
 * The partner systems of the sandbox, in one small HTTP server on 127.0.0.1: it stands for the
 * DCI sender's callback endpoint (`/dci/registry/on-search`, `/dci/registry/txn/on-status`,
 * `/dci/registry/notify`) and for a webhook receiver (`/webhooks/...`). It answers 200 to
 * every POST and logs what arrived, so the sandbox shows async DCI answers and change events
 * being delivered. It checks nothing: a real receiver verifies the signatures.
 */
export async function startDemoReceiver(log: ReceiverLog): Promise<DemoReceiver> {
  const server = createServer((request, response) => {
    readBody(request).then(
      (body) => {
        log(`demo receiver: ${request.method} ${request.url} ${describe(request, body)}`);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ack_status":"ACK"}');
      },
      () => response.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function describe(request: IncomingMessage, body: string): string {
  const webhookId = request.headers['webhook-id'];
  const kind = webhookId ? `webhook ${String(webhookId)} ` : '';
  const shown = body.length > SHOWN_BODY_CHARS ? `${body.slice(0, SHOWN_BODY_CHARS)}... (${body.length} characters)` : body;
  return `${kind}${shown}`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
