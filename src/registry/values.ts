/**
 * Odoo wire values <-> API values. Odoo says `false` for every empty non-boolean value and
 * sends datetimes as naive UTC "YYYY-MM-DD HH:MM:SS"; the API says `null` and ISO 8601 with Z.
 */

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

/** "2026-11-28 09:02:53" -> "2026-11-28T09:02:53Z". */
export function isoDatetime(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const [date, time = '00:00:00'] = value.split(' ');
  return `${date}T${time.slice(0, 8)}Z`;
}

/** Any ISO 8601 datetime with an offset -> Odoo's naive UTC "YYYY-MM-DD HH:MM:SS" (seconds kept, sub-seconds dropped). */
export function odooDatetime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a datetime: ${iso}`);
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

export function isoDate(value: unknown): string | null {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null;
}

/** A many2one as web_read returns it with `{display_name: {}}` (or a bare id / false) -> `{id, name}` or null. */
export function relation(value: unknown): { id: number; name: string } | null {
  if (typeof value === 'number') return { id: value, name: '' };
  if (Array.isArray(value) && typeof value[0] === 'number') return { id: value[0], name: String(value[1] ?? '') };
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'number') {
    const record = value as { id: number; display_name?: unknown; name?: unknown };
    return { id: record.id, name: stringOrNull(record.display_name) ?? stringOrNull(record.name) ?? '' };
  }
  return null;
}

export function relations(value: unknown): Array<{ id: number; name: string }> {
  return Array.isArray(value) ? value.map(relation).filter((r): r is { id: number; name: string } => r !== null) : [];
}
