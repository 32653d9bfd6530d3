/**
 * Every way an Odoo call can fail, as one error class with an explicit `kind` the HTTP layer
 * maps to a status. `message` is safe to show a caller (Odoo's business message, never a
 * traceback); `debug` carries the traceback or raw body for logs only.
 */

export type OdooErrorKind =
  | 'access_denied' // the gateway's own Odoo credentials are wrong
  | 'unknown_database' // the Odoo server has no database by the name the gateway sends
  | 'access_error' // the account may not do this (ACL, record rule, private method)
  | 'missing' // record does not exist or has been deleted
  | 'validation' // a constraint refused the values (ValidationError)
  | 'user_error' // any other business refusal (UserError)
  | 'server_error' // a programming error on our side or a crash in Odoo (fault code 1, ValueError, ...)
  | 'session_expired' // the web session cookie is no longer valid
  | 'timeout' // Odoo did not answer within the per-call timeout
  | 'unavailable' // connection refused or reset, or the circuit breaker is open
  | 'bad_response'; // a body that is not the protocol's (proxy HTML page, empty, truncated)

/** Kinds that mean the request may never have reached Odoo's ORM: the only ones worth retrying a read for. */
export const TRANSPORT_KINDS: ReadonlySet<OdooErrorKind> = new Set(['timeout', 'unavailable', 'bad_response']);

export interface OdooErrorInit {
  kind: OdooErrorKind;
  message: string;
  odooClass?: string;
  debug?: string;
  httpStatus?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

export class OdooError extends Error {
  override readonly name = 'OdooError';
  readonly kind: OdooErrorKind;
  /** Python class Odoo named, e.g. "odoo.exceptions.ValidationError" (absent for transport failures). */
  readonly odooClass: string | undefined;
  /** Traceback or raw body, for logs; never shown to API callers. */
  readonly debug: string | undefined;
  /** HTTP status of the response, when a response came back at all. */
  readonly httpStatus: number | undefined;
  /**
   * How long until the circuit breaker lets a call through again (the source of the caller's
   * `Retry-After`): on a call the open breaker refused, and on the transport failure that left
   * it open (set by the call pipeline). Absent when nobody knows.
   */
  retryAfterMs: number | undefined;

  constructor(init: OdooErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.odooClass = init.odooClass;
    this.debug = init.debug;
    this.httpStatus = init.httpStatus;
    this.retryAfterMs = init.retryAfterMs;
  }

