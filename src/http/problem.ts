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
    /** The status's own title (the table below) unless given. */
    title?: string;
    detail?: string;
    type?: string;
    errors?: FieldError[];
    headers?: Record<string, string>;
    extensions?: Record<string, unknown>;
    businessRefusal?: boolean;
  }) {
    const title = init.title ?? problemTitle(init.status);
    super(init.detail ?? title);
    this.name = 'HttpProblem';
    this.status = init.status;
    this.title = title;
    this.detail = init.detail;
    this.type = init.type ?? problemType(init.status);
    this.errors = init.errors;
    this.headers = init.headers;
    this.extensions = init.extensions;
    this.businessRefusal = init.businessRefusal ?? false;
  }
}

/** Each status the gateway answers with: its problem title (RFC 9110's reason phrase) and type. */
const PROBLEMS: Record<number, { title: string; type: string }> = {
  400: { title: 'Bad Request', type: 'bad-request' },
  401: { title: 'Unauthorized', type: 'unauthorized' },
  403: { title: 'Forbidden', type: 'forbidden' },
  404: { title: 'Not Found', type: 'not-found' },
  405: { title: 'Method Not Allowed', type: 'method-not-allowed' },
  406: { title: 'Not Acceptable', type: 'not-acceptable' },
  409: { title: 'Conflict', type: 'conflict' },
  412: { title: 'Precondition Failed', type: 'precondition-failed' },
  413: { title: 'Content Too Large', type: 'payload-too-large' },
  414: { title: 'URI Too Long', type: 'uri-too-long' },
  415: { title: 'Unsupported Media Type', type: 'unsupported-media-type' },
  422: { title: 'Unprocessable Content', type: 'unprocessable-content' },
  428: { title: 'Precondition Required', type: 'precondition-required' },
  429: { title: 'Too Many Requests', type: 'too-many-requests' },
  500: { title: 'Internal Server Error', type: 'internal-error' },
  502: { title: 'Bad Gateway', type: 'bad-gateway' },
  503: { title: 'Service Unavailable', type: 'service-unavailable' },
  504: { title: 'Gateway Timeout', type: 'gateway-timeout' },
};

/** Problem type URIs are relative references, stable across deployments (RFC 9457 §3.1.1). */
export function problemType(status: number): string {
  return `/problems/${PROBLEMS[status]?.type ?? 'error'}`;
}

/** The problem title of a status (a client error the table lacks reads as a bad request, a server error as an internal one). */
export function problemTitle(status: number): string {
  return PROBLEMS[status]?.title ?? (status < 500 ? 'Bad Request' : 'Internal Server Error');
}

export function sendProblem(reply: FastifyReply, problem: HttpProblem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problemBody(problem, reply.request.id));
}

/** The RFC 9457 object of a problem, as every answer and a failed export's last line carry it. */
export function problemBody(problem: HttpProblem, requestId: string): Record<string, unknown> {
  return {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    ...(problem.detail !== undefined ? { detail: problem.detail } : {}),
    instance: `urn:request:${requestId}`,
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...problem.extensions,
  };
}
