import type { OdooDomain, OdooRecord, WebSpecification } from '../odoo/types.js';
import { searchKeysetPage } from './reader.js';
import type { Actor } from './registry.js';

/**
 * Odoo's default order of partners (res.partner's `_order`: `complete_name asc, id desc`), the
 * order OpenG2P's module lists registrants in, walked by keyset a batch at a time: no search of
 * every matching id first, no offset, so the first batch costs the same at a million
 * registrants as at ten thousand and memory holds one batch. Partners without a complete name
 * come last in that order (PostgreSQL sorts NULL last) and are read after the named ones.
 */

const ORDER = 'complete_name asc, id desc';

/** Where the walk stands: after the partner `id` named `name`, or in the unnamed ones (`name: null`). */
type Position = { name: string; id: number } | { name: null; id?: number };

function keysetTerms(after: Position | undefined): OdooDomain {
  if (!after) return [['complete_name', '!=', false]];
  if (after.name === null) return [['complete_name', '=', false], ...(after.id === undefined ? [] : [['id', '<', after.id] as const])];
  // Led by one range on complete_name, so PostgreSQL walks its index in order and stops at the batch.
  return ['&', ['complete_name', '>=', after.name], '|', ['complete_name', '>', after.name], ['id', '<', after.id]];
}

/** Batches (never empty) of the partners `domain` matches, in Odoo's order, `size` at a time. */
export async function* inPartnerOrder<T>(
  actor: Actor,
  model: string,
  domain: OdooDomain,
  specification: WebSpecification,
  convert: (record: OdooRecord) => T,
  size: number,
): AsyncGenerator<T[]> {
  const spec = { ...specification, complete_name: {} };
  let after: Position | undefined;
  for (;;) {
    const { records, more } = await searchKeysetPage(actor.client, model, [...domain, ...keysetTerms(after)], spec, { limit: size, order: ORDER });
    const last = records.at(-1);
    if (last) yield records.map(convert);
    const named = after === undefined || after.name !== null;
    if (more && last) after = named ? { name: String(last.complete_name), id: last.id } : { name: null, id: last.id };
    else if (named) after = { name: null };
    else return;
  }
}
