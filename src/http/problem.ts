import type { FastifyReply } from 'fastify';

/** One invalid input: where it is (`body.reg_ids[0].value`, `query.limit`) and why. */
export interface FieldError {
  field: string;
  message: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/**
 * An RFC 9457 problem the gateway answers with. Thrown anywhere below the routes; the error
 * handler renders it. `detail` must be safe to show a caller: never a traceback, never a token.
 */
export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly type: string;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;
  /** Extension members (RFC 9457 §3.2), e.g. `missing_role`. */
  readonly extensions?: Record<string, unknown>;
  /**
   * The registry or Odoo refused the values on a business rule (not the request's form): the
   * compatibility surface answers these with the OpenG2P module's 400. Not rendered.
   */
  readonly businessRefusal: boolean;

  constructor(init: {
    status: number;
    title: string;
    detail?: string;
    type?: string;
    errors?: FieldError[];
    headers?: Record<string, string>;
    extensions?: Record<string, unknown>;
    businessRefusal?: boolean;
  }) {
    super(init.detail ?? init.title);
    this.name = 'HttpProblem';
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.type = init.type ?? problemType(init.status);
    this.errors = init.errors;
    this.headers = init.headers;
    this.extensions = init.extensions;
    this.businessRefusal = init.businessRefusal ?? false;
  }
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  412: 'precondition-failed',
  413: 'payload-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  422: 'unprocessable-content',
  428: 'precondition-required',
  429: 'too-many-requests',
  500: 'internal-error',
  502: 'bad-gateway',
  503: 'service-unavailable',
  504: 'gateway-timeout',
};

/** Problem type URIs are relative references, stable across deployments (RFC 9457 §3.1.1). */
export function problemType(status: number): string {
  return `/problems/${TYPE_BY_STATUS[status] ?? 'error'}`;
}

export function sendProblem(reply: FastifyReply, problem: HttpProblem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value);
  const body: Record<string, unknown> = {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    ...(problem.detail !== undefined ? { detail: problem.detail } : {}),
    instance: `urn:request:${reply.request.id}`,
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...problem.extensions,
  };
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new HttpProblem({ status: 400, title: 'Bad Request', detail, errors });
export const notFound = (detail: string) => new HttpProblem({ status: 404, title: 'Not Found', detail });
export const conflict = (detail: string, errors?: FieldError[]) =>
  new HttpProblem({ status: 409, title: 'Conflict', detail, errors });
export const preconditionFailed = (detail: string) =>
  new HttpProblem({ status: 412, title: 'Precondition Failed', detail });
export const unprocessable = (detail: string, errors?: FieldError[]) =>
  new HttpProblem({ status: 422, title: 'Unprocessable Content', detail, errors });
