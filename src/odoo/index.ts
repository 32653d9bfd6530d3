/** The Odoo client's public entry: the rest of the gateway imports from here. */
export * from './errors.js';
export * from './types.js';
export { createOdooConnection } from './connection.js';
export type { OdooCallEvent, OdooConnectionOptions } from './settings.js';
export type { HttpConnection, HttpReply } from './http-connection.js';
export type { OdooProtocol } from './rpc-protocols.js';
export type { BreakerState } from './resilience.js';
export { likeLiteral } from './wire-values.js';
export { ODOO_CALL_CHANNEL, type OdooCallMessage } from './diagnostics.js';
