import type { CallOptions, OdooClient, OdooDomain, OdooRecord, SearchOptions, WebSpecification } from '../odoo/types.js';

/**
 * Nested reads in a constant number of Odoo calls. Odoo 17 answers a whole tree (record, its
 * IDs, phones, memberships, ...) in one `web_read` / `web_search_read`. Odoo 15/16 (OpenG2P
 * 1.x) lack those methods: there the same tree is read level by level, one batched `read` per
 * relational field and level, whatever the number of records. Both return the same shape,
 * web_read's: many2one `{id, display_name, ...}` (or a bare id without sub-fields), x2many
 * lists of records (or of ids).
 */

/** Co-models of the relational fields the registry reads, and whether they hold many (the specification does not say). */
type Relation = readonly [comodel: string, cardinality: 'one' | 'many'];
const RELATIONS: Record<string, Record<string, Relation>> = {
  'res.partner': {
    reg_ids: ['g2p.reg.id', 'many'],
    phone_number_ids: ['g2p.phone.number', 'many'],
    bank_ids: ['res.partner.bank', 'many'],
    group_membership_ids: ['g2p.group.membership', 'many'],
    individual_membership_ids: ['g2p.group.membership', 'many'],
    kind: ['g2p.group.kind', 'one'],
    district: ['g2p.district', 'one'],
    tags_ids: ['g2p.registrant.tags', 'many'],
  },
  'g2p.reg.id': { id_type: ['g2p.id.type', 'one'] },
  'res.partner.bank': { bank_id: ['res.bank', 'one'] },
  'g2p.group.membership': {
    group: ['res.partner', 'one'],
    individual: ['res.partner', 'one'],
    kind: ['g2p.group.membership.kind', 'many'],
  },
};

export async function searchTree<T extends OdooRecord = OdooRecord>(
  client: OdooClient,
  model: string,
  domain: OdooDomain,
  specification: WebSpecification,
  opts: SearchOptions = {},
): Promise<{ length: number; records: T[] }> {
  const result = (await client.supportsWebRead(opts.signal))
    ? await client.webSearchRead<T>(model, domain, withoutIdOrders(specification), opts)
    : await searchLevelByLevel<T>(client, model, domain, specification, opts);
  applyIdOrders(result.records, specification);
  return result;
}

async function searchLevelByLevel<T extends OdooRecord>(
  client: OdooClient,
  model: string,
  domain: OdooDomain,
  specification: WebSpecification,
  opts: SearchOptions,
): Promise<{ length: number; records: T[] }> {
  const records = await client.searchRead<T>(model, domain, topFields(specification), opts);
  // web_search_read's `length`: the full count only when the page is full and `count_limit` not yet reached.
  const offset = opts.offset ?? 0;
  const countLimitReached = opts.countLimit !== undefined && opts.countLimit <= offset + records.length;
  const length =
    opts.limit !== undefined && records.length === opts.limit && !countLimitReached
      ? await client.searchCount(model, domain, callOptions(opts))
      : offset + records.length;
  await expand(client, model, records, specification, callOptions(opts));
  return { length: records.length === 0 ? 0 : length, records };
}

/**
 * A keyset page that only needs to know whether more records follow. One record past the page
 * is read and Odoo's `count_limit` set to it, so Odoo never counts: web_search_read counts the
 * matches of a full page unless the count limit is already reached.
 */
export async function searchKeysetPage<T extends OdooRecord = OdooRecord>(
  client: OdooClient,
  model: string,
  domain: OdooDomain,
  specification: WebSpecification,
  opts: SearchOptions & { limit: number },
): Promise<{ records: T[]; more: boolean }> {
  const { records } = await searchTree<T>(client, model, domain, specification, { ...opts, limit: opts.limit + 1, countLimit: opts.limit + 1 });
  const more = records.length > opts.limit;
  return { records: more ? records.slice(0, opts.limit) : records, more };
}

export async function readTree<T extends OdooRecord = OdooRecord>(
  client: OdooClient,
  model: string,
  ids: number[],
  specification: WebSpecification,
  opts: CallOptions = {},
): Promise<T[]> {
  const records = (await client.supportsWebRead(opts.signal))
    ? await client.webRead<T>(model, ids, withoutIdOrders(specification), opts)
    : await readLevelByLevel<T>(client, model, ids, specification, opts);
  applyIdOrders(records, specification);
  return records;
}

