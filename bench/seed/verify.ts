import { isDeepStrictEqual } from 'node:util';
import type { OdooClient, OdooRecord } from '../../src/odoo/index.js';

/**
 * Fields that differ between any two records Odoo makes, so they say nothing about how a record
 * was made: its own id and timestamps (the seed spreads them over the years on purpose), and the
 * chatter, which the seed leaves empty (the registry's reads never show it). `write_uid` is the
 * seeding user on a seeded record; on a group the ORM made it is whoever wrote last, the user or
 * OpenG2P's recompute running as OdooBot.
 */
const ALWAYS_DIFFERENT =
  /^(id|display_name|create_date|write_date|write_uid|__last_update|force_recompute_canary|commercial_partner_id|message_.*|activity_.*|has_message|website_message_ids|rating_ids|starred|age)$/;

export interface Difference {
  record: string;
  field: string;
  seeded: unknown;
  orm: unknown;
}

type ReadFields = Record<string, string[]>;

async function readableFields(odoo: OdooClient, model: string): Promise<{ plain: string[]; children: Record<string, string> }> {
  const fields = await odoo.fieldsGet(model, ['type', 'relation']);
  const plain: string[] = [];
  const children: Record<string, string> = {};
  for (const [name, field] of Object.entries(fields)) {
    if (ALWAYS_DIFFERENT.test(name) || field.type === 'binary') continue;
    if (field.type === 'one2many' && typeof field.relation === 'string') children[name] = field.relation;
    else plain.push(name);
  }
  return { plain, children };
}

/**
 * A record as Odoo reads it back, with every id replaced by what it stands for: the records it
 * points at by their place in `aliases` (the seeded record and its ORM twin then read alike) and
 * its one-to-many children by their own contents.
 */
async function describe(
  odoo: OdooClient,
  model: string,
  id: number,
  aliases: Map<number, string>,
  cache: Map<string, Awaited<ReturnType<typeof readableFields>>>,
  depth = 0,
): Promise<Record<string, unknown>> {
  const fields = cache.get(model) ?? (await readableFields(odoo, model));
  cache.set(model, fields);
  const names = depth === 0 ? [...fields.plain, ...Object.keys(fields.children)] : fields.plain;
  const [record] = await odoo.read(model, [id], names, { context: { active_test: false } });
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record as OdooRecord)) {
    if (name === 'id') continue;
    if (name in fields.children && Array.isArray(value)) {
      const children = [];
      for (const child of value as number[]) children.push(await describe(odoo, fields.children[name]!, child, aliases, cache, depth + 1));
      out[name] = children;
    } else if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string') {
      out[name] = aliases.get(value[0]) ?? value;
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
      out[name] = (value as number[]).map((v) => aliases.get(v) ?? v);
    } else {
      out[name] = value;
    }
  }
  return out;
}

const RECREATE_FIELDS: ReadFields = {
  individual: [
    'name',
    'family_name',
    'given_name',
    'is_registrant',
    'is_group',
    'gender',
    'birthdate',
    'registration_date',
    'district',
    'occupation',
    'civil_status',
    'income',
    'active',
  ],
  group: ['name', 'is_registrant', 'is_group', 'kind', 'registration_date', 'district', 'active'],
  regId: ['id_type', 'value', 'status', 'expiry_date'],
  phone: ['phone_no', 'date_collected'],
  membership: ['kind', 'start_date', 'ended_date'],
};

const m2oId = (value: unknown) => (Array.isArray(value) ? value[0] : value);
// These models list children newest first (`_order = "id desc"`): the twin makes them oldest first, as the seed did.
const oldestFirst = (ids: unknown) => [...(ids as number[])].sort((a, b) => a - b);
function valuesOf(record: OdooRecord, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field, m2oId(record[field])]));
}

/**
 * Makes, through Odoo's ORM, a twin of one seeded household (the group, each member with their
 * IDs and phones, each membership with its kinds and dates) from the values Odoo reads back,
 * then compares the two field by field as Odoo reads them. The twins are deleted afterwards.
 */
