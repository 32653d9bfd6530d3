import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonWebKey, KeyObject } from 'node:crypto';

export interface JwksServer {
  /** The JWKS URL (what Keycloak serves at <realm>/protocol/openid-connect/certs). */
  url: string;
  /** How many times the key set was fetched. */
  requests: number;
  /** Replaces the published keys (key rotation). */
  publish(keys: Array<{ kid: string; publicKey: KeyObject; alg: string }>): void;
  close(): Promise<void>;
}

/** A real HTTP JWKS endpoint on 127.0.0.1, serving public keys as an OIDC issuer would. */
export async function startJwksServer(keys: Array<{ kid: string; publicKey: KeyObject; alg: string }>): Promise<JwksServer> {
  let body = '';
  const state = {
    url: '',
    requests: 0,
    publish(next: Array<{ kid: string; publicKey: KeyObject; alg: string }>) {
      const jwks = next.map(({ kid, publicKey, alg }) => ({ ...(publicKey.export({ format: 'jwk' }) as JsonWebKey), kid, alg, use: 'sig' }));
      body = JSON.stringify({ keys: jwks });
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
  const server: Server = createServer((request, response) => {
    if (request.url !== '/realms/g2p/protocol/openid-connect/certs') {
      response.writeHead(404).end();
      return;
    }
    state.requests++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  state.publish(keys);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.keepAliveTimeout = 1;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/g2p/protocol/openid-connect/certs`;
  return state;
}
