/**
 * Scale smoke on a real Odoo: `npm run seed`'s bulk path adds 20,000 individuals in 5,000
 * households (checked against twins made through Odoo's ORM, as the tool always does), then the
 * gateway's reads must still be right and bounded over that registry: totals, lookups by
 * national ID, pages deep in a cursor, a full walk of the sync feed, and no page above
 * api.maxPageSize. It changes what other suites see, so .ci/run runs it after them; it needs
 * the real Odoo (G2P_E2E_ODOO_*) and its PostgreSQL cluster (G2P_SCALE_PG), and skips otherwise.
 */
import t from 'tap';
import { seedOrRestore } from '../../bench/seed/registry.js';
import { createOdooConnection } from '../../src/odoo/index.js';
import { startGateway } from '../support/gateway.js';
import { realOdooSettings } from '../support/odoo-target.js';
import { testToken } from '../support/tokens.js';

const INDIVIDUALS = 20_000;
const HOUSEHOLDS = 5_000;
const MAX_PAGE = 500;
const real = realOdooSettings();
const pg = process.env.G2P_SCALE_PG;

t.test(
  'a registry of 20,000 individuals on the real Odoo',
  { skip: real && pg ? false : 'needs the real Odoo (G2P_E2E_ODOO_*) and its PostgreSQL cluster (G2P_SCALE_PG)' },
  async (t) => {
    const odoo = { url: real!.url, db: real!.db, login: real!.login, password: real!.password };
    const connection = createOdooConnection({ url: odoo.url, db: odoo.db, protocol: 'jsonrpc', timeoutMs: 120_000 });
    t.teardown(() => connection.close());
    const admin = connection.as({ login: odoo.login, secret: odoo.password });
    const before = await admin.searchCount('res.partner', [
      ['is_registrant', '=', true],
      ['is_group', '=', false],
      ['active', 'in', [true, false]],
    ]);

    const seedStarted = performance.now();
    await seedOrRestore({ pg: pg!, odoo, individuals: INDIVIDUALS, households: HOUSEHOLDS, seed: 27, verify: 2 }, (message) => t.comment(message));
    t.comment(`seeded and checked in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    const individuals = await admin.searchCount('res.partner', [
      ['is_registrant', '=', true],
      ['is_group', '=', false],
    ]);
    const withArchived = await admin.searchCount('res.partner', [
      ['is_registrant', '=', true],
      ['is_group', '=', false],
      ['active', 'in', [true, false]],
    ]);
    t.equal(withArchived - before, INDIVIDUALS + 1, 'the seed added the individuals asked for, and the one its bulk rows copy (made through the ORM)');

    const gateway = await startGateway(t, { odoo, token: testToken('get'), config: { api: { maxPageSize: MAX_PAGE } } });

    const first = await gateway.request('GET', '/api/v1/individuals?limit=50');
    t.equal(first.status, 200);
    t.equal(first.body.items.length, 50, 'a full first page');
    t.same([first.body.total, first.body.total_exact], [10_000, false], "the first page's total stops at api.countLimit, and says so");
    const exact = await gateway.request('GET', '/api/v1/individuals?limit=50&exact_total=true');
    t.same([exact.body.total, exact.body.total_exact], [individuals, true], "exact_total=true: Odoo's count of active individuals");

    const [someone] = await admin.searchRead(
      'g2p.reg.id',
      [
        ['id_type.name', '=', 'National ID'],
        ['value', '=like', '8%'],
        ['partner_id.active', '=', true],
      ],
      ['value', 'partner_id'],
      {
        limit: 1,
        order: 'id desc',
      },
    );
    const byNid = await gateway.request('GET', `/api/v1/individuals/by-reg-id/National%20ID/${someone!.value as string}`);
    t.equal(byNid.status, 200, 'a seeded national ID is found');
    t.equal(byNid.body.id, (someone!.partner_id as [number, string])[0], 'and names its individual');

    const tooBig = await gateway.request('GET', `/api/v1/individuals?limit=${MAX_PAGE * 4}`);
    t.ok(tooBig.status === 400 || (tooBig.status === 200 && tooBig.body.items.length <= MAX_PAGE), 'no page above api.maxPageSize');

    // The sync feed, walked to its end at the largest page: every individual (archived ones too) once.
    const seen = new Set<number>();
    let cursor: string | null = null;
    let pages = 0;
    let largest = 0;
    const walkStarted = performance.now();
    do {
      const page = await gateway.request(
        'GET',
        `/api/v1/individuals?sort=updated_at&include_archived=true&limit=${MAX_PAGE}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      if (page.status !== 200) {
        t.fail(`the sync feed answered ${page.status}: ${page.text.slice(0, 300)}`);
        break;
      }
      largest = Math.max(largest, page.body.items.length);
      for (const item of page.body.items as Array<{ id: number }>) seen.add(item.id);
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    const seconds = (performance.now() - walkStarted) / 1000;
    t.comment(`sync feed: ${seen.size} individuals in ${pages} pages, ${(seen.size / seconds).toFixed(0)} records/s`);
    t.ok(largest <= MAX_PAGE, `no feed page above api.maxPageSize (largest ${largest})`);
    t.equal(seen.size, withArchived, 'the sync feed returns every individual, archived ones too, each once');
  },
);
