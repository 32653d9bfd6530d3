import type { OdooClient, OdooDomain, OdooRecord } from '../odoo/types.js';
import type { Entity } from './attributes.js';
import { specFor } from './records.js';

export interface PageRequest {
  offset: number;
  limit: number;
  order: string;
  signal?: AbortSignal;
}

export interface Page {
  /** Registrants matching the domain (exact). */
  total: number;
  /** Records in the nested shape `web_read` gives for `specFor(entity)`. */
  records: OdooRecord[];
}

/**
 * One page of registrants with their IDs and memberships (and, for groups, the members with
 * theirs) in a constant number of Odoo calls: one `web_search_read` on Odoo 17, or at most six
 * batched calls on servers without it (Odoo 15/16, OpenG2P 1.x).
 */
export async function fetchPage(client: OdooClient, entity: Entity, domain: OdooDomain, request: PageRequest): Promise<Page> {
  const opts = request.signal ? { signal: request.signal } : {};
  if (await client.supportsWebRead(request.signal)) {
    const page = await client.webSearchRead<OdooRecord>('res.partner', domain, specFor(entity), { offset: request.offset, limit: request.limit, order: request.order, ...opts });
    // web_search_read counts only when the page is not empty; past the last page, ask.
    const total = page.records.length === 0 && request.offset > 0 ? await client.searchCount('res.partner', domain, opts) : page.length;
    return { total, records: page.records };
  }
  return batchedPage(client, entity, domain, request);
}

const PERSON_FIELDS = ['name', 'family_name', 'given_name', 'addl_name', 'gender', 'birthdate', 'registration_date', 'civil_status', 'occupation', 'disabled', 'write_date', 'reg_ids'];
const GROUP_FIELDS = ['name', 'registration_date', 'write_date', 'kind', 'reg_ids', 'group_membership_ids'];

type Row = Record<string, unknown> & { id: number };

async function batchedPage(client: OdooClient, entity: Entity, domain: OdooDomain, request: PageRequest): Promise<Page> {
  const opts = request.signal ? { signal: request.signal } : {};
  const isGroup = entity === 'Group';
  const [rows, total] = await Promise.all([
    client.searchRead<Row>('res.partner', domain, isGroup ? GROUP_FIELDS : [...PERSON_FIELDS, 'individual_membership_ids'], { offset: request.offset, limit: request.limit, order: request.order, ...opts }),
    client.searchCount('res.partner', domain, opts),
  ]);
  const membershipIds = unique(rows.flatMap((r) => ids(isGroup ? r.group_membership_ids : r.individual_membership_ids)));
  const memberships = membershipIds.length
    ? await client.read<Row>('g2p.group.membership', membershipIds, ['group', 'individual', 'kind', 'is_ended'], opts)
    : [];
  const individualIds = isGroup ? unique(memberships.flatMap((m) => m2oId(m.individual))) : [];
  const [individuals, kinds] = await Promise.all([
    individualIds.length ? client.read<Row>('res.partner', individualIds, PERSON_FIELDS, opts) : Promise.resolve([] as Row[]),
    readAll(client, 'g2p.group.membership.kind', unique(memberships.flatMap((m) => ids(m.kind))), ['name'], opts),
  ]);
  const regIds = await readAll(client, 'g2p.reg.id', unique([...rows, ...individuals].flatMap((r) => ids(r.reg_ids))), ['value', 'id_type'], opts);

  const regById = byId(regIds.map((r) => ({ id: r.id, value: r.value, id_type: asRelation(r.id_type) })));
  const kindById = byId(kinds);
  const withRegIds = (r: Row): Row => ({ ...r, reg_ids: pick(regById, ids(r.reg_ids)) });
  const individualById = byId(individuals.map(withRegIds));
  const membershipById = byId(
    memberships.map((m) => ({
      id: m.id,
      group: asRelation(m.group),
      individual: individualById.get(m2oId(m.individual)[0] ?? 0) ?? false,
      kind: pick(kindById, ids(m.kind)),
      is_ended: m.is_ended,
    })),
  );
  const records = rows.map((r) => {
    const record = withRegIds(r);
    if (isGroup) return { ...record, kind: asRelation(r.kind), group_membership_ids: pick(membershipById, ids(r.group_membership_ids)) };
    return { ...record, individual_membership_ids: pick(membershipById, ids(r.individual_membership_ids)) };
  });
  return { total, records };
}

function readAll(client: OdooClient, model: string, recordIds: number[], fields: string[], opts: { signal?: AbortSignal }): Promise<Row[]> {
  return recordIds.length ? client.read<Row>(model, recordIds, fields, opts) : Promise.resolve([]);
}

const ids = (value: unknown): number[] => (Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : []);
const m2oId = (value: unknown): number[] => (Array.isArray(value) && typeof value[0] === 'number' ? [value[0]] : []);
const unique = (values: number[]): number[] => [...new Set(values)];
const byId = <T extends { id: number }>(rows: T[]): Map<number, T> => new Map(rows.map((r) => [r.id, r]));
const pick = <T>(map: Map<number, T>, keys: number[]): T[] => keys.flatMap((k) => (map.has(k) ? [map.get(k)!] : []));
/** read's many2one `[id, name]` in web_read's `{id, display_name}` shape. */
const asRelation = (value: unknown): { id: number; display_name: string } | false =>
  Array.isArray(value) && typeof value[0] === 'number' ? { id: value[0], display_name: String(value[1] ?? '') } : false;
