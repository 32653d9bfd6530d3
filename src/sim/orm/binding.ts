import { OdooSimError } from '../exceptions.js';

export interface Param {
  name: string;
  /** absent = required */
  default?: unknown;
}

const typeError = (message: string) => new OdooSimError('builtins.TypeError', message);

/**
 * Binds RPC positional args and kwargs to a Python signature, with CPython's error texts
 * ("search() got an unexpected keyword argument 'x'"). `self` counts in positional totals.
 */
export function bindArguments(
  qualname: string,
  params: Param[],
  args: unknown[],
  kwargs: Record<string, unknown>,
  varKeywords = false,
): Record<string, unknown> {
  const bound: Record<string, unknown> = {};
  if (args.length > params.length) {
    const required = params.filter((p) => !('default' in p)).length;
    const expected = required === params.length ? `${params.length + 1}` : `from ${required + 1} to ${params.length + 1}`;
    throw typeError(`${qualname}() takes ${expected} positional arguments but ${args.length + 1} were given`);
  }
  args.forEach((value, i) => (bound[params[i]!.name] = value));
  for (const [key, value] of Object.entries(kwargs)) {
    const known = params.some((p) => p.name === key);
    if (!known && !varKeywords) throw typeError(`${qualname}() got an unexpected keyword argument '${key}'`);
    if (key in bound) throw typeError(`${qualname}() got multiple values for argument '${key}'`);
    bound[key] = value;
  }
  const missing = params.filter((p) => !(p.name in bound) && !('default' in p)).map((p) => `'${p.name}'`);
  if (missing.length) {
    const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)}`;
    throw typeError(`${qualname}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`);
  }
  for (const p of params) if (!(p.name in bound)) bound[p.name] = p.default;
  return bound;
}
