import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * `Expect: 100-continue` answered only once the request has passed authentication. Node answers
 * 100 Continue by itself the moment the headers arrive, which invites an anonymous client to send
 * its whole body; with a `checkContinue` listener it leaves the choice to us. The 100 goes out
 * when the body is about to be read (preParsing, after every onRequest check), so a caller
 * refused there gets its 401/403/429 without one, and never uploads the body.
 */
export function answerContinueAfterAuthentication(app: FastifyInstance): void {
  const waiting = new WeakSet<IncomingMessage>();
  app.server.on('checkContinue', (request, response) => {
    waiting.add(request);
    app.server.emit('request', request, response);
  });
  app.addHook('preParsing', async (request, reply, payload) => {
    if (waiting.delete(request.raw)) reply.raw.writeContinue();
    return payload;
  });
}
