import type { OdooDomain } from '../odoo/types.js';
import type { FieldError } from './field-error.js';
import { registrantDomain } from './filters.js';
import type { Actor, RegistryCore } from './registry.js';

/**
 * The values of the IDs of type `includeType` held by active individuals, each value once,
 * by OpenG2P's REST module's own rule (`get_individual_ids`): an individual counts when it holds
 * an ID of that type AND some ID (of any type) with status "valid", and does not hold an ID of
 * type `excludeType`. Type names are matched exactly, as the module does (`"national id"` is no
 * type). One `search_read` whatever the number of individuals.
 */
export async function regIdValuesOfType(core: RegistryCore, actor: Actor, includeType: string, excludeType?: string): Promise<string[]> {
  const ignored: FieldError[] = [];
  const include = await core.refs.resolveInto(actor.client, 'idTypes', includeType, 'include_id_type', ignored);
  if (!include || include.name !== includeType) return [];
  const holder: Array<string | readonly [string, string, unknown]> = [
    ...registrantDomain(false),
    // Explicit: a many2one `any` does not apply active_test to the partner.
    ['active', '=', true],
    ['reg_ids', 'any', [['id_type', '=', include.id]]],
    ['reg_ids', 'any', [['status', '=', 'valid']]],
  ];
  if (excludeType) {
    const exclude = await core.refs.resolveInto(actor.client, 'idTypes', excludeType, 'exclude_id_type', ignored);
    if (exclude && exclude.name === excludeType) holder.push(['reg_ids', 'not any', [['id_type', '=', exclude.id]]]);
  }
  const domain: OdooDomain = [
    ['id_type', '=', include.id],
    ['partner_id', 'any', holder],
  ];
  const records = await actor.client.searchRead('g2p.reg.id', domain, ['value'], { order: 'id asc' });
  const values = records.map((r) => r.value).filter((v): v is string => typeof v === 'string' && v !== '');
  return [...new Set(values)];
}
