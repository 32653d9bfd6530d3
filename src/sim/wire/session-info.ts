import type { SimDatabase } from '../orm/database.js';
import type { SimUser } from '../orm/user.js';
import { SERVER_VERSION, SERVER_VERSION_INFO } from './version.js';

/** The result of /web/session/authenticate and get_session_info, in the real server's key order. */
export function sessionInfo(database: SimDatabase, user: SimUser, baseUrl: string): Record<string, unknown> {
  const isSystem = user.groups.includes('base.group_system');
  return {
    uid: user.id,
    is_system: isSystem,
    is_admin: isSystem || user.groups.includes('base.group_erp_manager'),
    is_internal_user: user.groups.includes('base.group_user'),
    user_context: { lang: 'en_US', tz: false, uid: user.id },
    db: database.name,
    user_settings: {
      id: user.id - 1,
      user_id: { id: user.id },
      is_discuss_sidebar_category_channel_open: true,
      is_discuss_sidebar_category_chat_open: true,
      push_to_talk_key: false,
      use_push_to_talk: false,
      voice_active_duration: 200,
      volume_settings_ids: [['ADD', []]],
    },
    server_version: SERVER_VERSION,
    server_version_info: SERVER_VERSION_INFO,
    support_url: 'https://www.odoo.com/buy',
    name: user.name,
    username: user.login,
    partner_display_name: user.name,
    partner_id: user.partnerId,
    'web.base.url': baseUrl,
    active_ids_limit: 20000,
    profile_session: null,
    profile_collectors: null,
    profile_params: null,
    max_file_upload_size: 134217728,
    home_action_id: false,
    cache_hashes: {
      translations: '8ff07196da46692578abce266efa9a2c43a1054f',
      load_menus: '10fa875f421aa142745e0c51c0c668531fde176cec0bb86717f050311c252ba0',
    },
    currencies: { '1': { symbol: '$', position: 'before', digits: [69, 2] } },
    bundle_params: { lang: 'en_US' },
    user_companies: {
      current_company: user.companyId,
      allowed_companies: { [String(user.companyId)]: { id: user.companyId, name: 'My Company', sequence: 0, child_ids: [], parent_id: false } },
      disallowed_ancestor_companies: {},
    },
    show_effect: true,
    display_switch_company_menu: false,
    user_id: [user.id],
    web_tours: [],
    tour_disable: false,
    notification_type: 'email',
    odoobot_initialized: false,
    iap_company_enrich: true,
  };
}
