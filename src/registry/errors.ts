import type { FieldError } from './field-error.js';

/**
 * Business refusals the registry raises itself (before or instead of asking Odoo). The HTTP
 * layer maps `kind` to a status; `message` is safe to show a caller.
 */
export type RegistryErrorKind =
  'not_found' | 'conflict' | 'invalid' | 'stale' | 'bad_cursor' | 'bad_parameter' | 'idempotency_mismatch' | 'in_flight' | 'forbidden_field';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    readonly errors?: FieldError[],
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const isRegistryError = (value: unknown): value is RegistryError => value instanceof RegistryError;

export const registrantNotFound = (what: string, id: number | string): RegistryError => new RegistryError('not_found', `No ${what} with id ${id}.`);

export const invalidInput = (errors: FieldError[]): RegistryError =>
  new RegistryError('invalid', errors.length === 1 ? `${errors[0]!.field}: ${errors[0]!.message}` : `${errors.length} fields are invalid; see errors.`, errors);