export async function compareHousehold(odoo: OdooClient, groupId: number): Promise<Difference[]> {
  const context = { active_test: false };
  const [group] = await odoo.read('res.partner', [groupId], [...RECREATE_FIELDS.group!, 'group_membership_ids'], { context });
  const memberships = await odoo.read('g2p.group.membership', oldestFirst(group!.group_membership_ids), ['individual', ...RECREATE_FIELDS.membership!], {
    context,
  });
  const twinGroup = await odoo.create('res.partner', valuesOf(group!, RECREATE_FIELDS.group!));
  const twins: number[] = [];
  const aliases = new Map<number, string>([
    [groupId, 'the group'],
    [twinGroup, 'the group'],
  ]);
  try {
    for (const [index, membership] of memberships.entries()) {
      const individualId = m2oId(membership.individual) as number;
      const [person] = await odoo.read('res.partner', [individualId], [...RECREATE_FIELDS.individual!, 'reg_ids', 'phone_number_ids'], { context });
      const regIds = await odoo.read('g2p.reg.id', oldestFirst(person!.reg_ids), RECREATE_FIELDS.regId!);
      const phones = await odoo.read('g2p.phone.number', oldestFirst(person!.phone_number_ids), RECREATE_FIELDS.phone!);
      const twin = await odoo.create('res.partner', {
        ...valuesOf(person!, RECREATE_FIELDS.individual!),
        reg_ids: regIds.map((r) => [0, 0, valuesOf(r, RECREATE_FIELDS.regId!)]),
        phone_number_ids: phones.map((p) => [0, 0, valuesOf(p, RECREATE_FIELDS.phone!)]),
      });
      twins.push(twin);
      aliases.set(individualId, `member ${index}`).set(twin, `member ${index}`);
      await odoo.create('g2p.group.membership', {
        group: twinGroup,
        individual: twin,
        ...valuesOf(membership, RECREATE_FIELDS.membership!),
        kind: [[6, 0, membership.kind as number[]]],
      });
    }
    // OpenG2P counts the members from a queued job; run that recompute now, as its job runner would.
    await odoo.executeKw('res.partner', 'recompute_indicators', [[twinGroup]]);
    const cache = new Map();
    const differences: Difference[] = [];
    const compare = async (label: string, seededId: number, ormId: number) => {
      const seeded = await describe(odoo, 'res.partner', seededId, aliases, cache);
      const orm = await describe(odoo, 'res.partner', ormId, aliases, cache);
      for (const field of new Set([...Object.keys(seeded), ...Object.keys(orm)])) {
        if (!isDeepStrictEqual(seeded[field], orm[field])) differences.push({ record: label, field, seeded: seeded[field], orm: orm[field] });
      }
    };
    await compare(`group ${groupId}`, groupId, twinGroup);
    for (const [index, membership] of memberships.entries())
      await compare(`member ${m2oId(membership.individual)}`, m2oId(membership.individual) as number, twins[index]!);
    return differences;
  } finally {
    const twinMemberships = await odoo.search('g2p.group.membership', [['group', '=', twinGroup]]);
    if (twinMemberships.length) await odoo.unlink('g2p.group.membership', twinMemberships);
    for (const twin of twins) {
      const [record] = await odoo.read('res.partner', [twin], ['reg_ids', 'phone_number_ids'], { context });
      if ((record!.reg_ids as number[]).length) await odoo.unlink('g2p.reg.id', record!.reg_ids as number[]);
      if ((record!.phone_number_ids as number[]).length) await odoo.unlink('g2p.phone.number', record!.phone_number_ids as number[]);
    }
    await odoo.unlink('res.partner', [...twins, twinGroup]);
  }
}

/** The same registrant through OpenG2P's own REST module, which reads it with Odoo's ORM. */
export async function readThroughModule(
  url: string,
  login: string,
  password: string,
  id: number,
  kind: 'individual' | 'group',
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/api/v1/registry/${kind}/${id}`, {
    headers: { authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}` },
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* the status says what went wrong */
  }
  return { status: response.status, body };
}
