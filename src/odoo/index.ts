/** The Odoo client's public entry: the rest of the gateway imports from here. */
export * from './errors.js';
export * from './types.js';
export { createOdooConnection } from './connection.js';
export { DEFAULT_ODOO_TIMEOUT_MS, odooSettingsSchema } from './settings.js';
export type { OdooCallEvent, OdooConnectionHooks, OdooConnectionOptions, OdooConnectionSettings, OdooLogger } from './settings.js';
export type { HttpConnection, HttpReply, PostOptions } from './http-connection.js';
export type { OdooProtocol } from './rpc-protocols.js';
export type { BreakerState } from './resilience.js';
export { OdooAccountClient } from './client.js';
export { likeLiteral, toOdooDatetime } from './wire-values.js';
export { ODOO_CALL_CHANNEL, type OdooCallMessage } from './diagnostics.js';
