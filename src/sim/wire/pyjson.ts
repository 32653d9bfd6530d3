import { PyFloat } from '../pyvalues.js';

/**
 * Python's float repr: integral floats keep a ".0" and large/small magnitudes use an
 * exponent with a sign ("1e+16"), which is what both json.dumps and xmlrpc.client write.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1e16) return `${value}.0`;
  const text = String(value);
  if (text.includes('e')) {
    // JS writes "1e+21" / "1e-7"; Python writes "1e+21" / "1e-07".
    return text.replace(/e([+-])(\d)$/, 'e$10$2');
  }
  if (abs >= 1e16) return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return text;
}

/**
 * Serialises a value the way Odoo's JSON-RPC layer does (json.dumps with its default
 * separators ", " and ": ", ensure_ascii=False): key order is kept, PyFloat keeps its ".0".
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return pythonFloatRepr(value.value);
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isInteger(value) ? String(value) : pythonFloatRepr(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(String(value));
}
