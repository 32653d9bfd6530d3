/**
 * The sync feed reads a caller's next page while the caller is still taking the current one
 * (`api.feedReadAhead`): a walk that pauses between pages finds each page read already, the walk
 * delivers exactly Odoo's records in Odoo's order, a held page is claimed only by a request that
 * names it exactly, and a page read ahead at the end of the feed is read again when claimed (the
 * end moves on). Runs against the simulator, or the real Odoo when G2P_E2E_ODOO_* is set.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { redisServerMissing, startRedis } from '../support/redis.js';
import { archiveRegistrants } from '../support/odoo-target.js';
import { startStack } from '../support/stack.js';

interface FeedPage {
  items: Array<Record<string, unknown> & { id: number }>;
  next_cursor: string | null;
  resume_cursor?: string;
}

t.test('the sync feed reads the next page ahead', async (t) => {
  const stack = await startStack(t, {
    protocol: 'jsonrpc',
    households: 2,
    api: {
      syncSettleMs: 0,
      feedReadAhead: 4,
      customFields: [{ name: 'tax_number', odooField: 'vat', type: 'string', readRole: 'Rest API POST' }],
    },
  });
  const tag = stack.runTag;
  t.teardown(async () => {
    await archiveRegistrants(stack.odoo, [['family_name', '=', tag]]);
    await stack.close();
  });
  const writer = stack.token('reader', 'writer');
  const reader = stack.token('reader');
  const create = async (n: number) =>
    stack.odoo.create('res.partner', {
      name: `${tag}, Feed${n}`,
      given_name: `Feed${n}`,
      family_name: tag,
      is_registrant: true,
      is_group: false,
      vat: `TAX-${n}`,
    });
  for (let n = 1; n <= 7; n++) await create(n);
  // Sync delivers only records whose write_date second is over.
  await sleep(1100);
  const expected = await stack.odoo.search('res.partner', [['family_name', '=', tag]], { order: 'write_date asc, id asc' });
  t.equal(expected.length, 7, 'fixtures');

  const base = `${new URL(stack.api).pathname}/individuals?family_name=${encodeURIComponent(tag)}&sort=updated_at`;
  const page = async (token: string, limit: number, cursor: string | null): Promise<FeedPage> => {
    const response = await stack.app.inject({
      method: 'GET',
      url: `${base}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      headers: { authorization: `Bearer ${token}` },
    });
    t.equal(response.statusCode, 200, `page after ${cursor ? 'a cursor' : 'the start'}: ${response.statusCode === 200 ? 'ok' : response.body.slice(0, 200)}`);
    return response.json() as FeedPage;
  };
  const feedReads = () => stack.objectCalls().filter((c) => c.model === 'res.partner' && c.method === 'web_search_read').length;

  t.test('a walk that pauses between pages finds each next page read already', async (t) => {
    const delivered: number[] = [];
    const readsPerRequest: number[] = [];
    let cursor: string | null = null;
    do {
      stack.resetCalls();
      const answer: FeedPage = await page(writer, 2, cursor);
      readsPerRequest.push(feedReads());
      delivered.push(...answer.items.map((item) => item.id));
      t.ok(
        answer.items.every((item) => item.tax_number !== undefined),
        'the writer sees its custom field',
      );
      cursor = answer.next_cursor;
      // The caller handles its page; the gateway reads the next one meanwhile.
      await sleep(150);
    } while (cursor);
    t.same(delivered, expected, "every record once, in Odoo's (write_date, id) order");
    // Page 1: its own read and the read-ahead of page 2. Pages 2 and 3: only the read-ahead of
    // the next page. Page 4 (the last, one record): read ahead as short, so read again.
    t.same(readsPerRequest, [2, 1, 1, 1], 'each page after the first was read before its request; the last was read again');
  });

  t.test('a held page is claimed only by the request that names it', async (t) => {
    const first = await page(writer, 2, null);
    await sleep(150);
    stack.resetCalls();
    const wider = await page(writer, 3, first.next_cursor);
    t.same(
      wider.items.map((item) => item.id),
      expected.slice(2, 5),
      'another page size reads its own page',
    );
    t.ok(feedReads() >= 1, 'read from Odoo, not from the held page of 2');
    const again = await page(writer, 2, null);
    await sleep(150);
    const asReader = await page(reader, 2, again.next_cursor);
    t.same(
      asReader.items.map((item) => item.id),
      expected.slice(2, 4),
      "the writer's cursor, presented by a reader: the same records",
    );
    t.ok(
      asReader.items.every((item) => !('tax_number' in item)),
      "without the writer's custom field",
    );
  });

  t.test('a page read ahead at the end of the feed is read again: the end moves on', async (t) => {
    const pages: FeedPage[] = [await page(writer, 3, null)];
    await sleep(150);
    pages.push(await page(writer, 3, pages[0]!.next_cursor));
    // The last page (one record) is being read ahead now; a record is written after it.
    await sleep(150);
    const late = await create(8);
    await sleep(1100);
    const last = await page(writer, 3, pages[1]!.next_cursor);
    t.same(
      last.items.map((item) => item.id),
      [expected[6], late],
      'the last page holds the record written after it was read ahead',
    );
  });
});

t.test('replicas (redis.url) read nothing ahead unless api.feedReadAhead says so', { skip: redisServerMissing() }, async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const stack = await startStack(t, { protocol: 'jsonrpc', households: 2, api: { syncSettleMs: 0 }, redis: { url: redis.url } });
  const tag = stack.runTag;
  t.teardown(async () => {
    await archiveRegistrants(stack.odoo, [['family_name', '=', tag]]);
    await stack.close();
  });
  for (let n = 1; n <= 5; n++) await stack.odoo.create('res.partner', { name: `${tag}, Replica${n}`, family_name: tag, is_registrant: true, is_group: false });
  await sleep(1100);
  const token = stack.token('reader');
  const readsPerRequest: number[] = [];
  let cursor: string | null = null;
  let delivered = 0;
  do {
    stack.resetCalls();
    const response = await stack.app.inject({
      method: 'GET',
      url: `${new URL(stack.api).pathname}/individuals?family_name=${encodeURIComponent(tag)}&sort=updated_at&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      headers: { authorization: `Bearer ${token}` },
    });
    t.equal(response.statusCode, 200);
    const page = response.json() as FeedPage;
    readsPerRequest.push(stack.objectCalls().filter((c) => c.model === 'res.partner' && c.method === 'web_search_read').length);
    delivered += page.items.length;
    cursor = page.next_cursor;
    await sleep(150);
  } while (cursor);
  t.equal(delivered, 5, 'every record');
  t.same(readsPerRequest, [1, 1, 1], 'each page read by its own request, none ahead');
});
