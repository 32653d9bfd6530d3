import type { DciSettings } from '../config/dci.js';
import type { OdooClient, OdooDomain, OdooRecord } from '../odoo/types.js';
import { searchTree } from '../registry/reader.js';
import { AttributeCatalog, type Entity } from './attributes.js';
import { compileSearchDomain } from './domain.js';
import { odooLookups } from './lookups.js';
import { parseSearch, type ParsedSearch } from './query.js';
import { RecordMapper, specFor } from './records.js';

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
  /** Records in the nested shape of `specFor(entity)`, mapped by `toRecord`. */
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

  constructor(
    private readonly settings: DciSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.catalog = new AttributeCatalog(settings);
    this.mapper = new RecordMapper(settings);
  }

  /** Parses the criteria and compiles their condition (throws SearchRejection). */
  async compile(criteria: Parameters<typeof parseSearch>[0], client: OdooClient, signal?: AbortSignal): Promise<CompiledQuery> {
    const search = parseSearch(criteria, this.catalog, this.settings);
    const today = new Date(this.now()).toISOString().slice(0, 10);
    const domain = await compileSearchDomain(search.entity, search.condition, {
      lookups: odooLookups(client, this.settings.maxLookupRows, signal),
      settings: this.settings,
      today,
    });
    return { search, domain };
  }

  /** One page of registrants of `entity` matching `domain`, in a constant number of Odoo calls. */
  async fetch(client: OdooClient, entity: Entity, domain: OdooDomain, request: PageRequest): Promise<Page> {
    const { offset, limit, order, countLimit, signal } = request;
    const opts = signal ? { signal } : {};
    const page = await searchTree(client, 'res.partner', domain, specFor(entity), { offset, limit, order, ...(countLimit ? { countLimit } : {}), ...opts });
    // A page past the last one holds no count: ask for it.
    const total = page.records.length === 0 && offset > 0 ? await client.searchCount('res.partner', domain, opts) : page.length;
    return { total, records: page.records };
  }

  /** A record read by `fetch` in the DCI shape of its entity. */
  toRecord(entity: Entity, record: OdooRecord): Record<string, unknown> {
    return this.mapper.toRecord(entity, record);
  }
}
