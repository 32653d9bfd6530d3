import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { odooProblem } from './odoo-errors.js';
import { HttpProblem, sendProblem, type FieldError } from './problem.js';

/**
 * The answer to a failure nothing classified: logged in full by the error handler, shown to the
 * caller only as a generic 500, so a stack trace or an Odoo traceback can never reach a caller.
 */
export class UnexpectedFailure extends HttpProblem {
  constructor() {
    super({ status: 500, detail: 'The gateway failed to process the request.' });
  }
}

/**
 * What a failure means, decided once for every surface: the gateway's own problems as thrown,
 * registry, Odoo and state-store failures (`odooProblem`), Fastify's schema validation and its
 * own refusals (router, body parser), and anything else an `UnexpectedFailure`.
 */
export function toProblem(err: unknown, request?: FastifyRequest): HttpProblem {
  if (err instanceof HttpProblem) return err;
  return odooProblem(err) ?? (err instanceof Error ? frameworkProblem(err as FastifyError, request) : undefined) ?? new UnexpectedFailure();
}

/** How one surface writes a classified failure: problem+json, DCI's shapes, the compatibility `{detail}`. */
export type ProblemFormatter = (problem: HttpProblem, request: FastifyRequest, reply: FastifyReply, err: FastifyError) => FastifyReply;

/**
 * An error handler for one surface: `own` answers the surface's own error types (a DCI message
 * refusal, an OAuth error), everything else is classified by `toProblem`, logged, and written
 * by `format`.
 */
export function problemHandler(
  format: ProblemFormatter,
  own?: (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined,
): (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (err, request, reply) => {
    const answered = own?.(err, request, reply);
    if (answered) return answered;
    const problem = toProblem(err, request);
    if (problem instanceof UnexpectedFailure) request.log.error({ err }, 'unexpected error');
    else if (problem.status >= 500) request.log.error({ err }, 'request failed');
    // A refused authentication counted rather than logged (RefusalLog) gets no line here either.
    else if (!request.server.services?.refusals.unlogged(request)) request.log.info({ status: problem.status, reason: problem.title }, 'request rejected');
    return format(problem, request, reply, err);
  };
}

const problemJson: ProblemFormatter = (problem, _request, reply) => sendProblem(reply, problem);

/** Every failure on the REST API leaves as RFC 9457 problem+json; a request no route takes is answered by `unrouted`. */
export function installErrorHandling(app: FastifyInstance, unrouted: { problem(request: FastifyRequest): HttpProblem }): void {
  app.setErrorHandler(problemHandler(problemJson));
  app.setNotFoundHandler((request, reply) => sendProblem(reply, unrouted.problem(request)));
}

/**
 * Fastify's `frameworkErrors` option: a URL the router cannot decode (`%ff` in a path
 * parameter) or a parameter over the router's length bound is refused before routing, where
 * the error handler is not reached. Answered as problem+json like every other refusal.
 */
export const frameworkErrors = problemHandler(problemJson);

function frameworkProblem(err: FastifyError, request?: FastifyRequest): HttpProblem | undefined {
  // Schema validation (zod through fastify-type-provider-zod, or Fastify's own) fills err.validation.
  if (err.validation) {
    const context = PART_NAMES[err.validationContext ?? ''] ?? 'request';
    const errors: FieldError[] = (err.validation ?? []).flatMap((v) => {
      // An unknown key is named itself (body.is_group), not its parent object.
      const unknownKeys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: unknown }).keys : undefined;
      if (Array.isArray(unknownKeys) && unknownKeys.length > 0) {
        // Appended after the split: the caller's key may itself hold a `/` (the path separator).
        return unknownKeys.map((key) => ({ field: `${fieldName(context, v.instancePath)}.${String(key)}`, message: 'is not a known field' }));
      }
      return [{ field: fieldName(context, v.instancePath), message: clearMessage(v.message ?? 'is invalid') }];
    });
    return new HttpProblem({ status: 400, detail: describe(errors), errors });
  }
  const refusal = ROUTER_REFUSALS[err.code];
  if (refusal) {
    const errors = [{ field: 'params', message: refusal.message }];
    return new HttpProblem({ status: refusal.status, detail: `params: ${refusal.message}`, errors });
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const given = request?.headers['content-type']?.split(';')[0]?.trim() || 'no content type';
    const message = `${given} is not accepted; send ${ACCEPTED_BODY_TYPES.join(' or ')}`;
    return new HttpProblem({
      status: 415,
      detail: message,
      errors: [{ field: 'headers.content-type', message }],
      extensions: { accepted: ACCEPTED_BODY_TYPES },
    });
  }
  const status = err.statusCode;
  if (status && status >= 400 && status < 500) {
    // Fastify's own client errors (body too large, bad JSON, unsupported media type): their messages are safe.
    const field = FRAMEWORK_ERROR_FIELDS[err.code];
    return new HttpProblem({ status, detail: err.message, ...(field ? { errors: [{ field, message: err.message }] } : {}) });
  }
  return undefined;
}

/**
 * One naming scheme for every field a problem names: `query.limit`, `headers.if-match`,
 * `params.id`, `body.reg_ids[0].value` (Fastify calls the query string `querystring`).
 */
const PART_NAMES: Record<string, string> = { querystring: 'query', body: 'body', params: 'params', headers: 'headers' };

/** The bodies the API parses (the token endpoint, with its own error answers, also takes form bodies). */
const ACCEPTED_BODY_TYPES = ['application/json'];

/**
 * zod's coercion reports text that is not a number as "expected number, received NaN": the
 * caller sent text, never NaN.
 */
function clearMessage(message: string): string {
  return message.replace(/^Invalid input: expected number, received NaN$/, 'must be a number');
}

/**
 * Which part of the request Fastify's own refusals are about, so these problems name the field
 * like the schema's do: the body that does not parse, the header that does not fit.
 */
const FRAMEWORK_ERROR_FIELDS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'headers.content-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'headers.content-length',
};

/** The router's refusals, before routing (`frameworkErrors`): about the path parameters. */
const ROUTER_REFUSALS: Record<string, { status: number; message: string }> = {
  FST_ERR_BAD_URL: { status: 400, message: 'a path parameter is not valid percent-encoded UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, message: 'a path parameter is too long' },
};

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