async function readLevelByLevel<T extends OdooRecord>(
  client: OdooClient,
  model: string,
  ids: number[],
  specification: WebSpecification,
  opts: CallOptions,
): Promise<T[]> {
  if (ids.length === 0) return [];
  const records = await client.read<T>(model, ids, topFields(specification), opts);
  await expand(client, model, records, specification, opts);
  return records;
}

/**
 * The registry orders every x2many by id, here, on both kinds of server. Asked of Odoo, an order
 * costs one more search per x2many field (web_read re-searches the co-records to sort them), and
 * OpenG2P's own order for IDs and phone numbers is newest first; sorting the ids here is free. About 4 ms of a 500-record
 * sync-feed page at 1M (docs/scale.md).
 */
function withoutIdOrders(specification: WebSpecification): WebSpecification {
  const entries = Object.entries(specification).map(([field, sub]): [string, WebSpecification[string]] => {
    const { order, fields, ...rest } = sub as { order?: string; fields?: WebSpecification };
    return [field, { ...rest, ...(order !== undefined && order !== ID_ORDER ? { order } : {}), ...(fields ? { fields: withoutIdOrders(fields) } : {}) }];
  });
  return Object.fromEntries(entries);
}

function applyIdOrders(records: OdooRecord[], specification: WebSpecification): void {
  // Relational fields only: a page of 500 records has some 25 plain fields each.
  const relational = Object.entries(specification).filter(([, sub]) => (sub as { fields?: unknown }).fields || (sub as { order?: string }).order === ID_ORDER);
  for (const [field, sub] of relational) {
    const { order, fields } = sub as { order?: string; fields?: WebSpecification };
    for (const record of records) {
      const value = record[field];
      if (Array.isArray(value)) {
        if (order === ID_ORDER) value.sort((a, b) => idOf(a) - idOf(b));
        if (fields) applyIdOrders(value.filter(isRecord), fields);
      } else if (fields && isRecord(value)) applyIdOrders([value], fields);
    }
  }
}

const ID_ORDER = 'id asc';
const isRecord = (value: unknown): value is OdooRecord => typeof value === 'object' && value !== null && !Array.isArray(value);
const idOf = (value: unknown): number => (typeof value === 'number' ? value : isRecord(value) ? Number(value.id) : 0);

const topFields = (specification: WebSpecification): string[] => Object.keys(specification).filter((f) => f !== 'id');
const callOptions = (opts: SearchOptions): CallOptions => ({ context: opts.context, signal: opts.signal, shareInFlight: opts.shareInFlight });

/** Replaces `read`'s `[id, name]` pairs and id lists by what web_read would have returned. */
async function expand(client: OdooClient, model: string, records: OdooRecord[], specification: WebSpecification, opts: CallOptions): Promise<void> {
  for (const [field, sub] of Object.entries(specification)) {
    const relation = RELATIONS[model]?.[field];
    if (!relation) continue;
    const [comodel, cardinality] = relation;
    const fields = (sub as { fields?: WebSpecification }).fields;
    if (cardinality === 'one') {
      // many2one: `[id, name]` or false.
      const onlyName = fields && Object.keys(fields).every((f) => f === 'display_name');
      const wanted = fields && !onlyName ? Object.fromEntries(Object.entries(fields).filter(([f]) => f !== 'display_name')) : undefined;
      const targets = [...new Set(records.map((r) => pairId(r[field])).filter((id): id is number => id !== undefined))];
      const byId = wanted ? new Map((await readTree(client, comodel, targets, wanted, opts)).map((r) => [r.id, r])) : undefined;
      for (const record of records) {
        const value = record[field];
        if (!isPair(value)) {
          record[field] = false;
          continue;
        }
        if (!fields) record[field] = value[0];
        else record[field] = { ...(byId?.get(value[0]) ?? {}), id: value[0], ...('display_name' in fields ? { display_name: value[1] } : {}) };
      }
      continue;
    }
    const all = [...new Set(records.flatMap((r) => (Array.isArray(r[field]) ? (r[field] as number[]) : [])))];
    if (!fields) continue;
    const byId = new Map((await readTree(client, comodel, all, fields, opts)).map((r) => [r.id, r]));
    for (const record of records) {
      const ids = Array.isArray(record[field]) ? (record[field] as number[]) : [];
      record[field] = ids.map((id) => byId.get(id) ?? { id });
    }
  }
}

function isPair(value: unknown): value is [number, string] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string';
}

const pairId = (value: unknown): number | undefined => (isPair(value) ? value[0] : undefined);
