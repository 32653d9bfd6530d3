/**
 * Values as Odoo expects them on either wire. `undefined` is dropped (the xmlrpc package would
 * send it as an empty `<value/>`, which Odoo reads as ""), and a Date becomes Odoo's UTC
 * datetime string (Odoo rejects XML-RPC `dateTime.iso8601` and ISO strings with a `Z`).
 */
export function toWireValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return toOdooDatetime(value);
  if (Buffer.isBuffer(value)) return value;
  // Copy on write: most calls (every read) hold neither undefined nor a Date, and are sent as
  // they are instead of being copied whole on each call.
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const wire = toWireValue(item);
      if (!out && wire !== item) out = value.slice(0, i);
      out?.push(wire);
    }
    return out ?? value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = record[key];
    const wire = item === undefined ? undefined : toWireValue(item);
    if (!out && (item === undefined || wire !== item)) out = copyKeys(record, keys, i);
    if (out && wire !== undefined) out[key] = wire;
  }
  return out ?? value;
}

function copyKeys(record: Record<string, unknown>, keys: string[], end: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < end; i++) out[keys[i]!] = record[keys[i]!];
  return out;
}

/** "YYYY-MM-DD HH:MM:SS" in UTC: the format of Odoo's Datetime fields. */
export function toOdooDatetime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Text a `like`/`ilike` term must match literally. Odoo wraps the operand in `%...%` and hands
 * it to PostgreSQL's LIKE, whose escape character is the backslash: unescaped, a caller's `%` or
 * `_` would be a wildcard (`%` alone matches every row).
 */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}
