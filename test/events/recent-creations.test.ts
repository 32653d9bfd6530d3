/**
 * The change detector's reading of "registered" (src/registry/changes.ts, src/events/detector.ts),
 * on the simulator or a real Odoo (G2P_E2E_ODOO_*): a registrant whose creation second the
 * feed's position has already passed unread (its creation became visible late, or a later
 * write elsewhere moved the cursor first) and that is changed again is still announced as
 * registered, once, thanks to the recent creations kept with the cursor. Records are made and
 * changed directly in Odoo; the feed is read over the wire.
 */
import t from 'tap';
import { initialCursor, readChanges, shiftSeconds } from '../../src/registry/changes.js';
import { startStack } from '../support/stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('a creation behind the cursor is still registered, once', async (t) => {
  const stack = await startStack(t, { protocol: 'jsonrpc', households: 1 });
  const tag = stack.runTag;
  const id = await stack.odoo.create('res.partner', { name: `${tag}, Late`, given_name: 'Late', family_name: tag, is_registrant: true, is_group: false });
  t.teardown(() => stack.odoo.write('res.partner', [id], { active: false }));
  const [row] = await stack.odoo.read<{ id: number; create_date: string }>('res.partner', [id], ['create_date']);
  const created = String(row!.create_date).slice(0, 19);
  // The position one second past the creation, without having read it.
  const cursor = { ...initialCursor('individual', 'now', 0), writeDate: shiftSeconds(created, 1) };
  await sleep(2_100);
  await stack.odoo.write('res.partner', [id], { given_name: 'LateChanged' });
  const read = async (recent?: { graceSeconds: number; readIds: ReadonlySet<number> }) => {
    const page = await readChanges(stack.odoo, 'individual', cursor, {
      limit: 50,
      settleMs: 0,
      now: () => Date.now() + 1_500,
      ...(recent ? { recent } : {}),
    });
    return page.changes.find((change) => change.id === id);
  };
  const without = await read();
  t.equal(without?.kind, 'updated', 'by the cursor alone, the creation is missed: announced as updated');
  t.equal(without?.createDate, created);
  const withRecent = await read({ graceSeconds: 3, readIds: new Set() });
  t.equal(withRecent?.kind, 'registered', 'within the grace window and not read before: registered');
  t.same(withRecent?.data, { id }, 'the event names the record, no registrant data (receivers read what they send)');
  const again = await read({ graceSeconds: 3, readIds: new Set([id]) });
  t.equal(again?.kind, 'updated', 'once read (kept with the cursor), later changes are updates');
  const outside = await read({ graceSeconds: 0, readIds: new Set() });
  t.equal(outside?.kind, 'updated', 'a creation older than the grace window is not new');
});
