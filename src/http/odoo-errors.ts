import { isOdooError, type OdooError } from '../odoo/errors.js';
import { isRegistryError, type RegistryError } from '../registry/errors.js';
import { DUPLICATE_MESSAGE } from '../registry/refusals.js';
import { isStateUnavailable } from '../state/errors.js';
import { HttpProblem } from './problem.js';

/**
 * Seconds to wait when Odoo failed on the wire and no breaker wait is known (the connection
 * was refused while the breaker was still closed): the breaker's default open time.
 */
const UNKNOWN_WAIT_SECONDS = 10;

/**
 * `Retry-After` for a transport failure: the open breaker's remaining wait carried on the
 * error, in whole seconds rounded up and at least 1 (a probe may be in flight right now).
 */
export function odooRetryAfter(err: OdooError): string {
  if (err.retryAfterMs === undefined) return String(UNKNOWN_WAIT_SECONDS);
  return String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
}

/**
 * Problems for failures from below the routes: Odoo's typed errors, the registry's own
 * refusals, and the shared state store being down (503: a guarantee could not be given). Details are safe for callers: Odoo's business message at most, never a traceback
 * (those stay in `OdooError.debug`, logged by the error handler for 5xx).
 */
export function odooProblem(err: unknown): HttpProblem | undefined {
  if (isRegistryError(err)) return registryProblem(err);
  if (isOdooError(err)) return fromOdoo(err);
  if (isStateUnavailable(err)) {
    return new HttpProblem({ status: 503, detail: err.message, headers: { 'retry-after': STATE_RETRY_AFTER_SECONDS }, type: '/problems/state-unavailable' });
  }
  return undefined;
}

/** Redis reconnects within a couple of seconds of coming back. */
const STATE_RETRY_AFTER_SECONDS = '2';

function fromOdoo(err: OdooError): HttpProblem {
  switch (err.kind) {
    case 'access_denied':
      return new HttpProblem({ status: 502, detail: 'The gateway could not sign in to the registry (its Odoo credentials were refused).' });
    case 'unknown_database':
      return new HttpProblem({ status: 502, detail: "The registry's Odoo server has no database by the configured name (odoo.db / ODOO_DB)." });
    case 'access_error':
      return new HttpProblem({
        status: 403,
        // Odoo's own text names its models and security groups: it stays in the gateway's log. The
        // account may be the gateway's or (Basic on the compatibility surface) the caller's own.
        detail: 'Odoo refused the operation: the account this request acts as lacks the access rights for it.',
        type: '/problems/odoo-access-error',
      });
    case 'missing':
      return new HttpProblem({ status: 404, detail: 'The record does not exist or has been deleted.' });
    case 'validation':
    case 'user_error': {
      const message = firstLine(err.message) || 'Odoo refused the values.';
      if (DUPLICATE_MESSAGE.test(message)) return new HttpProblem({ status: 409, detail: message });
      return new HttpProblem({ status: 422, detail: message, businessRefusal: true });
    }
    case 'timeout':
      return new HttpProblem({
        status: 504,
        detail: 'The registry did not answer in time. A create may or may not have happened: retry with the same Idempotency-Key.',
      });
    case 'unavailable':
      return new HttpProblem({
        status: 503,
        detail: 'The registry is unreachable; retry later.',
        headers: { 'retry-after': odooRetryAfter(err) },
      });
    case 'session_expired':
    case 'server_error':
    case 'bad_response':
      return new HttpProblem({ status: 502, detail: 'The registry failed to process the request.' });
  }
}

function registryProblem(err: RegistryError): HttpProblem {
  const extensions = err.extensions;
  switch (err.kind) {
    case 'not_found':
      return new HttpProblem({ status: 404, detail: err.message, extensions });
    case 'conflict':
      return new HttpProblem({ status: 409, detail: err.message, errors: err.errors, extensions });
    case 'invalid':
      return new HttpProblem({ status: 422, detail: err.message, errors: err.errors, extensions, businessRefusal: true });
    case 'stale':
      return new HttpProblem({ status: 412, detail: err.message });
    case 'bad_cursor':
      return new HttpProblem({ status: 400, detail: err.message, errors: [{ field: 'query.cursor', message: err.message }] });
    case 'bad_parameter':
      return new HttpProblem({ status: 400, detail: err.message, errors: err.errors });
    case 'idempotency_mismatch':
      return new HttpProblem({ status: 422, detail: err.message, errors: [{ field: 'headers.idempotency-key', message: err.message }] });
    case 'in_flight':
      return new HttpProblem({ status: 409, detail: err.message, headers: { 'retry-after': '1' } });
    case 'forbidden_field':
      return new HttpProblem({ status: 403, detail: err.message, errors: err.errors });
  }
}

/** Odoo messages can run to several lines (a ValidationError with context); the first says it. */
function firstLine(message: string): string {
  return message.split('\n')[0]!.trim().slice(0, 500);
}
