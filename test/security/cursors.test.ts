/**
 * Finding 6 of the adversarial probe (issue 26): cursors were unauthenticated base64url JSON. A
 * 110-byte crafted sync cursor (its filter fingerprint copied from a real one) expanded into
 * `id not in [99,999 ids]`, making each request 3-15x slower.
 *
 * Now every cursor handed out carries an expiry and an HMAC-SHA256 under `cursors.keys`; a
 * forged, altered, oversized or expired one is a 400 naming `query.cursor`. Keys rotate: sign
 * with the first, accept any. Before: the crafted cursor answered 200.
 */
import t, { type Test } from 'tap';
import { CursorSeal } from '../../src/registry/cursor.js';
import { startGateway, startOdoo, type Answer } from '../support/gateway.js';
import type { OdooTarget } from '../support/odoo-target.js';
import { testToken } from '../support/tokens.js';

const OLD_KEY = 'old-cursor-key-0123456789abcdef0123456789';
const NEW_KEY = 'new-cursor-key-0123456789abcdef0123456789';
const token = testToken('get');
// One Odoo for the file, holding households of several members on the real server too.
let odoo: OdooTarget;
t.before(async () => {
  odoo = await startOdoo(t, { households: 3, demoOnRealServer: true });
});

function refusedCursor(t: Test, answer: Answer, detail: RegExp): void {
  t.equal(answer.status, 400, answer.text);
  t.match(answer.contentType, /application\/problem\+json/);
  t.same(
    answer.body.errors.map((e: { field: string }) => e.field),
    ['query.cursor'],
  );
  t.match(answer.body.detail, detail);
}

t.test('cursors are signed, expire, are bounded in size and survive a key rotation', async (t) => {
  const signedWith = (keys: string[]) => startGateway(t, { odoo, token, config: { api: { syncSettleMs: 0 }, cursors: { keys, maxBytes: 4096 } } });
  const gw = await signedWith([OLD_KEY]);
  // Sync delivers a write_date second only once it has ended: let the seeded records' second pass.
  await new Promise((resolve) => setTimeout(resolve, 1_100));

  const first = await gw.request('GET', '/api/v1/individuals?sort=updated_at&limit=1');
  t.equal(first.status, 200, first.text);
  const cursor: string = first.body.next_cursor;
  t.type(cursor, 'string');
  t.type(first.body.resume_cursor, 'string');
  t.equal((await gw.request('GET', `/api/v1/individuals?sort=updated_at&limit=1&cursor=${cursor}`)).status, 200, 'its own cursor is taken');
  t.equal((await gw.request('GET', `/api/v1/individuals?sort=updated_at&limit=1&cursor=${first.body.resume_cursor}`)).status, 200, 'and its resume_cursor');

  // The probe's cursor: the fingerprint of a real one, a `seen` range of 99,999 ids.
  const [raw, expiry, mac] = cursor.split('.') as [string, string, string];
  const wire = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { f: string; w: string };
  const crafted = Buffer.from(JSON.stringify({ o: 'u', w: wire.w, s: [[1, 99_999]], f: wire.f })).toString('base64url');
  t.ok(crafted.length < 120);
  const forgedPath = (c: string) => `/api/v1/individuals?sort=updated_at&limit=1&cursor=${c}`;
  refusedCursor(t, await gw.request('GET', forgedPath(crafted)), /not issued by this gateway/);
  refusedCursor(t, await gw.request('GET', forgedPath(`${crafted}.${expiry}.${mac}`)), /not issued by this gateway/);
  refusedCursor(t, await gw.request('GET', forgedPath(`${raw}.${(Number.parseInt(expiry, 36) + 86_400).toString(36)}.${mac}`)), /not issued by this gateway/);
  refusedCursor(t, await gw.request('GET', forgedPath(`${cursor}${'A'.repeat(4100)}`)), /longer than 4096/);

  // Expired: sealed under the right key, but dated two days back.
  const past = new CursorSeal({ keys: [OLD_KEY], maxAgeMs: 24 * 3600_000, maxBytes: 4096 }, () => Date.now() - 2 * 24 * 3600_000);
  const opened = past.open(cursor, { order: 'updated_at', filter: wire.f });
  refusedCursor(t, await gw.request('GET', forgedPath(past.seal(opened))), /expired/);

  // Rotation: the new key first, the old one still accepted; cursors it hands out use the new key.
  const rotated = await signedWith([NEW_KEY, OLD_KEY]);
  t.equal((await rotated.request('GET', forgedPath(cursor))).status, 200, 'a cursor signed with the old key is still taken');
  const fresh = (await rotated.request('GET', '/api/v1/individuals?sort=updated_at&limit=1')).body.next_cursor as string;
  t.equal((await (await signedWith([NEW_KEY])).request('GET', forgedPath(fresh))).status, 200, 'signed with the new key');
  refusedCursor(t, await (await signedWith([OLD_KEY])).request('GET', forgedPath(fresh)), /not issued by this gateway/);
  refusedCursor(t, await (await signedWith([NEW_KEY])).request('GET', forgedPath(cursor)), /not issued by this gateway/);
});

t.test('id-ordered lists and group memberships hand out sealed cursors too', async (t) => {
  const gw = await startGateway(t, { odoo, token, config: { cursors: { keys: [OLD_KEY] } } });
  const groups = await gw.request('GET', '/api/v1/groups?limit=1');
  const groupCursor: string = groups.body.next_cursor;
  t.equal(groupCursor.split('.').length, 3);
  t.equal((await gw.request('GET', `/api/v1/groups?limit=1&cursor=${groupCursor}`)).status, 200);
  const unsigned = groupCursor.split('.')[0]!;
  refusedCursor(t, await gw.request('GET', `/api/v1/groups?limit=1&cursor=${unsigned}`), /not issued by this gateway/);
  // A household of several members (on a real server the first group may be another suite's one-member group).
  const memberships = await odoo.admin.searchRead<{ id: number; group: [number, string] }>('g2p.group.membership', [['is_ended', '=', false]], ['group'], {
    limit: 200,
  });
  const groupId = memberships.map((m) => m.group[0]).find((id, _i, all) => all.filter((other) => other === id).length > 1);
  const members = await gw.request('GET', `/api/v1/groups/${groupId}/members?limit=1`);
  t.equal(members.status, 200, members.text);
  t.type(members.body.next_cursor, 'string', 'a household has more than one member');
  {
    t.equal((await gw.request('GET', `/api/v1/groups/${groupId}/members?limit=1&cursor=${members.body.next_cursor}`)).status, 200);
    refusedCursor(t, await gw.request('GET', `/api/v1/groups/${groupId}/members?limit=1&cursor=${members.body.next_cursor.split('.')[0]}`), /not issued/);
  }
});

t.test('with redis.url the configuration must name the cursor keys', async (t) => {
  const { configSchema } = await import('../../src/config/schema.js');
  const result = configSchema.safeParse({ redis: { url: 'redis://127.0.0.1:6379' } });
  t.notOk(result.success);
  t.match(JSON.stringify(result.error?.issues), /cursors/);
  t.ok(configSchema.safeParse({ redis: { url: 'redis://127.0.0.1:6379' }, cursors: { keys: [OLD_KEY] } }).success);
});
