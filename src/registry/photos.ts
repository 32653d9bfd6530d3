import type { Actor } from './registry.js';

/**
 * Registrants' photos (`image_1920`, base64), for the OpenG2P compatibility surface whose
 * module returns them. Read apart from the records, in one `read`, so the registry API's own
 * reads never carry images.
 */
export async function registrantPhotos(actor: Actor, ids: number[]): Promise<Map<number, string | null>> {
  if (ids.length === 0) return new Map();
  const records = await actor.client.read('res.partner', ids, ['image_1920'], { context: { active_test: false } });
  return new Map(records.map((r) => [r.id, typeof r.image_1920 === 'string' && r.image_1920 !== '' ? r.image_1920 : null]));
}
