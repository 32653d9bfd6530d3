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
  if (Array.isArray(value)) return value.map(toWireValue);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) out[key] = toWireValue(item);
  }
  return out;
}

/** "YYYY-MM-DD HH:MM:SS" in UTC: the format of Odoo's Datetime fields. */
export function toOdooDatetime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