  get isTransport(): boolean {
    return TRANSPORT_KINDS.has(this.kind);
  }
}

export const isOdooError = (value: unknown): value is OdooError => value instanceof OdooError;

const CLASS_KINDS: Record<string, OdooErrorKind> = {
  'odoo.exceptions.AccessDenied': 'access_denied',
  'odoo.exceptions.AccessError': 'access_error',
  'odoo.exceptions.MissingError': 'missing',
  'odoo.exceptions.ValidationError': 'validation',
  'odoo.exceptions.UserError': 'user_error',
  'odoo.exceptions.RedirectWarning': 'user_error',
  'odoo.http.SessionExpiredException': 'session_expired',
};

/** Message shown for kinds whose Odoo text is technical (class names, SQL, field paths). */
const SERVER_ERROR_MESSAGE = 'Odoo could not process the request';

/** From a JSON-RPC `error` member: `data.name` is the Python exception class. */
export function errorFromJsonRpc(error: { code?: unknown; message?: unknown; data?: Record<string, unknown> }, httpStatus?: number): OdooError {
  const data = error.data ?? {};
  const odooClass = typeof data.name === 'string' ? data.name : undefined;
  const odooMessage = typeof data.message === 'string' ? data.message : typeof error.message === 'string' ? error.message : '';
  const debug = typeof data.debug === 'string' ? data.debug : undefined;
  let kind: OdooErrorKind = (odooClass && CLASS_KINDS[odooClass]) || 'server_error';
  if (error.code === 100) kind = 'session_expired';
  const unknownDatabase = unknownDatabaseError(
    odooClass === 'odoo.exceptions.AccessError' || odooClass === 'psycopg2.OperationalError' ? odooMessage : '',
    httpStatus,
    debug,
  );
  if (unknownDatabase) return unknownDatabase;
  return new OdooError({
    kind,
    odooClass,
    message: kind === 'server_error' ? SERVER_ERROR_MESSAGE : odooMessage.trim(),
    debug,
    httpStatus,
  });
}

const MISSING_PREFIX = 'Record does not exist or has been deleted.';

/**
 * From an XML-RPC fault. Odoo folds classes into four codes: 1 any other exception (the string
 * is the traceback), 2 UserError and its subclasses (ValidationError, MissingError), 3
 * AccessDenied, 4 AccessError. Code 2 does not say which subclass: MissingError is known by its
 * fixed message; ValidationError cannot be told from UserError, so those are `user_error`.
 */
export function errorFromXmlRpcFault(faultCode: unknown, faultString: unknown, httpStatus?: number): OdooError {
  const text = typeof faultString === 'string' ? faultString : String(faultString ?? '');
  const unknownDatabase = faultCode === 1 || faultCode === 4 ? unknownDatabaseError(text, httpStatus, text) : undefined;
  if (unknownDatabase) return unknownDatabase;
  switch (faultCode) {
    case 3:
      return new OdooError({ kind: 'access_denied', odooClass: 'odoo.exceptions.AccessDenied', message: text.trim() || 'Access Denied', httpStatus });
    case 4:
      return new OdooError({ kind: 'access_error', odooClass: 'odoo.exceptions.AccessError', message: text.trim(), httpStatus });
    case 2:
      if (text.startsWith(MISSING_PREFIX)) {
        return new OdooError({ kind: 'missing', odooClass: 'odoo.exceptions.MissingError', message: text.trim(), httpStatus });
      }
      return new OdooError({ kind: 'user_error', odooClass: 'odoo.exceptions.UserError', message: text.trim(), httpStatus });
    default:
      return new OdooError({ kind: 'server_error', odooClass: pythonClassFromTraceback(text), message: SERVER_ERROR_MESSAGE, debug: text, httpStatus });
  }
}

/**
 * A database name the server does not have: `/web/session/authenticate` raises AccessError
 * "Database not found."; the RPC services fail in PostgreSQL (`database "x" does not exist`),
 * as a traceback over XML-RPC.
 */
function unknownDatabaseError(text: string, httpStatus: number | undefined, debug: string | undefined): OdooError | undefined {
  const named = /database "([^"\n]*)" does not exist/.exec(text);
  if (!named && text.trim() !== 'Database not found.') return undefined;
  const message = named ? `the Odoo server has no database "${named[1]}"` : 'the Odoo server has no database by the name sent';
  return new OdooError({ kind: 'unknown_database', message, httpStatus, debug });
}

/** The exception class named on a traceback's last line ("ValueError: Invalid field ..." -> "builtins.ValueError"). */
function pythonClassFromTraceback(traceback: string): string | undefined {
  const lines = traceback.trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = /^([A-Za-z_][\w.]*)(?::|$)/.exec(lines[i]!);
    if (match && !lines[i]!.startsWith(' ')) {
      const name = match[1]!;
      return name.includes('.') ? name : `builtins.${name}`;
    }
  }
  return undefined;
}

export const accessDenied = (message = 'Access Denied'): OdooError =>
  new OdooError({ kind: 'access_denied', odooClass: 'odoo.exceptions.AccessDenied', message });

export const badResponse = (message: string, httpStatus: number | undefined, body: string | undefined, cause?: unknown): OdooError =>
  new OdooError({ kind: 'bad_response', message, httpStatus, debug: body === undefined ? undefined : body.slice(0, 2000), cause });
