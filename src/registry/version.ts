import { createHash } from 'node:crypto';

/**
 * A record's version for ETag / If-Match: a hash of its API representation, which carries its
 * id and `updated_at` (write_date). Hashing the whole representation rather than only
 * write_date matters because write_date has one-second resolution: two updates within the same
 * second would otherwise share a version and a stale If-Match would pass.
 */
export function versionOf(representation: unknown): string {
  return createHash('sha256').update(stableJson(representation)).digest('base64url').slice(0, 27);
}

/** JSON with keys sorted and undefined members left out; built by concatenation (it runs on every read). */
function stableJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + stableJson(value[i]);
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  // Default sort order is by UTF-16 code units, the same as comparing the strings with <.
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + stableJson(item);
    first = false;
  }
  return out + '}';
}
