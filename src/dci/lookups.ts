import type { OdooClient } from '../odoo/types.js';
import type { RegistryLookups } from './domain.js';

/**
 * The lookups query compilation needs, over one Odoo account. The ID type and the value are
 * two conditions on the SAME g2p.reg.id record: Odoo 17 evaluates two leaves on one x2many
 * path (`reg_ids.id_type`, `reg_ids.value`) separately, so a value of another ID type could match.
 */
export function odooLookups(client: OdooClient, signal?: AbortSignal): RegistryLookups {
  return {
    async registrantsWithId(idTypeName, operator, value) {
      const ids = await client.searchRead<{ id: number; partner_id: [number, string] | false }>(
        'g2p.reg.id',
        [['id_type.name', '=', idTypeName], ['value', operator, value]],
        ['partner_id'],
        signal ? { signal } : {},
      );
      return [...new Set(ids.flatMap((row) => (Array.isArray(row.partner_id) ? [row.partner_id[0]] : [])))];
    },
    async activeMemberCounts() {
      const groups = await client.readGroup('g2p.group.membership', [['is_ended', '=', false]], ['group'], ['group'], signal ? { signal } : {});
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
