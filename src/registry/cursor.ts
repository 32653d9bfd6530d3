import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
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

export interface CursorSealSettings {
  /** HMAC-SHA256 keys: cursors are signed with the first and accepted under any (rotation). None: one made at start-up. */
  keys?: readonly string[];
  /** How long a cursor handed out stays valid. */
  maxAgeMs: number;
  /** Longest cursor accepted, in characters; a longer one is refused before anything else is done with it. */
  maxBytes: number;
}

/**
 * The cursors handed to callers: the opaque cursor above, its expiry, and an HMAC-SHA256 over
 * both (`<cursor>.<expiry>.<mac>`). A caller can neither craft one (a sync cursor's `seen` list
 * becomes an `id not in [...]` domain, as long as the caller likes) nor keep one forever. The
 * change detector's own position never leaves the gateway and stays unsealed.
 */
export class CursorSeal {
  private readonly keys: Buffer[];
  readonly ephemeralKey: boolean;

  constructor(
    private readonly settings: CursorSealSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.ephemeralKey = !settings.keys?.length;
    this.keys = this.ephemeralKey ? [randomBytes(32)] : settings.keys!.map((key) => Buffer.from(key, 'utf8'));
  }

  seal(cursor: Cursor): string {
    const body = `${encodeCursor(cursor)}.${Math.ceil((this.now() + this.settings.maxAgeMs) / 1000).toString(36)}`;
    return `${body}.${mac(this.keys[0]!, body).toString('base64url')}`;
  }

  /** A cursor this gateway sealed, unaltered and unexpired, for the same filters and order; anything else is a 400. */
  open(text: string, expected: { order: Cursor['order']; filter: string }): Cursor {
    if (text.length > this.settings.maxBytes)
      throw new RegistryError('bad_cursor', `The cursor is longer than ${this.settings.maxBytes} characters; start again without one.`);
    const parts = text.split('.');
    if (parts.length !== 3) throw forged();
    const [raw, expiry, signature] = parts as [string, string, string];
    const body = `${raw}.${expiry}`;
    const given = Buffer.from(signature, 'base64url');
    if (
      !this.keys.some((key) => {
        const expectedMac = mac(key, body);
        return given.length === expectedMac.length && timingSafeEqual(given, expectedMac);
      })
    )
      throw forged();
    const expiresAt = Number.parseInt(expiry, 36) * 1000;
    if (!Number.isSafeInteger(expiresAt) || expiresAt <= this.now()) throw new RegistryError('bad_cursor', 'The cursor has expired; start again without one.');
    return decodeCursor(raw, expected);
  }
}

const mac = (key: Buffer, body: string): Buffer => createHmac('sha256', key).update(body).digest();

const forged = () => new RegistryError('bad_cursor', 'The cursor was not issued by this gateway or has been altered; start again without one.');

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
