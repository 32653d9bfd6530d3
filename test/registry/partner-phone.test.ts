/**
 * The partner's own `phone` follows the first phone number on the registry API too, as
 * OpenG2P's REST module and forms keep it (Odoo's search, screens and messaging read `phone`).
 * Runs against the simulator, or the real Odoo when G2P_E2E_ODOO_* are set.
 */
import t from 'tap';
import { simulatorOnly } from '../support/odoo-target.js';
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
    given_name: 'Phone',
    family_name: `Primary ${stack.runTag}`,
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
    given_name: 'Explicit',
    family_name: `Primary ${stack.runTag}`,
    phone: '+254712345619',
    phone_numbers: [{ phone_no: '+254712345613' }],
  });
  t.equal(explicit.status, 201);
  t.equal(await phoneOf(explicit.body.id), '+254712345619', 'a phone given explicitly is kept');

  const without = await send('POST', '/individuals', { given_name: 'None', family_name: `Primary ${stack.runTag}` });
  t.equal(await phoneOf(without.body.id), false, 'no numbers: no phone');
});

t.test('phone is phone_numbers[0] after any PATCH of the numbers, in the order sent', async (t) => {
  const [first, second, third] = ['+254712345621', '+254712345622', '+254712345623'];
  const created = await send('POST', '/individuals', {
    given_name: 'Order',
    family_name: `Primary ${stack.runTag}`,
    phone_numbers: [{ phone_no: first }, { phone_no: second }],
  });
  t.equal(created.status, 201, JSON.stringify(created.body));
  const numbers = (body: any) => body.phone_numbers.map((p: { phone_no: string }) => p.phone_no);
  t.same(numbers(created.body), [first, second]);

  for (const order of [[second, first], [third, second, first], [first, third], [third]]) {
    const patched = await send('PATCH', `/individuals/${created.body.id}`, { phone_numbers: order.map((phone_no) => ({ phone_no })) });
    t.equal(patched.status, 200, JSON.stringify(patched.body));
    t.same(numbers(patched.body), order, `the numbers read back as sent: ${order.join(', ')}`);
    t.equal(patched.body.phone, order[0], 'phone is the first of them');
    t.equal(await phoneOf(created.body.id), order[0], 'in Odoo too');
  }
});

// A real database keeps the demo registrants it was given before: only the simulator's seed is checked.
t.test('demo registrants with phone numbers have their first one as phone', { skip: simulatorOnly('demo registry as seeded') }, async (t) => {
  const page = await fetch(`${stack.api}/individuals?limit=100`, { headers: { authorization: `Bearer ${stack.token('reader')}` } });
  const { items } = (await page.json()) as { items: Array<{ name: string; phone: string | null; phone_numbers: Array<{ phone_no: string }> }> };
  // This suite's own registrants include one with a phone given explicitly.
  const withNumbers = items.filter((i) => i.phone_numbers.length > 0 && !i.name.toLowerCase().includes(stack.runTag.toLowerCase()));
  t.ok(withNumbers.length > 0, 'the demo registry has numbers to check');
  for (const item of withNumbers) t.equal(item.phone, item.phone_numbers[0]!.phone_no);
});
