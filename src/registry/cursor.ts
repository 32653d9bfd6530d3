import { RegistryError } from './errors.js';

/**
 * Opaque page cursors (base64url JSON). Keyset, not offset: a page starts strictly after the
 * last record the previous page returned, so records created, archived or updated meanwhile
 * never shift the pages.
 *
 * - `id` / `-id` order: the last id.
 * - `updated_at` order (sync): the last `write_date` plus every id already returned with that
 *   same `write_date`. Odoo's write_date has one-second resolution, so a record updated within
 *   the second the previous page ended on can carry that same write_date with a smaller id; a
 *   plain (write_date, id) keyset would skip it forever. Excluding the ids already seen at that
 *   second instead of "id > last" returns it. Ids are stored as ranges, so a batch created in
 *   one second stays small.
 */
export type Cursor = { order: 'id' | '-id'; after: number; filter: string } | { order: 'updated_at'; writeDate: string; seen: number[]; filter: string };

interface Wire {
  o: 'id' | '-id' | 'u';
  a?: number;
  w?: string;
  s?: Array<number | [number, number]>;
  f: string;
}

export function encodeCursor(cursor: Cursor): string {
  const wire: Wire =
    cursor.order === 'updated_at'
      ? { o: 'u', w: cursor.writeDate, s: toRanges(cursor.seen), f: cursor.filter }
      : { o: cursor.order, a: cursor.after, f: cursor.filter };
  return Buffer.from(JSON.stringify(wire)).toString('base64url');
}

/** Decodes a cursor and checks it was made for the same filters and order; anything else is a 400. */
export function decodeCursor(text: string, expected: { order: Cursor['order']; filter: string }): Cursor {
  let wire: Wire;
  try {
    wire = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Wire;
  } catch {
    throw badCursor();
  }
  if (!wire || typeof wire !== 'object' || typeof wire.f !== 'string') throw badCursor();
  if (wire.f !== expected.filter) throw new RegistryError('bad_cursor', 'The cursor belongs to a query with other filters or another sort order.');
  if (wire.o === 'u' && expected.order === 'updated_at') {
    if (typeof wire.w !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(wire.w) || !Array.isArray(wire.s)) throw badCursor();
    return { order: 'updated_at', writeDate: wire.w, seen: fromRanges(wire.s), filter: wire.f };
  }
  if ((wire.o === 'id' || wire.o === '-id') && wire.o === expected.order && Number.isSafeInteger(wire.a)) {
    return { order: wire.o, after: wire.a!, filter: wire.f };
  }
  throw badCursor();
}

const badCursor = () => new RegistryError('bad_cursor', 'The cursor is not valid; start again without one.');

function toRanges(ids: number[]): Array<number | [number, number]> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const out: Array<number | [number, number]> = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(j > i ? [sorted[i]!, sorted[j]!] : sorted[i]!);
    i = j + 1;
  }
  return out;
}

const MAX_SEEN = 100_000;

function fromRanges(parts: Array<number | [number, number]>): number[] {
  const ids: number[] = [];
  for (const part of parts) {
    if (Number.isSafeInteger(part)) ids.push(part as number);
    else if (Array.isArray(part) && Number.isSafeInteger(part[0]) && Number.isSafeInteger(part[1]) && part[1] >= part[0] && part[1] - part[0] < MAX_SEEN) {
      for (let id = part[0]; id <= part[1]; id++) ids.push(id);
    } else throw badCursor();
    if (ids.length > MAX_SEEN) throw badCursor();
  }
  return ids;
}
