import { CONTACTS_SPEC, phoneNumbersOf, regIdsOf } from './mapping.js';
import { searchTree } from './reader.js';
import type { Actor } from './registry.js';
import type { Individual } from './schemas.js';

/**
 * What the OpenG2P compatibility surface shows beyond the registry's own records: photos
 * (`image_1920`, base64), which the module returns, and a group's IDs and phone numbers, which
 * POST /group stores. Read apart, in one call, so the registry API's own reads never carry images.
 */
export interface RegistrantExtras {
  photo: string | null;
  reg_ids: Individual['reg_ids'];
  phone_numbers: Individual['phone_numbers'];
}

export async function registrantExtras(actor: Actor, ids: number[], withContacts: boolean): Promise<Map<number, RegistrantExtras>> {
  if (ids.length === 0) return new Map();
  const { records } = await searchTree(
    actor.client,
    'res.partner',
    [['id', 'in', ids]],
    { image_1920: {}, ...(withContacts ? CONTACTS_SPEC : {}) },
    {
      context: { active_test: false },
    },
  );
  return new Map(
    records.map((r) => [
      r.id,
      {
        photo: typeof r.image_1920 === 'string' && r.image_1920 !== '' ? r.image_1920 : null,
        reg_ids: withContacts ? regIdsOf(r) : [],
        phone_numbers: withContacts ? phoneNumbersOf(r) : [],
      },
    ]),
  );
}
