import { OdooSimError } from '../exceptions.js';

/**
 * How the real server reports each Python exception class on each protocol. The ORM only
 * raises OdooSimError; this module owns the class → fault code / envelope mapping.
 */

/** Odoo's XML-RPC fault codes (odoo/addons/base/controllers/rpc.py). */
export const FAULT_OTHER = 1;
export const FAULT_WARNING = 2;
export const FAULT_ACCESS_DENIED = 3;
export const FAULT_ACCESS_ERROR = 4;

/** Exception classes that are subclasses of odoo.exceptions.UserError (fault code 2). */
const USER_ERROR_CLASSES = new Set([
  'odoo.exceptions.UserError',
  'odoo.exceptions.ValidationError',
  'odoo.exceptions.MissingError',
  'odoo.exceptions.RedirectWarning',
  'odoo.exceptions.CacheMiss',
]);

/** The last line of a Python traceback: builtins print the bare class name, others the qualified one. */
export function exceptionLine(error: OdooSimError): string {
  const display = error.pythonClass.startsWith('builtins.') ? error.pythonClass.slice('builtins.'.length) : error.pythonClass;
  // str(KeyError('x')) is the repr of the key, so the traceback quotes it while data.message does not.
  const text = error.pythonClass === 'builtins.KeyError' ? `'${error.message}'` : error.message;
  return text === '' ? display : `${display}: ${text}`;
}

/**
 * A traceback in the real server's layout. Its frames are not meant to match the real ones
 * (they are Odoo internals and paths); the final line — class and message — is.
 */
export function tracebackText(error: OdooSimError, frames: string[] = DEFAULT_FRAMES): string {
  if (error.traceback) return error.traceback;
  return `Traceback (most recent call last):\n${frames.join('')}${exceptionLine(error)}\n`;
}

const DEFAULT_FRAMES = ['  File "/srv/odoo/odoo/service/model.py", line 65, in execute\n    res = execute_cr(cr, uid, obj, method, *args, **kw)\n'];

/** The outer frames of the real server's tracebacks on each transport (paths as scrubbed in the recordings). */
const XMLRPC_FRAMES = [
  '  File "/srv/odoo/odoo/addons/base/controllers/rpc.py", line 147, in xmlrpc_2\n    response = self._xmlrpc(service)\n               ^^^^^^^^^^^^^^^^^^^^^\n',
  '  File "/srv/odoo/odoo/addons/base/controllers/rpc.py", line 127, in _xmlrpc\n    result = dispatch_rpc(service, method, params)\n             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n',
];
const JSON_FRAMES = [
  '  File "/srv/odoo/odoo/http.py", line 1764, in _serve_db\n    return service_model.retrying(self._serve_ir_http, self.env)\n           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n',
  '  File "/srv/odoo/odoo/service/model.py", line 133, in retrying\n    result = func()\n             ^^^^^^\n',
];

/** faultCode and faultString of /xmlrpc/2 (xmlrpc_handle_exception_int). */
export function xmlrpcFault(error: OdooSimError): { faultCode: number; faultString: string } {
  const cls = error.pythonClass;
  if (cls === 'odoo.exceptions.AccessDenied') return { faultCode: FAULT_ACCESS_DENIED, faultString: error.message };
  if (cls === 'odoo.exceptions.AccessError') return { faultCode: FAULT_ACCESS_ERROR, faultString: error.message };
  if (USER_ERROR_CLASSES.has(cls)) return { faultCode: FAULT_WARNING, faultString: error.message };
  return { faultCode: FAULT_OTHER, faultString: tracebackText(error, XMLRPC_FRAMES) };
}

/** faultCode and faultString of the legacy /xmlrpc (xmlrpc_handle_exception_string): the code is a string. */
export function legacyXmlrpcFault(error: OdooSimError): { faultCode: string; faultString: string } {
  const cls = error.pythonClass;
  if (cls === 'odoo.exceptions.RedirectWarning') return { faultCode: `warning -- Warning\n\n${error.message}`, faultString: '' };
  if (cls === 'odoo.exceptions.MissingError') return { faultCode: `warning -- MissingError\n\n${error.message}`, faultString: '' };
  if (cls === 'odoo.exceptions.AccessError') return { faultCode: `warning -- AccessError\n\n${error.message}`, faultString: '' };
  if (cls === 'odoo.exceptions.AccessDenied') return { faultCode: 'AccessDenied', faultString: error.message };
  if (USER_ERROR_CLASSES.has(cls)) return { faultCode: `warning -- UserError\n\n${error.message}`, faultString: '' };
  return { faultCode: error.message, faultString: tracebackText(error, XMLRPC_FRAMES) };
}

export interface JsonRpcError {
  code: number;
  message: string;
  data: { name: string; debug: string; message: string; arguments: unknown[]; context: Record<string, unknown> };
}

/** The `error` member of a JSON-RPC response (odoo.http.serialize_exception). */
export function jsonRpcError(error: OdooSimError): JsonRpcError {
  const expired = error.pythonClass === 'odoo.http.SessionExpiredException';
  return {
    code: expired ? 100 : 200,
    message: expired ? 'Odoo Session Expired' : 'Odoo Server Error',
    data: {
      name: error.pythonClass,
      debug: tracebackText(error, JSON_FRAMES),
      message: error.message,
      arguments: [error.message],
      context: {},
    },
  };
}

/** Any thrown value as an OdooSimError (a JS bug in the simulator shows up as a Python-looking error). */
export function asSimError(error: unknown): OdooSimError {
  if (error instanceof OdooSimError) return error;
  if (error && typeof error === 'object' && 'pythonClass' in error && typeof (error as { pythonClass: unknown }).pythonClass === 'string') {
    return new OdooSimError((error as { pythonClass: string }).pythonClass, String((error as { message?: unknown }).message ?? ''));
  }
  return new OdooSimError('builtins.Exception', error instanceof Error ? error.message : String(error));
}
