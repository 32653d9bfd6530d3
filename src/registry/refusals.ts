import { isOdooError } from '../odoo/errors.js';
import { RegistryError } from './errors.js';

/** Odoo's business messages that mean "this already exists": a conflict, not a bad input. */
export const DUPLICATE_MESSAGE = /duplicat|already exists|only one .* of each|must be unique|unique constraint/i;

/** Values shorter than this could be found in any message by chance ("1", "no"). */
const MIN_QUOTED_LENGTH = 3;

/**
 * Runs a write and, when Odoo refuses the values on a constraint that quotes one of them
 * (phone_validation's "Unable to parse hello: ...", "Invalid number +2541: ..."), answers with
 * the field that carried it: `phone_numbers[0].phone_no`, `items[3].phone_numbers[0].phone_no`.
 * Odoo names neither the model nor the field in these messages, only the value; a refusal
 * that quotes no value sent stays Odoo's message as it is.
 */
export async function namingRefusedField<T>(input: unknown, prefix: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isOdooError(err) || (err.kind !== 'validation' && err.kind !== 'user_error')) throw err;
    const message = err.message.split('\n')[0]!.trim();
    if (DUPLICATE_MESSAGE.test(message)) throw err;
    const field = fieldQuoted(input, message);
    if (field === undefined) throw err;
    const name = `${prefix}${field}`;
    throw new RegistryError('invalid', `${name}: ${message}`, [{ field: name, message }]);
  }
}

/** The path of the longest string in `input` that the message quotes as a whole word. */
function fieldQuoted(input: unknown, message: string): string | undefined {
  let best: { path: string; length: number } | undefined;
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') {
      const text = value.trim();
      if (text.length >= MIN_QUOTED_LENGTH && text.length > (best?.length ?? 0) && quotes(message, text)) best = { path, length: text.length };
    } else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) walk(item, path ? `${path}.${key}` : key);
  };
  walk(input, '');
  return best?.path;
}

function quotes(message: string, text: string): boolean {
  let at = message.indexOf(text);
  while (at !== -1) {
    const before = message[at - 1];
    const after = message[at + text.length];
    if ((before === undefined || !/\w/.test(before)) && (after === undefined || !/\w/.test(after))) return true;
    at = message.indexOf(text, at + 1);
  }
  return false;
}
