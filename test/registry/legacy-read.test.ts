/**
 * Odoo 15/16 (OpenG2P 1.x) have no web_read / web_search_read. The registry then reads the
 * same trees level by level with batched `read`s. This suite runs both paths against the
 * simulator over a real socket and requires identical results, and a call count that does
 * not grow with the number of records. The "Odoo 16" client is the real client with its
 * version probe answering false: every call still goes over the wire.
 */
import t from 'tap';
import { createOdooConnection, type OdooClient } from '../../src/odoo/index.js';
import { groupSpec, individualSpec, MEMBERSHIP_SPEC } from '../../src/registry/mapping.js';
import { readTree, searchTree } from '../../src/registry/reader.js';
import { startSimulator } from '../../src/sim/index.js';

t.test('batched reads give what web_read gives, in a constant number of calls', async (t) => {
  const sim = await startSimulator({ households: 12, seed: 3 });
  const connection = createOdooConnection({ url: sim.url, db: 'g2p', protocol: 'jsonrpc' });
  t.teardown(async () => {
    await connection.close();
    await sim.close();
  });
  const modern = connection.as({ login: 'admin', secret: 'admin' });
  const legacy: OdooClient = Object.assign(Object.create(modern) as OdooClient, { supportsWebRead: async () => false });
  t.equal(await modern.supportsWebRead(), true, 'the simulator is Odoo 17');

  const individuals = [
    ['is_registrant', '=', true],
    ['is_group', '=', false],
  ] as const;
  const groups = [
    ['is_registrant', '=', true],
    ['is_group', '=', true],
  ] as const;
  const cases: Array<[string, string, readonly (readonly [string, string, unknown])[], Parameters<typeof searchTree>[3]]> = [
    ['individuals with IDs, phones, banks', 'res.partner', individuals, individualSpec([])],
    ['groups with members and kinds', 'res.partner', groups, groupSpec([], true)],
    ['memberships', 'g2p.group.membership', [], MEMBERSHIP_SPEC],
  ];
  for (const [what, model, domain, spec] of cases) {
    for (const limit of [3, 50]) {
      const expected = await searchTree(modern, model, domain, spec, { limit, order: 'id asc' });
      const actual = await searchTree(legacy, model, domain, spec, { limit, order: 'id asc' });
      t.ok(expected.records.length > 0, `${what}: some records`);
      t.same(actual, expected, `${what}, limit ${limit}: same records and length`);
    }
  }
  const someIds = (await modern.search('res.partner', individuals, { limit: 4 })).concat([2147483000]);
  t.same(
    await readTree(legacy, 'res.partner', someIds, individualSpec([])),
    await readTree(modern, 'res.partner', someIds, individualSpec([])),
    'readTree by ids, a missing one left out',
  );

  const callsFor = async (limit: number) => {
    sim.resetCalls();
    await searchTree(legacy, 'res.partner', groups, groupSpec([], true), { limit, order: 'id asc' });
    const objectCalls = sim.calls.filter((c) => c.service === 'object');
    t.notOk(
      objectCalls.some((c) => c.objectMethod?.startsWith('web_')),
      'no web_read on the legacy path',
    );
    return objectCalls.length;
  };
  const few = await callsFor(2);
  t.ok(few >= 3, `batched reads: ${few} calls (page, count, memberships, their kinds)`);
  t.equal(await callsFor(12), few, 'calls do not grow with the number of groups and members');
});
