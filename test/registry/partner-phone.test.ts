/**
 * The partner's own `phone` follows the first phone number on the registry API too, as
 * OpenG2P's REST module and forms keep it (Odoo's search, screens and messaging read `phone`).
 * Runs against the simulator, or the real Odoo when G2P_E2E_ODOO_* are set.
 */
import t from 'tap';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
t.before(async () => {
  stack = await startStack(t, { protocol: 'jsonrpc', households: 2 });
  // Before the stack closes (teardowns run last registered first).
  t.teardown(async () => {
    const mine = await stack.odoo.search('res.partner', [['name', 'ilike', stack.runTag]], { context: { active_test: false } });
    if (mine.length) await stack.odoo.write('res.partner', mine, { active: false });
  });
});

async function send(method: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${stack.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.token('reader', 'writer')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}
const phoneOf = async (id: number) => (await stack.odoo.read('res.partner', [id], ['phone']))[0]!.phone;

t.test('create: phone is the first number unless given; PATCH of the numbers moves it', async (t) => {
  const created = await send('POST', '/individuals', {
    given_name: 'Phone', family_name: `Primary ${stack.runTag}`,
    phone_numbers: [{ phone_no: '+254712345611' }, { phone_no: '+254712345612' }],
  });
  t.equal(created.status, 201, JSON.stringify(created.body));
  t.equal(created.body.phone, '+254712345611', 'the answer shows it');
  t.equal(await phoneOf(created.body.id), '+254712345611', 'and Odoo holds it');

  const reordered = await send('PATCH', `/individuals/${created.body.id}`, { phone_numbers: [{ phone_no: '+254712345612' }] });
  t.equal(reordered.status, 200, JSON.stringify(reordered.body));
  t.equal(await phoneOf(created.body.id), '+254712345612', 'the new first number');

  const cleared = await send('PATCH', `/individuals/${created.body.id}`, { phone_numbers: [] });
  t.equal(cleared.status, 200);
  t.equal(await phoneOf(created.body.id), false, 'no numbers, no phone');

  const explicit = await send('POST', '/individuals', {
    given_name: 'Explicit', family_name: `Primary ${stack.runTag}`, phone: '+254712345619', phone_numbers: [{ phone_no: '+254712345613' }],
  });
  t.equal(explicit.status, 201);
  t.equal(await phoneOf(explicit.body.id), '+254712345619', 'a phone given explicitly is kept');

  const without = await send('POST', '/individuals', { given_name: 'None', family_name: `Primary ${stack.runTag}` });
  t.equal(await phoneOf(without.body.id), false, 'no numbers: no phone');
});
