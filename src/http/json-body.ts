import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problem.js';

/**
 * Whether a JSON text nests objects/arrays deeper than `max`, found by one pass over its
 * characters before anything parses or walks it: a deep enough body overflows the stack of any
 * recursive walk after the parser (schema validation, canonical JSON for signatures, logging).
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * The app's JSON body parser (every surface: REST, compat, DCI, custom endpoints): Fastify's
 * own (prototype-poisoning refused), behind a nesting depth check. A refused body is a 400 the
 * route's error shape answers (problem+json, FastAPI's detail, the DCI error acknowledgement),
 * raised before any handler runs, so nothing of the message is stored.
 */
export function installJsonBodyParser(app: FastifyInstance, maxDepth: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (nestsDeeperThan(text, maxDepth)) {
      const message = `nests objects and arrays deeper than ${maxDepth} levels`;
      done(new HttpProblem({ status: 400, title: 'Bad Request', detail: `body: ${message}.`, errors: [{ field: 'body', message }] }), undefined);
      return;
    }
    void parse(request, text, done);
  });
}
