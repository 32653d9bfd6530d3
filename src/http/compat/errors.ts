import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { problemHandler, UnexpectedFailure, type ProblemFormatter } from '../errors.js';
import type { HttpProblem } from '../problem.js';

/**
 * OpenG2P's REST module answers errors FastAPI's way: `{"detail": "text"}`, or for request
 * validation 422 `{"detail": [{type, loc, msg, input}]}`. Existing clients parse that, so the
 * compatibility routes keep it; the statuses are the module's where clients may rely on them
 * (400 for refusals, 422 for validation), and server failures never carry a Python message.
 */

/** One FastAPI (pydantic) validation error item. */
export interface ValidationItem {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** An error the compatibility routes answer as `{"detail": ...}` with this status. */
export class CompatError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string | ValidationItem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : 'validation failed');
    this.name = 'CompatError';
  }
}

/** 400 with the module's own wording (its business refusals are all 400). */
export const refused = (detail: string): CompatError => new CompatError(400, detail);

export const validationFailed = (items: ValidationItem[]): CompatError => new CompatError(422, items);

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

const ECHO_DEPTH = 3;
const ECHO_ENTRIES = 50;
const ECHO_STRING = 200;

/**
 * The `input` FastAPI echoes, bounded: a caller can send JSON nested thousands deep, and
 * echoing it whole would overflow the serialiser and mirror arbitrarily large bodies back.
 * Deeper or longer parts are cut; clients only read `loc`, `type` and `msg` in practice.
 */
function echoable(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > ECHO_STRING ? `${value.slice(0, ECHO_STRING)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= ECHO_DEPTH) return Array.isArray(value) ? [] : {};
  if (Array.isArray(value)) return value.slice(0, ECHO_ENTRIES).map((item) => echoable(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, ECHO_ENTRIES)
      .map(([key, item]) => [key, echoable(item, depth + 1)]),
  );
}

/** zod issues as FastAPI would have reported them (missing fields, wrong types, date formats). */
export function validationItems(error: z.ZodError, input: unknown, where: 'body' | 'query' | 'path'): ValidationItem[] {
  return error.issues.map((issue) => {
    const item = validationItem(issue, input, where);
    return { ...item, input: echoable(item.input) };
  });
}

function validationItem(issue: z.core.$ZodIssue, input: unknown, where: 'body' | 'query' | 'path'): ValidationItem {
  const path = issue.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
  const loc = [where, ...path];
  const value = valueAt(input, path);
  if (value === undefined && issue.code === 'invalid_type') {
    return { type: 'missing', loc, msg: 'Field required', input: path.length ? (valueAt(input, path.slice(0, -1)) ?? null) : null };
  }
  if (issue.code === 'invalid_type' && issue.expected === 'array') return { type: 'list_type', loc, msg: 'Input should be a valid list', input: value };
  if ((issue.code === 'invalid_type' && issue.expected === 'number') || (path.at(-1) === '_id' && typeof value === 'string')) {
    return { type: 'int_parsing', loc, msg: 'Input should be a valid integer, unable to parse string as an integer', input: value };
  }
  if (issue.code === 'too_small' && issue.origin === 'string') {
    const min = Number(issue.minimum);
    return {
      type: 'string_too_short',
      loc,
      msg: `String should have at least ${min} character${min === 1 ? '' : 's'}`,
      input: value,
      ctx: { min_length: min },
    };
  }
  if (typeof value === 'string' && issue.message === DATE_MESSAGE) {
    return { type: 'value_error', loc, msg: `Value error, time data '${value}' does not match format '%Y-%m-%d'`, input: value, ctx: { error: {} } };
  }
  return { type: issue.code === 'invalid_type' ? `${issue.expected}_type` : 'value_error', loc, msg: issue.message, input: value ?? null };
}

/** The message the compat date schema fails with (recognised above to word it as pydantic does). */
export const DATE_MESSAGE = 'not a YYYY-MM-DD date';
export const isCompatDate = (value: string): boolean => DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));

function sendCompat(reply: FastifyReply, error: CompatError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.status).type('application/json').send({ detail: error.detail });
}

/**
 * A classified failure in the module's words: Fastify's JSON refusals as pydantic's validation
 * items, business refusals as the module's 400, other statuses kept, a 500 without a message.
 */
const formatCompat: ProblemFormatter = (problem, request, reply, err) => {
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return sendCompat(reply, validationFailed([{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: err.message } }]));
  }
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return sendCompat(reply, validationFailed([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]));
  if (problem instanceof UnexpectedFailure) return sendCompat(reply, new CompatError(500, 'Internal Server Error'));
  if (problem.status === 401) return sendCompat(reply, unauthenticated(problem, request));
  return sendCompat(reply, new CompatError(problem.businessRefusal ? 400 : problem.status, problem.detail ?? problem.title, problem.headers));
};

/** Any failure on a compatibility route, as `{"detail": ...}`. */
export const compatErrorHandler = problemHandler(formatCompat, (err, request, reply) => {
  if (!(err instanceof CompatError)) return undefined;
  request.log.info({ status: err.status }, 'request rejected');
  return sendCompat(reply, err);
});

/** Authentication refusals, in the module's words where it has them. */
function unauthenticated(problem: HttpProblem, request: FastifyRequest): CompatError {
  const headers = problem.headers ?? {};
  const scheme = /^\s*(\S+)/.exec(request.headers.authorization ?? '')?.[1]?.toLowerCase();
  if (scheme === 'basic') return new CompatError(401, 'Incorrect username or password', headers);
  // A bearer token the module would not have known: the gateway's reason is more use than its words.
  if (scheme === 'bearer') return new CompatError(401, problem.detail ?? 'Not authenticated', headers);
  return new CompatError(401, 'Not authenticated', headers);
}
