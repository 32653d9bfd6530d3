/**
 * Fewer Odoo calls under load, with every caller still answered for itself: identical reads in
 * flight share one Odoo call (counted off the gateway's diagnostics channel, so the count holds
 * on the real Odoo as on the simulator), and If-None-Match on single reads answers 304 when the
 * record has not changed. Runs against the simulator, or the real Odoo when G2P_E2E_ODOO_* is set.
 */
import t from 'tap';
import { watchGatewayCalls } from '../support/call-shapes.js';
import { startStack, type Stack } from '../support/stack.js';

const READERS = 50;

async function get(stack: Stack, path: string, token: string | null, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.api}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const text = await response.text();
  return { status: response.status, etag: response.headers.get('etag'), text, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

t.test('identical reads share Odoo calls; If-None-Match answers 304', async (t) => {
  const stack = await startStack(t, {
    protocol: 'jsonrpc',
    households: 5,
    api: { customFields: [{ name: 'tax_number', odooField: 'vat', type: 'string', readRole: 'Rest API POST' }] },
  });
  const tag = stack.runTag;
  const calls = watchGatewayCalls();
  t.teardown(async () => {
    calls.stop();
    const mine = await stack.odoo.search('res.partner', [['name', 'ilike', tag]], { context: { active_test: false } });
    if (mine.length) await stack.odoo.write('res.partner', mine, { active: false });
    await stack.close();
  });
  const writer = stack.token('reader', 'writer');
  const reader = stack.token('reader');
  const created = await fetch(`${stack.api}/individuals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ given_name: 'Shared', family_name: tag, tax_number: `TAX-${tag}`, phone_numbers: [{ phone_no: '+254711111111' }] }),
  });
  t.equal(created.status, 201, 'fixture created');
  const id = ((await created.json()) as { id: number }).id;
  const path = `/individuals/${id}`;
  // Logged in and warm, so the calls counted below are reads only.
  t.equal((await get(stack, path, writer)).status, 200);

  t.test(`${READERS} identical concurrent reads cost one Odoo call, each caller answered for its roles`, async (t) => {
    calls.reset();
    const tokens = Array.from({ length: READERS }, (_, i) => (i % 5 === 4 ? null : i % 2 ? reader : writer));
    // Injected in the same tick, so all of them reach Odoo's client while the first read is on
    // the wire, however fast the Odoo (over sockets, arrivals spread over the read's duration).
    const url = `${new URL(stack.api).pathname}${path}`;
    const answers = await Promise.all(
      tokens.map(async (token) => {
        const response = await stack.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
        return { status: response.statusCode, body: response.body ? (response.json() as Record<string, unknown>) : undefined };
      }),
    );
    const reads = calls.calls().filter((c) => c.model === 'res.partner');
    t.equal(reads.length, 1, `${READERS} reads: one Odoo call (${calls.calls().length} calls in all)`);
    answers.forEach((answer, i) => {
      const token = tokens[i];
      if (token === null) return t.equal(answer.status, 401, `caller ${i} without a token: 401`);
      t.equal(answer.status, 200, `caller ${i}: 200`);
      if (token === writer) t.equal(answer.body?.tax_number, `TAX-${tag}`, `caller ${i} (writer) sees the field its role may read`);
      else t.notOk('tax_number' in (answer.body ?? {}), `caller ${i} (reader) does not`);
    });
  });

  t.test('a read after a write does not join a read that started before it', async (t) => {
    const before = get(stack, path, writer);
    const patched = await fetch(`${stack.api}${path}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ occupation: `Weaver ${tag}` }),
    });
    t.equal(patched.status, 200, 'patched');
    const after = await get(stack, path, writer);
    t.equal(after.body?.occupation, `Weaver ${tag}`, 'the read after the write sees it');
    t.equal((await before).status, 200);
  });

  t.test('If-None-Match', async (t) => {
    const current = await get(stack, path, writer);
    t.ok(current.etag, 'ETag on the read');
    calls.reset();
    const same = await get(stack, path, writer, { 'if-none-match': current.etag! });
    t.equal(same.status, 304, 'unchanged: 304');
    t.equal(same.text, '', 'without a body');
    t.equal(same.etag, current.etag, 'with the ETag');
    t.equal(calls.calls().length, 1, 'one Odoo call, as for a 200');
    t.equal((await get(stack, path, writer, { 'if-none-match': `W/${current.etag}, "other"` })).status, 304, 'weak comparison, list of tags');
    t.equal((await get(stack, path, writer, { 'if-none-match': '"not-the-version"' })).status, 200, 'another version: 200');
    t.equal((await get(stack, path, null, { 'if-none-match': current.etag! })).status, 401, 'no token: 401 first');

    const asReader = await get(stack, path, reader);
    t.equal(asReader.etag, current.etag, "the version is the record's, whoever asks (fields are hidden after)");
    t.equal((await get(stack, path, reader, { 'if-none-match': current.etag! })).status, 304, 'so a reader gets 304 for it too');

    const patched = await fetch(`${stack.api}${path}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phone_numbers: [{ phone_no: '+254722222222' }] }),
    });
    t.equal(patched.status, 200, 'a phone changed (the partner row may keep its write_date second)');
    const changed = await get(stack, path, writer, { 'if-none-match': current.etag! });
    t.equal(changed.status, 200, 'changed: 200 with the new representation');
    t.not(changed.etag, current.etag, 'and a new ETag');
    t.equal((await get(stack, path, writer, { 'if-none-match': changed.etag! })).status, 304, 'the new ETag: 304');
  });
});
