import type { FastifyInstance } from 'fastify';

/**
 * Node closes only idle keep-alive connections when the server closes; a connection whose
 * request is still running would stay open after its response until the client drops it,
 * holding `close()` up. Responses sent while closing therefore say `Connection: close`.
 */
export function installConnectionDraining(app: FastifyInstance): void {
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
}

export type ShutdownOutcome = 'clean' | 'forced';

/**
 * Stops the app the way a rolling deploy needs: the listener closes at once (new requests
 * on kept-alive connections get 503), in-flight requests get `graceMs` to finish, then
 * whatever is still open is cut. `app.close()` also runs the onClose hooks (Odoo pool,
 * metrics listener).
 */
export async function closeGracefully(app: FastifyInstance, graceMs: number): Promise<ShutdownOutcome> {
  const closing = app.close();
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<ShutdownOutcome>((resolve) => {
    timer = setTimeout(() => resolve('forced'), graceMs);
  });
  const outcome = await Promise.race([closing.then((): ShutdownOutcome => 'clean'), graceOver]);
  clearTimeout(timer);
  if (outcome === 'forced') {
    app.log.warn({ graceMs }, 'requests still running after the shutdown grace period; closing their connections');
    app.server.closeAllConnections();
    await closing;
  }
  return outcome;
}
