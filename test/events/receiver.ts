/**
 * A webhook receiver on a loopback socket, as an integrator would write one: it verifies each
 * delivery with the Standard Webhooks reference library (not the gateway's code), parses it
 * with the CloudEvents SDK (which validates the 1.0 attributes), de-duplicates by event id and
 * remembers the order and time of arrival. It can be taken down (answers 503) and brought back.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP, type CloudEvent } from 'cloudevents';
import { Webhook } from 'standardwebhooks';

export interface Received {
  event: CloudEvent<Record<string, unknown>>;
  at: number;
}

export interface Receiver {
  url: string;
  /** First arrival of each event id, in arrival order. */
  events: Received[];
  /** Deliveries whose id had been received before (at-least-once repeats). */
  duplicates: number;
  /** Deliveries refused for a bad or missing signature. */
  forged: number;
  /** Deliveries that were not a valid CloudEvent. */
  malformed: number;
  /** Deliveries answered 503 while down. */
  refused: number;
  setDown(down: boolean): void;
  /** The secret deliveries are verified with (a webhook created through the API gets its secret then). */
  setSecret(secret: string): void;
  /** Waits until `count` events matching `filter` arrived (or fails after `timeoutMs`). */
  waitFor(filter: (event: CloudEvent<Record<string, unknown>>) => boolean, count?: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

export async function startReceiver(secret: string, path = '/hooks'): Promise<Receiver> {
  let verifier = new Webhook(secret.startsWith('whsec_') ? secret : Buffer.from(secret).toString('base64'));
  let down = false;
  const seen = new Set<string>();
  const receiver: Omit<Receiver, 'url' | 'close'> = {
    events: [],
    duplicates: 0,
    forged: 0,
    malformed: 0,
    refused: 0,
    setDown: (value) => {
      down = value;
    },
    setSecret: (value) => {
      verifier = new Webhook(value);
    },
    waitFor: async (filter, count = 1, timeoutMs = 30_000) => {
      const giveUp = Date.now() + timeoutMs;
      for (;;) {
        const found = receiver.events.filter((r) => filter(r.event));
        if (found.length >= count) return found;
        if (Date.now() > giveUp) throw new Error(`waited ${timeoutMs} ms for ${count} events, got ${found.length} (of ${receiver.events.length} received)`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- a test's receiver: a rejection here fails the test run
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    if (request.url !== path || request.method !== 'POST') return response.writeHead(404).end();
    if (down) {
      receiver.refused++;
      return response.writeHead(503).end();
    }
    try {
      verifier.verify(body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      });
    } catch {
      receiver.forged++;
      return response.writeHead(401).end();
    }
    let event: CloudEvent<Record<string, unknown>>;
    try {
      event = HTTP.toEvent({ headers: request.headers as Record<string, string>, body }) as CloudEvent<Record<string, unknown>>;
      event.validate();
    } catch {
      receiver.malformed++;
      return response.writeHead(400).end();
    }
    if (seen.has(event.id)) receiver.duplicates++;
    else {
      seen.add(event.id);
      receiver.events.push({ event, at: Date.now() });
    }
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...receiver,
    get events() {
      return receiver.events;
    },
    get duplicates() {
      return receiver.duplicates;
    },
    get forged() {
      return receiver.forged;
    },
    get malformed() {
      return receiver.malformed;
    },
    get refused() {
      return receiver.refused;
    },
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Gateways keep connections alive between deliveries: they must not hold the close up.
        server.closeAllConnections();
      }),
  };
}
