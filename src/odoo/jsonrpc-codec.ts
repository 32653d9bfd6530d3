import { badResponse, errorFromJsonRpc } from './errors.js';
import type { HttpReply } from './http-connection.js';

let nextId = 1;

/** A JSON-RPC 2.0 `call` envelope as Odoo's `/jsonrpc` and `/web/...` JSON routes expect it. */
export function encodeJsonRpc(params: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: '2.0', method: 'call', params, id: nextId++ });
}

/**
 * The `result` of a JSON-RPC reply, or the typed error it carries. Odoo omits `result` when the
 * method returned None, which is decoded as null. Anything that is not a JSON-RPC envelope (a
 * proxy's HTML page, an empty or cut body, Odoo's own 400 "Invalid JSON data") is `bad_response`
 * carrying the HTTP status.
 */
export function decodeJsonRpc(reply: HttpReply): unknown {
  let envelope: unknown;
  try {
    envelope = JSON.parse(reply.text);
  } catch (err) {
    throw badResponse(`Odoo answered HTTP ${reply.status} with a body that is not JSON`, reply.status, reply.text, err);
  }
  if (envelope === null || typeof envelope !== 'object' || (envelope as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
    throw badResponse(`Odoo answered HTTP ${reply.status} with JSON that is not a JSON-RPC reply`, reply.status, reply.text);
  }
  const { error, result } = envelope as { error?: unknown; result?: unknown };
  if (error !== undefined && error !== null) {
    if (typeof error !== 'object') throw badResponse('JSON-RPC error member is not an object', reply.status, reply.text);
    throw errorFromJsonRpc(error as { code?: unknown; message?: unknown; data?: Record<string, unknown> }, reply.status);
  }
  if (reply.status !== 200) throw badResponse(`Odoo answered HTTP ${reply.status}`, reply.status, reply.text);
  return result === undefined ? null : result;
}
