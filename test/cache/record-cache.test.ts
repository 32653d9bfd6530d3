/**
 * The record cache (`cache.enabled`) on one gateway over a real socket, on the simulator or a
 * real Odoo (G2P_E2E_ODOO_*): hits spare Odoo, say so (Cache-Status, Age), answer
 * If-None-Match, give way to Cache-Control: no-cache, and never outlive a change: the
 * gateway's own writes at once, changes made directly in Odoo (to the registrant, or through an
 * ID, a phone, a membership) within syncSettleMs + pollIntervalMs + 500 ms. Staleness is
 * asserted by reading until the new version shows, against that bound; figures are printed.
 */
import t, { type Test } from 'tap';
import { request } from 'undici';
import { startGateway, UNREACHABLE_ODOO } from '../support/gateway.js';
import { startStack, type Stack } from '../support/stack.js';

const SETTLE_MS = 1_000;
const POLL_MS = 200;
const BOUND_MS = SETTLE_MS + POLL_MS + 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Each detector pass re-reads what was written since the previous pass started less the settle
 * period and a second (Odoo's write_date is whole seconds): a record written less than this ago
 * is invalidated again at every pass, by design (its transaction may have committed late).
 * Hits are asserted on records quiet for longer.
 */
const REREAD_MS = SETTLE_MS + 2_000 + 2 * POLL_MS;
const quiet = () => sleep(REREAD_MS);
const figures = (t: Test, text: string) => t.comment(`figures: ${text}`);

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

async function call(
  stack: Stack,
  token: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const response = await fetch(`${stack.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Reads `path` until `done` holds; the time it took (ms) from `since`. */
async function readUntil(stack: Stack, token: string, path: string, done: (body: any) => boolean, since: number, limitMs = 30_000): Promise<number> {
  for (;;) {
    const reply = await call(stack, token, 'GET', path);
    if (reply.status === 200 && done(reply.body)) return performance.now() - since;
    if (performance.now() - since > limitMs) throw new Error(`${path} still answers ${JSON.stringify(reply.body).slice(0, 300)} after ${limitMs} ms`);
    await sleep(20);
  }
}

/** Odoo calls the gateway made reading record `id` by id (the detector's polls left out). */
const readsOf = (stack: Stack, id: number) =>
  stack.objectCalls().filter((c) => c.method === 'web_search_read' && JSON.stringify([c.args, c.kwargs]).includes(`["id","in",[${id}]]`)).length;

t.test('record cache on one gateway', { timeout: 240_000 }, async (t) => {
  const stack = await startStack(t, {
    protocol: 'jsonrpc',
    households: 2,
    api: { syncSettleMs: SETTLE_MS, customFields: [{ name: 'tax_number', odooField: 'vat', type: 'string', readRole: 'Rest API POST' }] },
    events: { enabled: true, pollIntervalMs: POLL_MS },
    cache: { enabled: true, maxAgeMs: 120_000 },
  });
  const token = stack.token('reader', 'writer');
  const tag = stack.runTag;
  const created = await call(stack, token, 'POST', '/individuals', {
    body: { given_name: 'Cached', family_name: tag, phone_numbers: [{ phone_no: '+254712000001' }] },
  });
  t.equal(created.status, 201);
  const id = created.body.id as number;
  const path = `/individuals/${id}`;
  // Nothing is stored until the change detector's first pass vouches for the cache.
  for (let i = 0; ; i++) {
    const first = await call(stack, token, 'GET', path);
    if (first.headers.get('cache-status')?.endsWith('; stored')) break;
    if (i > 200) throw new Error(`never stored: ${first.headers.get('cache-status')}`);
    await sleep(25);
  }

  t.test('a second read is a hit: no Odoo call, Age and Cache-Status, the same body and ETag', async (t) => {
    await quiet();
    const fromOdoo = await call(stack, token, 'GET', path, { headers: { 'cache-control': 'no-cache' } });
    t.equal(fromOdoo.headers.get('cache-status'), 'g2p-gateway; fwd=request; stored');
    t.equal(fromOdoo.headers.get('age'), null, 'no Age on an answer read from Odoo');
    stack.resetCalls();
    const hit = await call(stack, token, 'GET', path);
    t.equal(hit.status, 200);
    t.match(hit.headers.get('cache-status'), /^g2p-gateway; hit; ttl=\d+$/);
    t.match(hit.headers.get('age'), /^\d+$/);
    t.equal(hit.headers.get('etag'), fromOdoo.headers.get('etag'));
    t.same(hit.body, fromOdoo.body);
    t.equal(readsOf(stack, id), 0, 'the hit sent nothing to Odoo');
  });

  t.test('role and field rules apply after the cache: one entry, each caller sees what its roles allow', async (t) => {
    await call(stack, token, 'PATCH', path, { body: { tax_number: `TAX-${tag}` } });
    await quiet();
    const asWriter = await call(stack, token, 'GET', path);
    t.equal(asWriter.body.tax_number, `TAX-${tag}`);
    const asReader = await call(stack, stack.token('reader'), 'GET', path);
    t.match(asReader.headers.get('cache-status'), /hit/, 'the reader is answered from the same entry');
    t.notOk('tax_number' in asReader.body, 'without the field its roles may not read');
    const writerAgain = await call(stack, token, 'GET', path);
    t.match(writerAgain.headers.get('cache-status'), /hit/);
    t.equal(writerAgain.body.tax_number, `TAX-${tag}`, 'the entry itself kept the field');
    const noRole = await call(stack, stack.token(), 'GET', path);
    t.equal(noRole.status, 403, 'a caller without the read role is refused before the cache');
  });

  t.test('Cache-Control: no-cache reads from Odoo', async (t) => {
    stack.resetCalls();
    const forced = await call(stack, token, 'GET', path, { headers: { 'cache-control': 'no-cache' } });
    t.equal(forced.status, 200);
    t.equal(forced.headers.get('cache-status'), 'g2p-gateway; fwd=request; stored');
    t.equal(readsOf(stack, id), 1);
  });

  t.test('If-None-Match is answered from the cache: 304 without an Odoo call', async (t) => {
    const current = await call(stack, token, 'GET', path);
    stack.resetCalls();
    // Not fetch(): it adds Cache-Control: no-cache to any conditional request (as browsers do), which rightly reads Odoo.
    const response = await request(`${stack.api}${path}`, { headers: { authorization: `Bearer ${token}`, 'if-none-match': current.headers.get('etag')! } });
    await response.body.dump();
    t.equal(response.statusCode, 304);
    t.equal(response.headers.etag, current.headers.get('etag'));
    t.match(response.headers['cache-status'], /hit/);
    t.equal(readsOf(stack, id), 0);
  });

  t.test("the gateway's own write: the very next read shows it", async (t) => {
    const before = await call(stack, token, 'GET', path);
    t.match(before.headers.get('cache-status'), /hit/);
    const patched = await call(stack, token, 'PATCH', path, { body: { given_name: 'OwnWrite' } });
    t.equal(patched.status, 200);
    const after = await call(stack, token, 'GET', path);
    t.equal(after.body.given_name, 'OwnWrite');
    t.equal(after.headers.get('etag'), patched.headers.get('etag'));
    t.match(after.headers.get('cache-status'), /fwd=(stale|uri-miss)/);
  });

  t.test('a write made directly in Odoo: no cached answer outlives the bound', async (t) => {
    await quiet();
    await call(stack, token, 'GET', path);
    t.match((await call(stack, token, 'GET', path)).headers.get('cache-status'), /hit/, 'cached before the write');
    await stack.odoo.write('res.partner', [id], { given_name: 'DirectWrite' });
    const seenAfter = await readUntil(stack, token, path, (b) => b.given_name === 'DirectWrite', performance.now());
    figures(t, `direct write seen after ${seenAfter.toFixed(0)} ms (bound ${BOUND_MS} ms)`);
    t.ok(seenAfter <= BOUND_MS, `${seenAfter.toFixed(0)} ms <= ${BOUND_MS} ms`);
  });

  t.test('changes through child records made directly in Odoo: a phone, an ID', async (t) => {
    await call(stack, token, 'GET', path);
    const since = performance.now();
    await stack.odoo.create('g2p.phone.number', { partner_id: id, phone_no: '+254712000002' });
    const phoneSeen = await readUntil(stack, token, path, (b) => b.phone_numbers.some((p: { phone_no: string }) => p.phone_no === '+254712000002'), since);
    const [idType] = await stack.odoo.search('g2p.id.type', [['name', '=', stack.reference.idType]], { limit: 1 });
    await call(stack, token, 'GET', path);
    const idSince = performance.now();
    await stack.odoo.create('g2p.reg.id', { partner_id: id, id_type: idType, value: `CACHE-${tag}` });
    const idSeen = await readUntil(stack, token, path, (b) => b.reg_ids.some((r: { value: string }) => r.value === `CACHE-${tag}`), idSince);
    figures(t, `new phone seen after ${phoneSeen.toFixed(0)} ms, new ID after ${idSeen.toFixed(0)} ms (bound ${BOUND_MS} ms)`);
    t.ok(phoneSeen <= BOUND_MS, `phone: ${phoneSeen.toFixed(0)} ms <= ${BOUND_MS} ms`);
    t.ok(idSeen <= BOUND_MS, `ID: ${idSeen.toFixed(0)} ms <= ${BOUND_MS} ms`);
  });

  t.test('groups and memberships: cached, and a membership follows its individual', async (t) => {
    const group = await call(stack, token, 'POST', '/groups', {
      body: { name: `Household ${tag}`, kind: stack.reference.groupKind, members: [{ individual: id }] },
    });
    t.equal(group.status, 201);
    const groupPath = `/groups/${group.body.id}`;
    const members = await call(stack, token, 'GET', `${groupPath}/members`);
    const membershipPath = `${groupPath}/members/${members.body.items[0].id}`;
    await quiet();
    for (const p of [groupPath, membershipPath]) {
      await call(stack, token, 'GET', p);
      t.match((await call(stack, token, 'GET', p)).headers.get('cache-status'), /hit/, `${p} is a hit`);
    }
    const withMembers = await call(stack, token, 'GET', `${groupPath}?expand=members`);
    t.equal(withMembers.headers.get('cache-status'), null, 'a group with its members is never cached');
    // The membership names its individual: renaming the individual in Odoo reaches it.
    const since = performance.now();
    await stack.odoo.write('res.partner', [id], { given_name: 'Renamed', name: `${tag}, Renamed` });
    const seen = await readUntil(stack, token, membershipPath, (b) => b.individual.name === `${tag}, Renamed`, since);
    figures(t, `membership shows its renamed individual after ${seen.toFixed(0)} ms (bound ${BOUND_MS} ms)`);
    t.ok(seen <= BOUND_MS);
    const groupSince = performance.now();
    await stack.odoo.write('res.partner', [group.body.id], { name: `Household ${tag} renamed` });
    const groupSeen = await readUntil(stack, token, groupPath, (b) => b.name === `Household ${tag} renamed`, groupSince);
    t.ok(groupSeen <= BOUND_MS, `group: ${groupSeen.toFixed(0)} ms <= ${BOUND_MS} ms`);
    // A membership written on its own in Odoo (its group and individual untouched) is followed too.
    await quiet();
    await call(stack, token, 'GET', membershipPath);
    t.match((await call(stack, token, 'GET', membershipPath)).headers.get('cache-status'), /hit/, 'the membership is cached again');
    const endSince = performance.now();
    await stack.odoo.write('g2p.group.membership', [members.body.items[0].id], { ended_date: new Date().toISOString().slice(0, 19).replace('T', ' ') });
    const endSeen = await readUntil(stack, token, membershipPath, (b) => b.is_ended === true, endSince);
    figures(t, `membership ended in Odoo seen after ${endSeen.toFixed(0)} ms (bound ${BOUND_MS} ms)`);
    t.ok(endSeen <= BOUND_MS, `membership: ${endSeen.toFixed(0)} ms <= ${BOUND_MS} ms`);
    // Ending it through the gateway again answers at once (it is already ended: the same representation).
    const ended = await call(stack, token, 'DELETE', membershipPath);
    t.equal(ended.status, 204);
    t.equal((await call(stack, token, 'GET', membershipPath)).body.is_ended, true);
  });
});

t.test('configuration', async (t) => {
  await t.rejects(startGateway(t, { odoo: UNREACHABLE_ODOO, config: { cache: { enabled: true } } }), /cache\.enabled needs events\.enabled/);
  await t.rejects(startGateway(t, { odoo: UNREACHABLE_ODOO, config: { cache: { enabled: true, maxBytes: 10 } as never } }), /maxBytes/);
  const off = await startGateway(t, { odoo: UNREACHABLE_ODOO });
  t.equal(off.config.cache.enabled, false, 'off by default');
});
