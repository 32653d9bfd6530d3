import type { CallEnv } from './env.js';

/** What the defaults read from the ORM (the Orm itself; an interface so this module does not import it). */
export interface DefaultsHost {
  today(): string;
  nowSeconds(): string;
}

/**
 * Field defaults of the simulated models (the Python `default=` of the real modules), in the
 * form create() and default_get() use.
 */
export function modelDefaults(orm: DefaultsHost, env: CallEnv, model: string): Record<string, unknown> {
  switch (model) {
    case 'res.partner':
      return {
        active: true,
        company_id: env.companyId,
        registration_date: orm.today(),
        type: 'contact',
        lang: 'en_US',
        color: 0,
        is_registrant: false,
        is_group: false,
        is_company: false,
        employee: false,
        birthdate_not_exact: false,
        is_partial_group: false,
      };
    case 'g2p.group.membership':
      return { start_date: orm.nowSeconds() };
    case 'g2p.phone.number':
      return { date_collected: orm.today() };
    case 'res.partner.bank':
      return { active: true, sequence: 10, allow_out_payment: false, company_id: env.companyId };
    case 'res.bank':
    case 'gender.type':
    case 'g2p.registrant.tags':
    case 'res.users':
    case 'res.company':
    case 'res.currency':
      return { active: true };
    case 'g2p.group.membership.kind':
      return { is_unique: false };
    default:
      return {};
  }
}
