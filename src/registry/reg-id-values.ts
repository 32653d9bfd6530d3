import type { OdooDomain } from '../odoo/types.js';
import type { FieldError } from './field-error.js';
import { registrantDomain } from './filters.js';
import type { Actor, RegistryCore } from './registry.js';

/**
 * The values of every individual's ID of type `includeType`, leaving out individuals that also
 * hold an ID of type `excludeType` (e.g. everyone with a National ID but no Tax ID yet). An
 * unknown type matches nothing. One `search_read` whatever the number of individuals.
 */
export async function regIdValuesOfType(core: RegistryCore, actor: Actor, includeType: string, excludeType?: string): Promise<string[]> {
  const ignored: FieldError[] = [];
  const include = await core.refs.resolveInto(actor.client, 'idTypes', includeType, 'include_id_type', ignored);
  if (!include) return [];
  const holder: Array<string | readonly [string, string, unknown]> = [...registrantDomain(false)];
  if (excludeType) {
    const exclude = await core.refs.resolveInto(actor.client, 'idTypes', excludeType, 'exclude_id_type', ignored);
    if (exclude) holder.push(['reg_ids', 'not any', [['id_type', '=', exclude.id]]]);
  }
  const domain: OdooDomain = [['id_type', '=', include.id], ['partner_id', 'any', holder]];
  const records = await actor.client.searchRead('g2p.reg.id', domain, ['value'], { order: 'id asc' });
  return records.map((r) => r.value).filter((v): v is string => typeof v === 'string' && v !== '');
}
