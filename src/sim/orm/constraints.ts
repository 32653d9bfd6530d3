import { validationError } from '../exceptions.js';
import type { CallEnv, Orm } from './orm.js';
import { checkImage } from './image.js';
import { sanitizePhone } from './phone.js';

/**
 * The Python constraints (@api.constrains) and stored computations the real modules run after
 * create/write, with their real messages. `changed` is null for create (everything is checked).
 * Deliberately NOT checked, as on the real server over RPC: "only one Head per group" (an
 * onchange of the web form only).
 */
export function validateRecords(orm: Orm, _env: CallEnv, model: string, ids: number[], changed: string[] | null): void {
  const touches = (...fields: string[]) => changed === null || fields.some((f) => changed.includes(f));
  switch (model) {
    case 'res.partner':
      if (touches('image_1920')) for (const id of ids) checkImage(orm.row(model, id)?.image_1920);
      if (touches('registration_date')) {
        const today = orm.today();
        for (const id of ids) {
          const date = orm.row(model, id)?.registration_date as string | null;
          if (date && date > today) throw validationError('Registration date must be less than the current date.');
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
