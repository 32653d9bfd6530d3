import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { badResponse, errorFromXmlRpcFault, OdooError } from './errors.js';
import type { HttpReply } from './http-connection.js';
import { toWireValue } from './wire-values.js';

/*
 * Guarded use of the `xmlrpc` package's serializer and deserializer. The HTTP exchange itself
 * goes through undici (keep-alive pool, abort signal), because the package's own client has
 * neither a timeout nor a way to see an HTML error page before parsing it.
 */

interface XmlRpcFault extends Error {
  faultCode?: unknown;
  faultString?: unknown;
}

interface DeserializerInstance {
  deserializeMethodResponse(stream: NodeJS.ReadableStream, callback: (error: XmlRpcFault | null | undefined, value?: unknown) => void): void;
  endI8(data: string): void;
  push(value: unknown): void;
  value: boolean;
}

const require = createRequire(import.meta.url);
const Serializer = require('xmlrpc/lib/serializer.js') as { serializeMethodCall(method: string, params: unknown[], encoding?: string): string };
const Deserializer = require('xmlrpc/lib/deserializer.js') as new (encoding?: string) => DeserializerInstance;

/**
 * The XML of a methodCall. The package throws synchronously on what XML cannot carry (a control
 * character in a string): that becomes an OdooError instead of escaping the promise chain.
 */
export function encodeXmlRpc(method: string, params: unknown[]): string {
  try {
    return Serializer.serializeMethodCall(method, params.map(toWireValue));
  } catch (err) {
    throw new OdooError({
      kind: 'server_error',
      message: 'The request contains a value XML-RPC cannot carry',
      debug: err instanceof Error ? err.message : String(err),
      cause: err,
    });
  }
}

/** Parses a methodResponse text: the value, or the fault as a typed OdooError. */
export function decodeXmlRpcText(text: string, httpStatus?: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const deserializer = new Deserializer('utf8');
    // The package hands <i8> back as a string; Odoo's ids and counts must stay numbers.
    deserializer.endI8 = function endI8(this: DeserializerInstance, data: string) {
      if (!/^-?\d+$/.test(data)) throw new Error(`Expected integer (I8) value but got '${data}'`);
      this.push(Number(data));
      this.value = false;
    };
    const stream = new PassThrough();
    try {
      deserializer.deserializeMethodResponse(stream, (error, value) => {
        if (settled) return;
        settled = true;
        if (!error) return resolve(value);
        if (error.faultCode !== undefined) return reject(errorFromXmlRpcFault(error.faultCode, error.faultString, httpStatus));
        reject(badResponse(`Odoo answered HTTP ${httpStatus ?? '?'} with a body that is not XML-RPC`, httpStatus, text, error));
      });
      stream.end(text, 'utf8');
    } catch (err) {
      if (!settled) {
        settled = true;
        reject(badResponse('XML-RPC body could not be parsed', httpStatus, text, err));
      }
    }
  });
}

/**
 * Checks the envelope before parsing: an HTML page or empty body (a proxy's 502, Odoo's 405)
 * is a transport failure with the HTTP status, not a parse error.
 */
export function decodeXmlRpc(reply: HttpReply): Promise<unknown> {
  const head = reply.text.trimStart().slice(0, 64);
  if (reply.status !== 200 || !(head.startsWith('<?xml') || head.startsWith('<methodResponse'))) {
    return Promise.reject(badResponse(`Odoo answered HTTP ${reply.status} without an XML-RPC body`, reply.status, reply.text));
  }
  return decodeXmlRpcText(reply.text, reply.status);
}
