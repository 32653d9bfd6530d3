/**
 * A registrant's IDs and phone numbers come back oldest first (by id), on single reads, pages
 * and cursor pages alike, while the gateway no longer asks Odoo to order them: OpenG2P's own
 * order for both is newest first, and an order in a web_read specification costs Odoo one more
 * search per x2many field. Runs against the simulator, or the real Odoo when G2P_E2E_ODOO_* is set.
 */
import t from 'tap';
import { watchGatewayCalls } from '../support/call-shapes.js';
import { archiveRegistrants } from '../support/odoo-target.js';
import { startStack } from '../support/stack.js';

type Spec = Record<string, { order?: string; fields?: Spec }>;

/** Orders named anywhere in a specification. */
function ordersIn(spec: Spec | undefined): string[] {
  return Object.values(spec ?? {}).flatMap((sub) => [...(sub.order ? [sub.order] : []), ...ordersIn(sub.fields)]);
}

t.test("IDs and phone numbers by id, ordered by the gateway, not by Odoo's order", async (t) => {
  const stack = await startStack(t, { protocol: 'jsonrpc', households: 2 });
  const tag = stack.runTag;
  const calls = watchGatewayCalls();
  t.teardown(async () => {
    calls.stop();
    await archiveRegistrants(stack.odoo, [['name', 'ilike', tag]]);
    await stack.close();
  });
  const writer = stack.token('reader', 'writer');
  const phones = ['+254711000001', '+254711000002', '+254711000003'];
  const digits = String(Date.now()).slice(-7);
  const created = [];
  for (const n of [1, 2]) {
    const response = await stack.app.inject({
      method: 'POST',
      url: `${new URL(stack.api).pathname}/individuals`,
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      payload: {
        given_name: `Ordered${n}`,
        family_name: tag,
        reg_ids: [
          { id_type: stack.reference.idType, value: `NID-${tag}-${n}` },
          { id_type: 'Passport', value: `P${digits}${n}` },
        ],
        phone_numbers: phones.map((phone_no) => ({ phone_no })),
      },
    });
    t.equal(response.statusCode, 201, `fixture ${n} created: ${response.body.slice(0, 300)}`);
    created.push(response.json() as { id: number });
  }
  const get = async (path: string) => {
    const response = await stack.app.inject({ method: 'GET', url: `${new URL(stack.api).pathname}${path}`, headers: { authorization: `Bearer ${writer}` } });
    t.equal(response.statusCode, 200, path);
    return response.json() as Record<string, unknown>;
  };
  type Listed = { reg_ids: Array<{ id: number; value: string }>; phone_numbers: Array<{ id: number; phone_no: string }> };
  const checkOrder = (record: Listed, where: string) => {
    const regIds = record.reg_ids.map((r) => r.id);
    const phoneIds = record.phone_numbers.map((p) => p.id);
    t.same(
      regIds,
      [...regIds].sort((a, b) => a - b),
      `${where}: IDs by id`,
    );
    t.same(
      phoneIds,
      [...phoneIds].sort((a, b) => a - b),
      `${where}: phone numbers by id`,
    );
    t.same(
      record.reg_ids.map((r) => r.value[0]),
      ['N', 'P'],
      `${where}: IDs in the order they were registered`,
    );
    t.equal(record.phone_numbers.length, 3, `${where}: every phone number`);
  };

  calls.reset();
  checkOrder((await get(`/individuals/${created[0].id}`)) as unknown as Listed, 'single read');
  const page = await get(`/individuals?family_name=${encodeURIComponent(tag)}&limit=1&sort=id`);
  checkOrder((page.items as Listed[])[0], 'first page');
  const next = await get(`/individuals?family_name=${encodeURIComponent(tag)}&limit=1&sort=id&cursor=${encodeURIComponent(String(page.next_cursor))}`);
  checkOrder((next.items as Listed[])[0], 'cursor page');
  const reads = calls.calls().filter((c) => c.method === 'web_read' || c.method === 'web_search_read');
  t.ok(reads.length >= 3, `the reads went to Odoo (${reads.length})`);
  t.same(
    reads.flatMap((c) => ordersIn(c.kwargs.specification as Spec)),
    [],
    'no specification asked Odoo to order an x2many',
  );
});
