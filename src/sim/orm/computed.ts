import type { Row } from './store.js';

/** What computed fields need from the database. */
export interface ComputeHost {
  row(model: string, id: number): Row | undefined;
  displayName(model: string, id: number): string;
  lookup(model: string, field: string, value: unknown): ReadonlySet<number> | undefined;
  today(): string;
  nowSeconds(): string;
}

type Compute = (host: ComputeHost, row: Row) => unknown;

/** Age in whole years on `today`, as OpenG2P's _compute_calc_age shows it. */
export function ageText(birthdate: string | null | undefined, today: string): string {
  if (!birthdate) return 'No Birthdate!';
  const [by, bm, bd] = birthdate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  let years = ty - by;
  if (tm < bm || (tm === bm && td < bd)) years -= 1;
  return String(years);
}

const m2oName = (host: ComputeHost, model: string, id: unknown): string | null => (typeof id === 'number' ? host.displayName(model, id) || null : null);

const membershipEnded = (host: ComputeHost, row: Row): boolean => {
  const ended = row.ended_date as string | null | undefined;
  return !!ended && ended.slice(0, 19) <= host.nowSeconds();
};

/**
 * Computed fields evaluated when read or searched. z_ind_grp_num_individuals is recomputed on
 * every read (the real server updates it later through queue jobs, so it can lag; reading it
 * fresh is the "already caught up" state of the real one): the number of members of a group
 * whose membership is not ended.
 */
export const COMPUTED: Record<string, Record<string, Compute>> = {
  'res.partner': {
    complete_name: (_h, row) => row.name ?? null,
    age: (h, row) => ageText(row.birthdate as string | null, h.today()),
    kind_as_str: (h, row) => m2oName(h, 'g2p.group.kind', row.kind),
    z_ind_grp_num_individuals: (h, row) => {
      if (!row.is_group) return 0;
      let count = 0;
      for (const id of h.lookup('g2p.group.membership', 'group', row.id) ?? []) {
        const membership = h.row('g2p.group.membership', id);
        if (membership && !membershipEnded(h, membership)) count++;
      }
      return count;
    },
    email_normalized: (_h, row) => (typeof row.email === 'string' && row.email.includes('@') ? row.email.trim().toLowerCase() : null),
    email_formatted: (_h, row) => (row.email ? `"${String(row.name ?? '')}" <${String(row.email)}>` : null),
    self: (_h, row) => row.id,
    commercial_partner_id: (_h, row) => row.id,
    company_type: (_h, row) => (row.is_company ? 'company' : 'person'),
    active_lang_count: () => 1,
    tz_offset: () => '+0000',
    is_public: () => false,
    partner_share: () => true,
  },
  'g2p.group.membership': {
    is_ended: (h, row) => membershipEnded(h, row),
    status: (h, row) => (membershipEnded(h, row) ? 'inactive' : 'active'),
    individual_birthdate: (h, row) => (typeof row.individual === 'number' ? (h.row('res.partner', row.individual)?.birthdate ?? null) : null),
    individual_gender: (h, row) => (typeof row.individual === 'number' ? (h.row('res.partner', row.individual)?.gender ?? null) : null),
  },
  'g2p.reg.id': {
    id_type_as_str: (h, row) => m2oName(h, 'g2p.id.type', row.id_type),
  },
  'g2p.reg.rel': {
    relation_as_str: (h, row) => m2oName(h, 'g2p.relationship', row.relation),
  },
  'res.partner.bank': {
    acc_type: () => 'bank',
    bank_name: (h, row) => (typeof row.bank_id === 'number' ? (h.row('res.bank', row.bank_id)?.name ?? null) : null),
    bank_bic: (h, row) => (typeof row.bank_id === 'number' ? (h.row('res.bank', row.bank_id)?.bic ?? null) : null),
  },
  'res.users': {
    name: (h, row) => (typeof row.partner_id === 'number' ? (h.row('res.partner', row.partner_id)?.name ?? null) : null),
  },
};

/** Display names (the records' _rec_name or the special cases of the real modules). */
export function displayNameOf(host: ComputeHost, model: string, row: Row): string {
  switch (model) {
    case 'res.partner':
      return (row.name as string | null) ?? '';
    case 'g2p.group.membership':
      return m2oName(host, 'res.partner', row.group) ?? '';
    case 'g2p.reg.id':
      return m2oName(host, 'res.partner', row.partner_id) ?? '';
    case 'g2p.phone.number':
      return (row.phone_no as string | null) ?? '';
    case 'res.partner.bank':
      return (row.acc_number as string | null) ?? '';
    case 'gender.type':
      return (row.value as string | null) ?? '';
    case 'res.users':
      return m2oName(host, 'res.partner', row.partner_id) ?? '';
    case 'g2p.reg.rel':
      return m2oName(host, 'res.partner', row.source) ?? '';
    default:
      return (row.name as string | null) ?? `${model},${row.id}`;
  }
}
