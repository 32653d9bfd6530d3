import type { FastifyInstance } from 'fastify';

export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * `GET /.well-known/jwks.json`: the gateway's public keys, each with its `kid`: the DCI
 * message-signing key (when set) and the keys of its own client-credentials tokens (current
 * first, then those still accepted during a rotation). Public, cacheable for five minutes.
 */
export async function jwksPlugin(app: FastifyInstance, options: { keys: Array<Record<string, string>> }): Promise<void> {
  const body = { keys: options.keys };
  app.get(JWKS_PATH, { config: { access: 'public' } }, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(body));
}
