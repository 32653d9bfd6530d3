/**
 * First-page totals are counted up to api.countLimit (Odoo's `count_limit`): past it the answer
 * says `total_exact: false`, and `exact_total=true` asks for the full count. A "contains" filter
 * (name, given or family name, phone) counts only one past its first page. Later pages count
 * only one past the page, which is all "is there more" needs. On the simulator and, with
 * G2P_E2E_ODOO_*, on the real Odoo.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { startGateway, startOdoo } from '../support/gateway.js';
import { archiveRegistrants } from '../support/odoo-target.js';
import { testToken } from '../support/tokens.js';

t.test('bounded first-page totals, the exact count on request', async (t) => {
  const odoo = await startOdoo(t);
  const tag = `BOUND${randomBytes(3).toString('hex').toUpperCase()}`;
  // A registration day of the 1900s no other record has: a filter that is not a "contains" one.
  const day = new Date(Date.UTC(1900, 0, 1) + (randomBytes(2).readUInt16BE() % 3000) * 86_400_000).toISOString().slice(0, 10);
  t.teardown(() => archiveRegistrants(odoo.admin, [['name', 'ilike', tag]]));
  for (let i = 0; i < 6; i++)
    await odoo.admin.create('res.partner', {
      name: `${tag}, P${i}`,
      given_name: `P${i}`,
      family_name: tag,
      registration_date: day,
      is_registrant: true,
      is_group: false,
    });
  for (let i = 0; i < 5; i++) await odoo.admin.create('res.partner', { name: `${tag} Household ${i}`, is_registrant: true, is_group: true });
  const gateway = await startGateway(t, { odoo, token: testToken('get'), config: { api: { countLimit: 3 } } });

  const registered = `registered_from=${day}&registered_to=${day}`;
  const bounded = await gateway.request('GET', `/api/v1/individuals?${registered}&limit=2`);
  t.equal(bounded.status, 200);
  t.equal(bounded.body.items.length, 2);
  t.equal(bounded.body.total, 3, 'counting stops at api.countLimit');
  t.equal(bounded.body.total_exact, false, 'and says so');

  const exactRegistered = await gateway.request('GET', `/api/v1/individuals?${registered}&limit=2&exact_total=true`);
  t.same([exactRegistered.body.total, exactRegistered.body.total_exact], [6, true], 'exact_total=true counts every match');

  const capped = await gateway.request('GET', `/api/v1/individuals?name=${tag}&limit=2`);
  t.equal(capped.status, 200);
  t.equal(capped.body.items.length, 2);
  t.equal(capped.body.total, 2, 'a contains filter counts one past the page, below api.countLimit');
  t.equal(capped.body.total_exact, false, 'and says so');

  const exact = await gateway.request('GET', `/api/v1/individuals?name=${tag}&limit=2&exact_total=true`);
  t.equal(exact.body.total, 6, 'exact_total=true counts every match');
  t.equal(exact.body.total_exact, true);

  const whole = await gateway.request('GET', `/api/v1/individuals?name=${tag}&limit=10`);
  t.equal(whole.body.total, 6, 'a page holding every match has its exact total');
  t.equal(whole.body.total_exact, true);

  const few = await gateway.request('GET', `/api/v1/individuals?name=${tag}%2C%20P1`);
  t.same([few.body.total, few.body.total_exact], [1, true], 'under the limit: exact');

  // Walking on from the capped page: later pages carry no total, and still know where the end is.
  const ids = capped.body.items.map((i: { id: number }) => i.id);
  let cursor: string | null = capped.body.next_cursor;
  while (cursor) {
    const page = await gateway.request('GET', `/api/v1/individuals?name=${tag}&limit=2&cursor=${cursor}`);
    t.equal(page.status, 200);
    t.notOk('total' in page.body, 'a later page has no total');
    ids.push(...page.body.items.map((i: { id: number }) => i.id));
    cursor = page.body.next_cursor;
  }
  t.equal(new Set(ids).size, 6, 'the pages hold every match once, and the last says it is the last');

  const groups = await gateway.request('GET', `/api/v1/groups?name=${tag}&limit=2`);
  t.same([groups.body.total, groups.body.total_exact], [2, false], 'groups: the same bound for a contains filter');
  const groupsExact = await gateway.request('GET', `/api/v1/groups?name=${tag}&limit=2&exact_total=true`);
  t.same([groupsExact.body.total, groupsExact.body.total_exact], [5, true], 'groups: the exact count on request');
});
