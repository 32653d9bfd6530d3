/** A simulated Odoo user: res.users with its password, API keys and groups. */
export interface SimUser {
  id: number;
  login: string;
  name: string;
  password: string;
  apiKeys: string[];
  /** xml ids, e.g. 'base.group_user', 'g2p_registry_base.group_g2p_admin' */
  groups: string[];
  companyId: number;
  partnerId: number;
  active: boolean;
}
