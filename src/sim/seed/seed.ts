import type { CallEnv } from '../orm/env.js';
import type { Orm } from '../orm/orm.js';
import type { SimUser } from '../orm/user.js';
import { generateHouseholds } from './demo.js';
import { BANKS, COUNTRIES, CURRENCIES, DISTRICTS, GENDERS, GROUP_KINDS, ID_TYPES, MEMBERSHIP_KINDS, RELATIONSHIPS, TAGS } from './reference.js';

export interface SeedOptions {
  seed: number;
  households: number;
  adminPassword: string;
}

const INTERNAL = 'base.group_user';
const ADMIN_GROUPS = [INTERNAL, 'base.group_system', 'base.group_partner_manager', 'g2p_registry_base.group_g2p_admin'];

/** What seeding writes to (the SimDatabase itself; an interface so this module does not import it). */
export interface SeedTarget {
  readonly orm: Orm;
  registerUser(user: SimUser): void;
  addUser(user: Omit<SimUser, 'id' | 'partnerId'> & { id?: number }): SimUser;
}

/**
 * Builds a fresh database: company 1 "My Company", the users the recordings and tests use
 * (uid 1 __system__, uid 2 admin, uid 6 noaccess, then registrar, rest_get, rest_post,
 * rest_both), the reference data, and `households` demo households.
 */
export function seedDatabase(db: SeedTarget, options: SeedOptions): void {
  const orm = db.orm;
  const stamp = orm.clock.stamp();
  const magic = (uid: number) => ({ create_uid: uid, write_uid: uid, create_date: stamp, write_date: stamp });
  // Company and its partner reference each other: insert both rows directly.
  orm.table('res.currency').allocateId(CURRENCIES.length);
  for (const currency of CURRENCIES) orm.table('res.currency').insert({ ...currency, active: true, ...magic(1) });
  orm.table('res.partner').allocateId(1);
  orm.table('res.partner').insert({
    id: 1,
    name: 'My Company',
    is_company: true,
    type: 'contact',
    active: true,
    company_id: 1,
    lang: 'en_US',
    is_registrant: false,
    is_group: false,
    tags_ids: [],
    category_id: [],
    ...magic(1),
  });
  orm.table('res.company').allocateId(1);
  orm.table('res.company').insert({ id: 1, name: 'My Company', partner_id: 1, currency_id: 2, active: true, ...magic(1) });

  const system: CallEnv = { uid: 1, groups: undefined, companyId: 1, context: {}, stamp };
  const [botPartner] = orm.create(system, 'res.partner', [{ name: 'OdooBot', active: false }]);
  const [adminPartner] = orm.create(system, 'res.partner', [{ name: 'Administrator', email: 'admin@example.com' }]);
  const users = orm.table('res.users');
  users.allocateId(2);
  users.insert({ id: 1, login: '__system__', partner_id: botPartner, company_id: 1, active: false, ...magic(1) });
  users.insert({ id: 2, login: 'admin', partner_id: adminPartner, company_id: 1, active: true, ...magic(1) });
  db.registerUser({
    id: 1,
    login: '__system__',
    name: 'OdooBot',
    password: '',
    apiKeys: [],
    groups: [INTERNAL, 'base.group_system'],
    companyId: 1,
    partnerId: botPartner!,
    active: false,
  });
  db.registerUser({
    id: 2,
    login: 'admin',
    name: 'Administrator',
    password: options.adminPassword,
    apiKeys: [],
    groups: ADMIN_GROUPS,
    companyId: 1,
    partnerId: adminPartner!,
    active: true,
  });
  const plain = (login: string, name: string, groups: string[], id?: number) =>
    db.addUser({ id, login, name, password: login, apiKeys: [], groups: [INTERNAL, ...groups], companyId: 1, active: true });
  plain('noaccess', 'No Access', [], 6);
  plain('registrar', 'Registrar', ['g2p_registry_base.group_g2p_registrar']);
  plain('rest_get', 'Rest API Reader', ['g2p_registry_rest_api.group_g2p_rest_api_get']);
  plain('rest_post', 'Rest API Writer', ['g2p_registry_rest_api.group_g2p_rest_api_post']);
  plain('rest_both', 'Rest API Reader and Writer', ['g2p_registry_rest_api.group_g2p_rest_api_get', 'g2p_registry_rest_api.group_g2p_rest_api_post']);

  // Reference data is created by the administrator, as on the recorded server.
  const admin: CallEnv = { uid: 2, groups: undefined, companyId: 1, context: {}, stamp };
  const load = (model: string, rows: Record<string, unknown>[]) => {
    for (const { id, ...values } of rows) {
      orm.table(model).allocateId((id as number) - 1);
      orm.create(admin, model, [values]);
    }
  };
  load('res.country', COUNTRIES);
  load('gender.type', GENDERS);
  load('g2p.id.type', ID_TYPES);
  load('g2p.group.kind', GROUP_KINDS);
  load('g2p.group.membership.kind', MEMBERSHIP_KINDS);
  load(
    'res.bank',
    BANKS.map((bank) => ({ ...bank, country: 1 })),
  );
  load('g2p.registrant.tags', TAGS);
  load('g2p.district', DISTRICTS);
  load('g2p.relationship', RELATIONSHIPS);

  if (options.households > 0) generateHouseholds(orm, admin, options.seed, options.households);
}
