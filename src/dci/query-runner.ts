import type { DciSettings } from '../config/dci.js';
import type { OdooClient, OdooDomain, OdooRecord } from '../odoo/types.js';
import { searchTree } from '../registry/reader.js';
import { AttributeCatalog, type Attribute, type Entity } from './attributes.js';
import { compileSearchDomain } from './domain.js';
import { odooLookups } from './lookups.js';
import { parseSearch, type Condition, type ParsedSearch } from './query.js';
import { RecordMapper } from './records.js';
import { cutRecord, dciSpecification, hiddenBehind } from './field-scope.js';
import type { FieldView } from '../registry/field-scope.js';
import { rejectFilter, SearchRejection } from './rejection.js';

export interface CompiledQuery {
  search: ParsedSearch;
  /** The Odoo domain of the query's condition (identifier values already looked up in Odoo). */
  domain: OdooDomain;
}

export interface PageRequest {
  offset: number;
  limit: number;
  order: string;
  /** Count at most this many matches (Odoo's count_limit); `total` is then at most this. */
  countLimit?: number;
  signal?: AbortSignal;
}

export interface Page {
  /** Registrants matching the domain: exact up to the request's `countLimit`, which it reaches when more match. */
  total: number;
  /** Records in the nested shape of `dciSpecification(entity, view)`, mapped by `toRecord`. */
  records: OdooRecord[];
}

/**
 * A DCI query from criteria to records, the one way searches and subscriptions run it: parsed
 * against the attribute catalog (query.ts), compiled into an Odoo domain (domain.ts, looking
 * identifiers up in Odoo), read as one tree of registrants with their IDs and memberships
 * through the registry's reader (web_search_read on Odoo 17, batched reads on 15/16), and
 * mapped to the DCI record shapes. A criterion the registry cannot run throws SearchRejection.
 */
export class DciQueryRunner {
  private readonly catalog: AttributeCatalog;
  private readonly mapper: RecordMapper;

  /** A custom field's Odoo name -> its API name (what a field scope names it by). */
  private readonly customFields: ReadonlyMap<string, string>;

  constructor(
    private readonly settings: DciSettings,
    private readonly now: () => number = Date.now,
    customFields: ReadonlyArray<{ name: string; odooField: string }> = [],
  ) {
    this.catalog = new AttributeCatalog(settings);
    this.mapper = new RecordMapper(settings);
    this.customFields = new Map(customFields.map((field) => [field.odooField, field.name]));
  }

  /**
   * Parses the criteria and compiles their condition (throws SearchRejection). Under a field
   * scope (`view`), a condition or sort on an attribute the scope hides is rejected naming it.
   */
  async compile(criteria: Parameters<typeof parseSearch>[0], client: OdooClient, signal?: AbortSignal, view?: FieldView): Promise<CompiledQuery> {
    const search = parseSearch(criteria, this.catalog, this.settings);
    if (view) this.requireVisible(search, criteria, view);
    const today = new Date(this.now()).toISOString().slice(0, 10);
    const domain = await compileSearchDomain(search.entity, search.condition, {
      lookups: odooLookups(client, this.settings.maxLookupRows, signal),
      settings: this.settings,
      today,
    });
    return { search, domain };
  }

  /** One page of registrants of `entity` matching `domain`, in a constant number of Odoo calls. */
  async fetch(client: OdooClient, entity: Entity, domain: OdooDomain, request: PageRequest, view?: FieldView): Promise<Page> {
    const { offset, limit, order, countLimit, signal } = request;
    const opts = signal ? { signal } : {};
    const page = await searchTree(client, 'res.partner', domain, dciSpecification(entity, view), {
      offset,
      limit,
      order,
      ...(countLimit ? { countLimit } : {}),
      ...opts,
    });
    // A page past the last one holds no count: ask for it, bounded as the page's own count
    // (a one-record read whose `length` is Odoo's count up to `count_limit`).
    if (page.records.length > 0 || offset === 0) return { total: page.length, records: page.records };
    const total = countLimit
      ? (await searchTree(client, 'res.partner', domain, {}, { limit: 1, order, countLimit, ...opts })).length
      : await client.searchCount('res.partner', domain, opts);
    return { total, records: page.records };
  }

  /** A record read by `fetch` in the DCI shape of its entity, cut to the view it was read under. */
  toRecord(entity: Entity, record: OdooRecord, view?: FieldView): Record<string, unknown> {
    return cutRecord(entity, this.mapper.toRecord(entity, record), view);
  }

  /** Nobody may search or sort by what they may not read. */
  private requireVisible(search: ParsedSearch, criteria: Parameters<typeof parseSearch>[0], view: FieldView): void {
    const hidden = (attribute: Attribute) => hiddenBehind(search.entity, attribute, view, this.customFields);
    const refusal = (name: string, field: string) =>
      `Attribute "${name}" ${field === name ? 'is' : `reads ${field}, which is`} outside your field scope (${view.scopes.join(', ')}): nobody may search by what they may not read.`;
    for (const leaf of leaves(search.condition)) {
      const field = hidden(leaf.attribute);
      if (field) throw rejectFilter(refusal(leaf.attribute.name, field));
    }
    for (const item of criteria.sort ?? []) {
      const attribute = this.catalog.find(search.entity, item.attribute_name);
      const field = attribute ? hidden(attribute) : undefined;
      if (field) throw new SearchRejection('rjct.sort.invalid', refusal(item.attribute_name, field));
    }
  }
}

function leaves(condition: Condition): Array<Extract<Condition, { op: 'leaf' }>> {
  if (condition.op === 'leaf') return [condition];
  if (condition.op === 'not') return leaves(condition.item);
  return condition.items.flatMap(leaves);
}
