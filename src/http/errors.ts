import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { HttpProblem, sendProblem, type FieldError } from './problem.js';

/**
 * Every failure leaves as RFC 9457 problem+json. Known problems carry their own status and
 * safe detail; anything unexpected is logged in full and answered with a generic 500, so a
 * stack trace or an Odoo traceback can never reach a caller.
 */
export function installErrorHandling(app: FastifyInstance, toProblem: (err: unknown) => HttpProblem | undefined): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const problem = toProblem(err) ?? fromFastifyError(err);
    if (problem) {
      if (problem.status >= 500) request.log.error({ err }, 'request failed');
      else request.log.info({ status: problem.status, reason: problem.title }, 'request rejected');
      return sendProblem(reply, problem);
    }
    request.log.error({ err }, 'unexpected error');
    return sendProblem(reply, new HttpProblem({ status: 500, title: 'Internal Server Error', detail: 'The gateway failed to process the request.' }));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new HttpProblem({ status: 404, title: 'Not Found', detail: `No route ${request.method} ${request.url.split('?')[0]}` })),
  );
}

function fromFastifyError(err: FastifyError): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err;
  if (hasZodFastifySchemaValidationErrors(err) || err.validation) {
    const context = err.validationContext ?? 'request';
    const errors: FieldError[] = (err.validation ?? []).flatMap((v) => {
      // An unknown key is named itself (body.is_group), not its parent object.
      const unknownKeys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: unknown }).keys : undefined;
      if (Array.isArray(unknownKeys) && unknownKeys.length > 0) {
        return unknownKeys.map((key) => ({ field: fieldName(context, `${v.instancePath}/${String(key)}`), message: 'is not a known field' }));
      }
      return [{ field: fieldName(context, v.instancePath), message: v.message ?? 'is invalid' }];
    });
    return new HttpProblem({ status: 400, title: 'Bad Request', detail: describe(errors), errors });
  }
  const status = err.statusCode;
  if (status && status >= 400 && status < 500) {
    // Fastify's own client errors (body too large, bad JSON, unsupported media type): their messages are safe.
    return new HttpProblem({ status, title: titleFor(status), detail: err.message });
  }
  return undefined;
}

function fieldName(context: string, instancePath: string): string {
  const path = instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('');
  return `${context}${path}`;
}

function describe(errors: FieldError[]): string {
  const first = errors[0];
  if (!first) return 'The request is invalid.';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.field}: ${first.message}${more}`;
}

function titleFor(status: number): string {
  return (
    { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 413: 'Content Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests' } as Record<number, string>
  )[status] ?? 'Bad Request';
}
