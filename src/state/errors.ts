/**
 * The shared state store (Redis) could not be used: a guarantee that needs it (idempotent
 * create, If-Match serialisation, DCI replay guard, a rate limit set to refuse) cannot be given,
 * so the request is refused (503) rather than run without it. Nothing was written to Odoo.
 */
export class StateUnavailableError extends Error {
  override readonly name = 'StateUnavailableError';
  constructor(
    /** What could not be guaranteed, for the caller: "the Idempotency-Key", "If-Match"... */
    readonly guarantee: string,
    options?: { cause?: unknown },
  ) {
    super(`The shared state store is unavailable, so ${guarantee} cannot be guaranteed; nothing was written. Retry shortly.`, options);
  }
}

export const isStateUnavailable = (value: unknown): value is StateUnavailableError => value instanceof StateUnavailableError;
