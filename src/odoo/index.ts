import { OdooConnectionImpl } from './connection.js';
import type { OdooConnectionOptions } from './options.js';

export * from './errors.js';
export * from './types.js';
export { odooConnectionOptionsSchema } from './options.js';
export type { OdooCallEvent, OdooConnectionHooks, OdooConnectionOptions, OdooConnectionSettings, OdooLogger } from './options.js';
export type { OdooProtocol } from './transport.js';
export type { BreakerState } from './resilience.js';
export { OdooAccountClient } from './client.js';
export { OdooConnectionImpl } from './connection.js';
export { toOdooDatetime } from './wire-values.js';
export { ODOO_CALL_CHANNEL, type OdooCallMessage } from './diagnostics.js';

/**
 * A configured Odoo: one keep-alive pool, breaker and concurrency bound, shared by the
 * per-account clients it hands out. Options are validated (defaults filled) here.
 */
export function createOdooConnection(options: OdooConnectionOptions): OdooConnectionImpl {
  return new OdooConnectionImpl(options);
}
