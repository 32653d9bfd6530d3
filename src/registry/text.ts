import { z } from 'zod';

/**
 * Characters Odoo cannot take in a text value, whatever the field: XML 1.0 forbids the C0
 * controls (but tab, LF, CR) and U+FFFE/U+FFFF, so an XML-RPC call carrying one is refused as
 * malformed; PostgreSQL refuses NUL in any string; an unpaired surrogate cannot be encoded as
 * UTF-8 (XML-RPC silently turns it into U+FFFD, PostgreSQL refuses it). Left to Odoo, each is a
 * server fault (a 502 for the caller, or a silently changed value); checked here, it is a 400
 * naming the field. With the `u` flag a lone surrogate is its own code point, outside the ranges.
 */
export const UNSTORABLE_CHARACTER = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export const UNSTORABLE_MESSAGE = 'contains a control character or an unpaired surrogate, which the registry cannot store';

export const isStorableText = (value: string): boolean => !UNSTORABLE_CHARACTER.test(value);

/** A string schema that also refuses what Odoo cannot store (chain length checks after it). */
export const storableString = () => z.string().refine(isStorableText, UNSTORABLE_MESSAGE);
