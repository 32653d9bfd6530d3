import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * `GET /.well-known/jwks.json`: the gateway's public keys, each with its `kid`: the DCI
 * message-signing key (when set) and the keys of its own client-credentials tokens (current
 * first, then those still accepted during a rotation). Public, cacheable for five minutes.
 */
async function jwks(app: FastifyInstance, options: { keys: Array<Record<string, string>> }): Promise<void> {
  const body = { keys: options.keys };
  app.get(JWKS_PATH, { config: { access: 'public' } }, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(body));
}

export const jwksPlugin = fp(jwks, { name: 'jwks', encapsulate: true, dependencies: ['g2p-auth', 'g2p-ops'] });
