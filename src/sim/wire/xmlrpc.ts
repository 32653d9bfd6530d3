import { PyFloat } from '../pyvalues.js';
import { parseXml, type XmlElement } from './xml-tree.js';
import { pythonFloatRepr } from './pyjson.js';

/** An XML-RPC <dateTime.iso8601> parameter: Python hands the ORM an xmlrpc.client.DateTime, not a string. */
export class XmlRpcDateTime {
  constructor(readonly value: string) {}
}

/** An XML-RPC <base64> parameter (xmlrpc.client.Binary in Python). */
export class XmlRpcBinary {
  constructor(readonly data: Buffer) {}
}

/** A value the marshaller cannot write; carries the Python exception the real server raises. */
export class MarshalError extends Error {
  constructor(
    readonly pythonClass: string,
    message: string,
  ) {
    super(message);
  }
}

/** A malformed request body; the message is what Python's loads() raises. */
export class XmlRpcRequestError extends Error {
  constructor(
    readonly pythonClass: string,
    message: string,
  ) {
    super(message);
  }
}

export interface XmlRpcCall {
  method: string;
  params: unknown[];
}

const MAXINT = 2 ** 31 - 1;
const MININT = -(2 ** 31);

function only(element: XmlElement): XmlElement | undefined {
  return element.children[0];
}

function decodeValue(value: XmlElement): unknown {
  const typed = only(value);
  if (!typed) return value.text;
  const text = typed.text;
  switch (typed.name) {
    case 'int':
    case 'i4':
    case 'i8':
    case 'i1':
    case 'i2':
    case 'biginteger': {
      const parsed = Number.parseInt(text.trim(), 10);
      if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new XmlRpcRequestError('builtins.ValueError', `invalid literal for int() with base 10: '${text}'`);
      return parsed;
    }
    case 'boolean':
      if (text === '0') return false;
      if (text === '1') return true;
      throw new XmlRpcRequestError('builtins.TypeError', 'bad boolean value');
    case 'double':
    case 'float':
    case 'bigdecimal':
      return new PyFloat(Number.parseFloat(text));
    case 'string':
      return text;
    case 'nil':
      return null;
    case 'dateTime.iso8601':
      return new XmlRpcDateTime(text.trim());
    case 'base64':
      return new XmlRpcBinary(Buffer.from(text, 'base64'));
    case 'array': {
      const data = typed.children.find((c) => c.name === 'data');
      return (data?.children ?? []).filter((c) => c.name === 'value').map(decodeValue);
    }
    case 'struct': {
      const result: Record<string, unknown> = {};
      for (const member of typed.children) {
        if (member.name !== 'member') continue;
        const name = member.children.find((c) => c.name === 'name');
        const inner = member.children.find((c) => c.name === 'value');
        if (name && inner) result[name.text] = decodeValue(inner);
      }
      return result;
    }
    default:
      throw new XmlRpcRequestError('xmlrpc.client.ResponseError', `ResponseError("unknown tag '${typed.name}'")`);
  }
}

/** Parses a methodCall body; throws XmlSyntaxError (expat) or XmlRpcRequestError. */
export function parseMethodCall(body: string): XmlRpcCall {
  const root = parseXml(body);
  const methodName = root.children.find((c) => c.name === 'methodName');
  const params = root.children.find((c) => c.name === 'params');
  const values = (params?.children ?? [])
    .filter((p) => p.name === 'param')
    .map((p) => {
      const value = p.children.find((c) => c.name === 'value');
      return value ? decodeValue(value) : undefined;
    });
  return { method: methodName?.text ?? '', params: values };
}

/** Escapes exactly what Python's xmlrpc.client.escape does. */
export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function dump(value: unknown, out: string[]): void {
  if (value === null || value === undefined) {
    throw new MarshalError('builtins.TypeError', 'cannot marshal None unless allow_none is enabled');
  }
  if (value instanceof PyFloat) {
    out.push('<value><double>', pythonFloatRepr(value.value), '</double></value>\n');
    return;
  }
  if (value instanceof XmlRpcDateTime) {
    out.push('<value><dateTime.iso8601>', value.value, '</dateTime.iso8601></value>\n');
    return;
  }
  if (value instanceof XmlRpcBinary) {
    out.push('<value><base64>\n', value.data.toString('base64'), '\n</base64></value>\n');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push('<value><boolean>', value ? '1' : '0', '</boolean></value>\n');
      return;
    case 'number':
      if (!Number.isInteger(value)) {
        out.push('<value><double>', pythonFloatRepr(value), '</double></value>\n');
        return;
      }
      if (value > MAXINT || value < MININT) throw new MarshalError('builtins.OverflowError', 'int exceeds XML-RPC limits');
      out.push('<value><int>', String(value), '</int></value>\n');
      return;
    case 'string':
      out.push('<value><string>', xmlEscape(value), '</string></value>\n');
      return;
  }
  if (Array.isArray(value)) {
    out.push('<value><array><data>\n');
    for (const item of value) dump(item, out);
    out.push('</data></array></value>\n');
    return;
  }
  if (typeof value === 'object') {
    out.push('<value><struct>\n');
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      out.push('<member>\n', '<name>', xmlEscape(key), '</name>\n');
      dump(item, out);
      out.push('</member>\n');
    }
    out.push('</struct></value>\n');
    return;
  }
  throw new MarshalError('builtins.TypeError', `cannot marshal ${typeof value} objects`);
}

/** A methodResponse carrying one result, byte-for-byte as xmlrpc.client.dumps writes it. */
export function methodResponse(result: unknown): string {
  const out: string[] = ["<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"];
  dump(result, out);
  out.push('</param>\n</params>\n</methodResponse>\n');
  return out.join('');
}

/** A fault response; faultCode is an int on /xmlrpc/2 and a string on the legacy /xmlrpc. */
export function faultResponse(faultCode: number | string, faultString: string): string {
  const out: string[] = ["<?xml version='1.0'?>\n<methodResponse>\n<fault>\n"];
  dump({ faultCode, faultString }, out);
  out.push('</fault>\n</methodResponse>\n');
  return out.join('');
}

/** A methodCall body (used by tests and the benchmark to speak to the simulator). */
export function methodCall(method: string, params: unknown[]): string {
  const out: string[] = ["<?xml version='1.0'?>\n<methodCall>\n<methodName>", xmlEscape(method), '</methodName>\n<params>\n'];
  for (const param of params) {
    out.push('<param>\n');
    if (param === null) out.push('<value><nil/></value>');
    else dump(param, out);
    out.push('</param>\n');
  }
  out.push('</params>\n</methodCall>\n');
  return out.join('');
}
