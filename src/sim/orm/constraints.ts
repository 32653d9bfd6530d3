import { validationError } from '../exceptions.js';
import type { Operation } from './access.js';
import type { CallEnv } from './env.js';
import { checkImage } from './image.js';
import { sanitizePhone } from './phone.js';
import type { Row, Table } from './store.js';

/** What the constraints read from the ORM (the Orm itself; an interface so this module does not import it). */
export interface ConstraintHost {
  table(name: string): Table;
  row(model: string, id: number): Row | undefined;
  lookup(model: string, field: string, value: unknown): ReadonlySet<number> | undefined;
  today(): string;
  checkAccess(env: CallEnv, modelName: string, operation: Operation): void;
}

/**
 * The Python constraints (@api.constrains) and stored computations the real modules run after
 * create/write, with their real messages. `changed` is null for create (everything is checked).
 * Deliberately NOT checked, as on the real server over RPC: "only one Head per group" (an
 * onchange of the web form only).
 */
export function validateRecords(orm: ConstraintHost, env: CallEnv, model: string, ids: number[], changed: string[] | null): void {
  const touches = (...fields: string[]) => changed === null || fields.some((f) => changed.includes(f));
  switch (model) {
    case 'res.partner':
      if (touches('image_1920')) for (const id of ids) checkImage(orm.row(model, id)?.image_1920);
      checkUniqueKinds(orm, env, ids, changed === null);
      if (touches('registration_date')) {
        const today = orm.today();
        for (const id of ids) {
          const row = orm.row(model, id);
          const date = row?.registration_date as string | null;
          const birthdate = row?.birthdate as string | null;
          if (date && date > today) throw validationError('Registration date must be less than the current date.');
          // Checked only when the registration date is written (@api.constrains("registration_date")), as on the real server.
          if (date && birthdate && date < birthdate) throw validationError('Registration date must be later than the birth date.');
        }
      }
      break;
    case 'g2p.group.membership':
      for (const id of ids) {
        const row = orm.row(model, id)!;
        if (touches('group', 'individual')) {
          for (const other of orm.lookup(model, 'group', row.group) ?? []) {
            if (other !== id && orm.row(model, other)!.individual === row.individual) {
              throw validationError('Duplication of Member is not allowed ');
            }
          }
        }
        if (touches('start_date', 'ended_date')) {
          const start = row.start_date as string | null;
          const end = row.ended_date as string | null;
          if (start && end && end < start) throw validationError('End Date cannot be earlier than Start Date');
        }
      }
      break;
    case 'g2p.phone.number':
      if (touches('phone_no')) {
        const table = orm.table(model);
        for (const id of ids) {
          const phone = table.get(id)!.phone_no as string;
          table.update(id, { phone_sanitized: sanitizePhone(phone).e164 });
        }
      }
      break;
    case 'g2p.reg.id':
      for (const id of ids) {
        const row = orm.row(model, id)!;
        if (touches('id_type', 'partner_id')) {
          for (const other of orm.lookup(model, 'partner_id', row.partner_id) ?? []) {
            if (other !== id && orm.row(model, other)!.id_type === row.id_type) {
              throw validationError('The operation cannot be completed: A registrant can have only one ID of each type.');
            }
          }
        }
        if (touches('value', 'id_type')) {
          const idType = orm.row('g2p.id.type', row.id_type as number);
          const pattern = idType?.id_validation as string | null | undefined;
          if (pattern && !pythonReMatch(pattern, (row.value as string | null) ?? '')) {
            throw validationError(`The provided ${idType!.name as string} ID '${(row.value as string | null) ?? ''}' is invalid.`);
          }
        }
      }
      break;
    case 'res.partner.bank':
      if (touches('acc_number')) {
        const table = orm.table(model);
        for (const id of ids) {
          const account = (table.get(id)!.acc_number as string | null) ?? '';
          table.update(id, { sanitized_acc_number: account.replace(/\W+/gu, '').toUpperCase() });
        }
      }
      break;
    default:
      break;
  }
}

/** Python's re.match: anchored at the start only. */
function pythonReMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})`, 'u').test(value);
  } catch {
    return true;
  }
}

/**
 * g2p_registry_membership overrides res.partner's create and write (group.py, individual.py):
 * every create or write of a partner searches the unique membership kinds as the calling user,
 * so a user who may not read g2p.group.membership.kind (the REST API groups alone) cannot
 * create or change any partner; then a written group, or any group of a written individual,
 * holding two memberships of a unique kind (Head) is refused. The check after create looks at
 * an empty recordset in OpenG2P's code, so a created group is never refused.
 */
function checkUniqueKinds(orm: ConstraintHost, env: CallEnv, ids: number[], created: boolean): void {
  if (!ids.length) return;
  orm.checkAccess(env, 'g2p.group.membership.kind', 'read');
  const uniqueKinds = [...orm.table('g2p.group.membership.kind').allRows()].filter((kind) => kind.is_unique && kind.active !== false);
  if (!uniqueKinds.length) return;
  // OpenG2P counts `self.group_membership_ids`: across every group of one write, not per group.
  const refuseTwoOfAKind = (groups: number[]) => {
    const memberships = groups
      .flatMap((group) => [...(orm.lookup('g2p.group.membership', 'group', group) ?? [])])
      .map((id) => orm.row('g2p.group.membership', id)!);
    for (const kind of uniqueKinds) {
      if (memberships.filter((m) => ((m.kind as number[] | null) ?? []).includes(kind.id as number)).length > 1) {
        throw validationError(`Only one ${kind.name as string} is allowed per group`);
      }
    }
  };
  const partners = ids.map((id) => orm.row('res.partner', id)).filter((row) => row !== undefined);
  if (!created) refuseTwoOfAKind(partners.filter((p) => p.is_group).map((p) => p.id as number));
  // Then each group of each written individual, one group at a time (_recompute_parent_groups).
  for (const partner of partners.filter((p) => p.is_registrant && !p.is_group)) {
    const groups = new Set(
      [...(orm.lookup('g2p.group.membership', 'individual', partner.id) ?? [])].map((m) => orm.row('g2p.group.membership', m)!.group as number),
    );
    for (const group of groups) refuseTwoOfAKind([group]);
  }
}
