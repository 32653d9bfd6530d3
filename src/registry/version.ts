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

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
