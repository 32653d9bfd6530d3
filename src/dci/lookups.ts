import type { OdooClient } from '../odoo/types.js';
import type { RegistryLookups } from './domain.js';
import { SearchRejection } from './rejection.js';

/** A lookup that found more rows than it may read: refused rather than read whole (and its ids sent back to Odoo). */
const tooManyRows = (what: string, maxRows: number) =>
  new SearchRejection(
    'rjct.search.too_many_records_found',
    `The ${what} condition matches more than ${maxRows} records (dci.maxLookupRows): narrow the search.`,
  );

/**
 * The lookups query compilation needs, over one Odoo account, each reading at most `maxRows`
 * rows (one more, to tell that the bound was passed). The ID type and the value are
 * two conditions on the SAME g2p.reg.id record: Odoo 17 evaluates two leaves on one x2many
 * path (`reg_ids.id_type`, `reg_ids.value`) separately, so a value of another ID type could match.
 */
export function odooLookups(client: OdooClient, maxRows: number, signal?: AbortSignal): RegistryLookups {
  const options = { limit: maxRows + 1, ...(signal ? { signal } : {}) };
  return {
    async registrantsWithId(idTypeName, operator, value) {
      const ids = await client.searchRead<{ id: number; partner_id: [number, string] | false }>(
        'g2p.reg.id',
        [
          ['id_type.name', '=', idTypeName],
          ['value', operator, value],
        ],
        ['partner_id'],
        options,
      );
      if (ids.length > maxRows) throw tooManyRows('identifier', maxRows);
      return [...new Set(ids.flatMap((row) => (Array.isArray(row.partner_id) ? [row.partner_id[0]] : [])))];
    },
    async activeMemberCounts() {
      const groups = await client.readGroup('g2p.group.membership', [['is_ended', '=', false]], ['group'], ['group'], options);
      if (groups.length > maxRows) throw tooManyRows('group size', maxRows);
      const counts = new Map<number, number>();
      for (const row of groups) {
        const group = row.group;
        const count = row.group_count;
        if (Array.isArray(group) && typeof group[0] === 'number' && typeof count === 'number') counts.set(group[0], count);
      }
      return counts;
    },
  };
}
