import { accessError } from '../exceptions.js';

export type Operation = 'read' | 'write' | 'create' | 'unlink';

/** Group xml id -> full display name ("Category/Name"), as AccessError texts print them. */
export const GROUP_NAMES: Record<string, string> = {
  'base.group_user': 'User types/Internal User',
  'base.group_system': 'Administration/Settings',
  'base.group_partner_manager': 'Extra Rights/Contact Creation',
  'g2p_registry_base.group_g2p_admin': 'OpenG2P Module Access/Administrator',
  'g2p_registry_base.group_g2p_registrar': 'OpenG2P Module Access/Registrar',
  'g2p_registry_rest_api.group_g2p_rest_api_get': 'OpenG2P Rest API/Rest API GET',
  'g2p_registry_rest_api.group_g2p_rest_api_post': 'OpenG2P Rest API/Rest API POST',
};

/** Groups that bring other groups with them (Odoo's implied_ids). */
const IMPLIED: Record<string, string[]> = {
  'base.group_system': ['base.group_user', 'base.group_partner_manager'],
  'g2p_registry_base.group_g2p_admin': ['base.group_user', 'base.group_partner_manager'],
  'g2p_registry_base.group_g2p_registrar': ['base.group_user'],
};

const ADMIN = 'g2p_registry_base.group_g2p_admin';
const REGISTRAR = 'g2p_registry_base.group_g2p_registrar';
const REST_GET = 'g2p_registry_rest_api.group_g2p_rest_api_get';
const REST_POST = 'g2p_registry_rest_api.group_g2p_rest_api_post';
const PARTNER_MANAGER = 'base.group_partner_manager';
const INTERNAL = 'base.group_user';
const SYSTEM = 'base.group_system';
/** An ir.model.access row without a group applies to every user (portal and public included). */
const EVERYONE = '';

/**
 * ir.model.access rows: model -> group -> permissions among r, w, c, u (u = unlink), as the
 * ir.model.access.csv files of Odoo 17 and OpenG2P 17.0-1.4 declare them (checked against the
 * real server by test/sim/follows-real.test.ts).
 */
const ACL: Record<string, Record<string, string>> = {
  'res.partner': { [INTERNAL]: 'r', [PARTNER_MANAGER]: 'rwcu', [REGISTRAR]: 'rwc', [REST_GET]: 'r', [REST_POST]: 'rwc' },
  'g2p.reg.id': { [ADMIN]: 'rwcu', [REGISTRAR]: 'rwc', [REST_GET]: 'r', [REST_POST]: 'rwc' },
  'g2p.phone.number': { [ADMIN]: 'rwcu', [REGISTRAR]: 'rwc', [REST_GET]: 'r', [REST_POST]: 'rwc' },
  'g2p.reg.rel': { [ADMIN]: 'rwcu', [REGISTRAR]: 'rwc', [REST_GET]: 'r', [REST_POST]: 'rwc' },
  'g2p.id.type': { [ADMIN]: 'rwcu', [REGISTRAR]: 'r', [REST_GET]: 'r', [REST_POST]: 'rwc' },
  'g2p.relationship': { [ADMIN]: 'rwcu', [INTERNAL]: 'r', [REST_GET]: 'r', [REST_POST]: 'rwc' },
  'g2p.group.membership': { [ADMIN]: 'rwcu', [REGISTRAR]: 'rwc' },
  'g2p.group.membership.kind': { [ADMIN]: 'rwcu', [REGISTRAR]: 'r' },
  'g2p.group.kind': { [ADMIN]: 'rwcu', [REGISTRAR]: 'r' },
  'gender.type': { [ADMIN]: 'rwcu', [EVERYONE]: 'r' },
  'g2p.registrant.tags': { [ADMIN]: 'rwcu', [REGISTRAR]: 'r' },
  'g2p.district': { [ADMIN]: 'rwcu', [EVERYONE]: 'r' },
  'res.partner.bank': { [INTERNAL]: 'r', [PARTNER_MANAGER]: 'rwcu' },
  'res.bank': { [INTERNAL]: 'r', [PARTNER_MANAGER]: 'rwcu', [SYSTEM]: 'rwcu' },
  'res.users': { [INTERNAL]: 'r', [SYSTEM]: 'rwcu' },
  'res.company': { [INTERNAL]: 'r', [SYSTEM]: 'rwcu' },
  'res.country': { [INTERNAL]: 'r', [SYSTEM]: 'rwcu' },
  'res.currency': { [INTERNAL]: 'r', [SYSTEM]: 'rwcu' },
  // every internal user manages their own API keys (a record rule limits them to their own)
  'res.users.apikeys': { [INTERNAL]: 'ru' },
  'res.users.apikeys.description': { [INTERNAL]: 'rwcu' },
  'res.users.identitycheck': { [INTERNAL]: 'rwcu' },
};

const PERMISSION_LETTER: Record<Operation, string> = { read: 'r', write: 'w', create: 'c', unlink: 'u' };
const OPERATION_WORD: Record<Operation, string> = { read: 'access', write: 'modify', create: 'create', unlink: 'delete' };

/** A user's groups with the implied ones added. */
export function expandGroups(groups: Iterable<string>): Set<string> {
  const result = new Set<string>();
  const pending = [...groups];
  while (pending.length) {
    const group = pending.pop()!;
    if (result.has(group)) continue;
    result.add(group);
    pending.push(...(IMPLIED[group] ?? []));
  }
  return result;
}

export function isAllowed(groups: ReadonlySet<string>, model: string, operation: Operation): boolean {
  const rows = ACL[model];
  if (!rows) return false;
  const letter = PERMISSION_LETTER[operation];
  for (const [group, permissions] of Object.entries(rows)) {
    if (permissions.includes(letter) && (group === EVERYONE || groups.has(group))) return true;
  }
  return false;
}

/** Throws Odoo's AccessError (text of odoo/addons/base/models/ir_model.py) when not allowed. */
export function checkAccess(groups: ReadonlySet<string>, model: string, description: string, operation: Operation): void {
  if (isAllowed(groups, model, operation)) return;
  const letter = PERMISSION_LETTER[operation];
  const allowed = Object.entries(ACL[model] ?? {})
    .filter(([, permissions]) => permissions.includes(letter))
    .map(([group]) => GROUP_NAMES[group] ?? group)
    .sort();
  const groupInfo = allowed.length
    ? `This operation is allowed for the following groups:\n${allowed.map((name) => `\t- ${name}`).join('\n')}`
    : 'No group currently allows this operation.';
  throw accessError(
    `You are not allowed to ${OPERATION_WORD[operation]} '${description}' (${model}) records.\n\n${groupInfo}\n\nContact your administrator to request access if necessary.`,
  );
}
