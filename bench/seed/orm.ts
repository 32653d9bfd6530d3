import type { OdooClient } from '../../src/odoo/index.js';
import { DISTRICTS } from '../../src/sim/seed/reference.js';
import type { Reference, Templates } from './bulk.js';

/** Family name of the ORM-made records the bulk rows are copied from; also marks a seeded database. */
export const TEMPLATE_FAMILY = 'Seedtemplate';

async function ensure(odoo: OdooClient, model: string, field: string, value: string, extra: Record<string, unknown> = {}): Promise<number> {
  const [found] = await odoo.search(model, [[field, '=', value]], { limit: 1, context: { active_test: false } });
  return found ?? odoo.create(model, { [field]: value, ...extra });
}

/**
 * The reference data the registry points at, through the ORM: genders, ID types, group and
 * membership kinds (the names the test suites and OpenG2P deployments use) and districts.
 */
export async function ensureReference(odoo: OdooClient): Promise<Reference> {
  await ensure(odoo, 'gender.type', 'value', 'Female', { code: 'Female' });
  await ensure(odoo, 'gender.type', 'value', 'Male', { code: 'Male' });
  const districts: number[] = [];
  for (const district of DISTRICTS) districts.push(await ensure(odoo, 'g2p.district', 'name', district.name));
  return {
    nationalId: await ensure(odoo, 'g2p.id.type', 'name', 'National ID'),
    passport: await ensure(odoo, 'g2p.id.type', 'name', 'Passport', { id_validation: '^[A-Z][0-9]{8}$' }),
    household: await ensure(odoo, 'g2p.group.kind', 'name', 'Household'),
    family: await ensure(odoo, 'g2p.group.kind', 'name', 'Family'),
    head: await ensure(odoo, 'g2p.group.membership.kind', 'name', 'Head', { is_unique: true }),
    spouse: await ensure(odoo, 'g2p.group.membership.kind', 'name', 'Spouse'),
    child: await ensure(odoo, 'g2p.group.membership.kind', 'name', 'Child'),
    member: await ensure(odoo, 'g2p.group.membership.kind', 'name', 'Member'),
    districts,
  };
}

export async function seededAlready(odoo: OdooClient): Promise<boolean> {
  return (
    (await odoo.searchCount('res.partner', [
      ['family_name', '=', TEMPLATE_FAMILY],
      ['active', 'in', [true, false]],
    ])) > 0
  );
}

/** One individual with an ID and a phone, and one household with that individual as Head, made by Odoo's ORM. */
export async function createTemplates(odoo: OdooClient, reference: Reference): Promise<Templates> {
  const individual = await odoo.create('res.partner', {
    name: `${TEMPLATE_FAMILY.toUpperCase()}, AMARA`,
    family_name: TEMPLATE_FAMILY,
    given_name: 'Amara',
    is_registrant: true,
    is_group: false,
    gender: 'Female',
    birthdate: '1980-01-01',
    registration_date: '2000-01-01',
    reg_ids: [[0, 0, { id_type: reference.nationalId, value: '7000000000', status: 'valid' }]],
    phone_number_ids: [[0, 0, { phone_no: '+254700000000', date_collected: '2000-01-01' }]],
  });
  const group = await odoo.create('res.partner', {
    name: `Household ${TEMPLATE_FAMILY} 0`,
    is_registrant: true,
    is_group: true,
    kind: reference.household,
    registration_date: '2000-01-01',
  });
  const membership = await odoo.create('g2p.group.membership', { group, individual, kind: [[6, 0, [reference.head]]], start_date: '2000-01-01 08:00:00' });
  const [record] = await odoo.read('res.partner', [individual], ['reg_ids', 'phone_number_ids']);
  return { individual, group, membership, regId: (record!.reg_ids as number[])[0]!, phone: (record!.phone_number_ids as number[])[0]! };
}
