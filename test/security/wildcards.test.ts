/**
 * Finding 5 of the adversarial probe (issue 26): text a caller sends to "contains" filters is
 * matched literally, and lookups behind a DCI condition read a bounded number of rows.
 *
 * Before: `$contains: '%'` on an identifier reached Odoo as `ilike '%'` and matched every ID;
 * `_` matched any one character; the identifier lookup read every matching g2p.reg.id row.
 * Runs on the simulator and on the real Odoo (G2P_E2E_ODOO_*): PostgreSQL's LIKE is the judge.
 */
import t from 'tap';
import { expression, message, startDciGateway, startSim, uniqueId, type DciGateway } from '../dci/harness.js';
import type { OdooTarget } from '../support/odoo-target.js';
import { authHeaders } from '../support/tokens.js';

const SEARCH = '/registry/sync/search';
let target: OdooTarget;
let gw: DciGateway;
let bounded: DciGateway;
/** A marker only this run's records carry, and the two IDs told apart by a literal `_`. */
const marker = uniqueId('WILD').replace(/-/g, '');
const literal = `${marker}_1`;
const lookalike = `${marker}X1`;
let people: { literal: number; lookalike: number; percent: number };

t.before(async () => {
  target = await startSim();
  gw = await startDciGateway(t, target);
  bounded = await startDciGateway(t, target, { maxLookupRows: 2 });
  const [nationalId] = await target.admin.search('g2p.id.type', [['name', '=', 'National ID']], { limit: 1 });
  const person = (name: string, value: string) =>
    target.admin.create('res.partner', { name, given_name: name, is_registrant: true, is_group: false, reg_ids: [[0, 0, { id_type: nationalId, value }]] });
  people = {
    literal: await person(`${marker} Under_Score`, literal),
    lookalike: await person(`${marker} UnderXScore`, lookalike),
    percent: await person(`${marker} Per%Cent`, `${marker}%9`),
  };
});
t.teardown(async () => {
  await target?.close();
});

async function dciTotal(
  gateway: DciGateway,
  query: Record<string, unknown>,
  entity = 'Member',
): Promise<{ status: string; total?: number; reason?: string; ids: number[] }> {
  const answer = await gateway.post(SEARCH, message([expression(entity, query, { pagination: { page_size: 100, page_number: 1 } })]));
  t.equal(answer.status, 200);
  const item = answer.body.message.search_response[0];
  return {
    status: item.status,
    total: item.pagination?.total_count,
    reason: item.status_reason_code,
    ids: (item.data?.reg_records ?? []).map((r: { '@id': string }) => Number(r['@id'].split(':').pop())),
  };
}

t.test('DCI $contains on an identifier: % and _ match themselves only', async (t) => {
  const underscore = await dciTotal(gw, { UIN: { $contains: literal } });
  t.equal(underscore.status, 'succ');
  t.same(underscore.ids, [people.literal], '`_` is a literal underscore: the look-alike with X does not match');
  const percent = await dciTotal(gw, { UIN: { $contains: `${marker}%` } });
  t.same(percent.ids, [people.percent], '`%` is a literal percent sign');
  const everything = await dciTotal(gw, { UIN: { $contains: '%' } });
  const holders = await target.admin.searchCount('res.partner', [
    ['is_registrant', '=', true],
    ['is_group', '=', false],
    ['reg_ids.value', '=like', '%\\%%'],
  ] as never);
  t.equal(everything.total, holders, `a lone % matches the ${holders} members whose ID holds a percent sign, not every member`);
});

t.test('DCI $contains on a text attribute: wildcards are literal', async (t) => {
  const found = await dciTotal(gw, { given_name: { $contains: `${marker} Under_` } });
  t.same(found.ids, [people.literal]);
});

t.test('REST list filters: given_name matches its text literally', async (t) => {
  const gateway = gw;
  const answer = await gateway.request('GET', `/api/v1/individuals?given_name=${encodeURIComponent(`${marker} Under_Score`)}`, { headers: authHeaders('get') });
  t.equal(answer.status, 200, answer.text.slice(0, 300));
  t.same(
    answer.body.items.map((i: { id: number }) => i.id),
    [people.literal],
  );
  const percent = await gateway.request('GET', `/api/v1/individuals?given_name=${encodeURIComponent(`${marker} %`)}`, { headers: authHeaders('get') });
  t.same(
    percent.body.items.map((i: { id: number }) => i.id),
    [],
    'a % in the filter is not a wildcard',
  );
});

t.test('an identifier lookup reads at most dci.maxLookupRows rows: beyond, the search is refused', async (t) => {
  const many = await dciTotal(bounded, { UIN: { $contains: marker } });
  t.equal(many.status, 'rjct', 'three IDs hold the marker, the bound is two');
  t.equal(many.reason, 'rjct.search.too_many_records_found');
  const few = await dciTotal(bounded, { UIN: { $contains: literal } });
  t.same(few.ids, [people.literal], 'within the bound the search is answered');
  const groups = await dciTotal(bounded, { group_size: { $gte: 1 } }, 'Group');
  t.equal(groups.status, 'rjct', 'the group-size lookup is bounded as well');
});
