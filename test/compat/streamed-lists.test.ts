import t from 'tap';
import { basic, CLERK, startCompatStack } from '../support/compat.js';
import { watchGatewayCalls } from '../support/call-shapes.js';
import { startGateway } from '../support/gateway.js';
import { captureLogs } from '../support/stack.js';

/**
 * The module's list routes answer every match in one response. Past `api.maxPageSize` matches
 * the gateway streams that array chunk by chunk (docs/scale.md): the answer must be the very
 * same as when it fits in one chunk, byte for byte once parsed, on either backend. The chunks
 * are read in Odoo's order by keyset (name, then newest first), so registrants with the same
 * name that straddle a chunk boundary are neither repeated nor skipped, and nothing searches
 * every matching id first.
 */
t.test('GET /individual and /group with more matches than api.maxPageSize: streamed, the same answer', async (t) => {
  const stack = await startCompatStack(t);
  const tag = stack.runTag.slice(0, 6);
  const individuals: number[] = [];
  for (const suffix of ['D', 'B', 'E', 'A', 'C']) {
    individuals.push(await stack.odoo.create('res.partner', { name: `STREAM ${tag} ${suffix}`, given_name: suffix, is_registrant: true, is_group: false }));
  }
  // Five namesakes: chunks of 2 end inside them.
  const namesakes: number[] = [];
  for (let i = 0; i < 5; i++) namesakes.push(await stack.odoo.create('res.partner', { name: `STREAM ${tag} SAME`, is_registrant: true, is_group: false }));
  for (const suffix of ['B', 'C', 'A']) {
    await stack.odoo.create('res.partner', {
      name: `STREAM ${tag} GROUP ${suffix}`,
      is_registrant: true,
      is_group: true,
      kind: stack.reference.household,
      group_membership_ids: [[0, 0, { individual: individuals[suffix.charCodeAt(0) - 65]! }]],
    });
  }
  let capture: ReturnType<typeof captureLogs> | undefined;
  const small = await startGateway(t, {
    odoo: stack.target,
    listen: true,
    config: { api: { maxPageSize: 2 }, log: { level: 'info' } },
    before: (app) => void (capture = captureLogs(app)),
  });
  const wire = watchGatewayCalls();
  t.teardown(() => wire.stop());
  const get = async (origin: string, path: string) => {
    const response = await fetch(`${origin}${stack.app.config.compat.prefix}${path}`, { headers: { authorization: basic(CLERK) } });
    return { status: response.status, type: response.headers.get('content-type'), json: JSON.parse(await response.text()) };
  };
  for (const path of [
    `/individual?name=${encodeURIComponent(`STREAM ${tag}`)}`,
    `/group?name=${encodeURIComponent(`STREAM ${tag} GROUP`)}`,
    `/group?name=${encodeURIComponent(`STREAM ${tag} GROUP`)}&include_members_full=true`,
  ]) {
    const whole = await get(stack.origin, path);
    const streamed = await get(small.origin, path);
    t.equal(whole.status, 200, `${path}: one chunk answers 200`);
    t.equal(streamed.status, 200, `${path}: streamed answers 200`);
    t.match(streamed.type, /^application\/json/, `${path}: streamed as JSON`);
    t.ok(Array.isArray(streamed.json) && streamed.json.length > 2, `${path}: more records than one chunk of 2`);
    t.same(streamed.json, whole.json, `${path}: the same records, in the same order, with the same values`);
  }

  const named = (await get(small.origin, `/individual?name=${encodeURIComponent(`STREAM ${tag}`)}`)).json as Array<{ id: number }>;
  t.same(
    named.map((i) => i.id),
    [individuals[3], individuals[1], individuals[4], individuals[0], individuals[2], ...namesakes.slice().reverse()],
    "Odoo's order: A to E, then SAME, the namesakes newest first, each once",
  );
  // Reads by id (a chunk's members and photos) name their records; any other search of partners is bounded.
  const byIds = (domain: unknown) => Array.isArray(domain) && domain.some((term) => Array.isArray(term) && term[0] === 'id' && term[1] === 'in');
  const unbounded = wire
    .calls()
    .filter((call) => call.model === 'res.partner' && call.kwargs.limit === undefined && !byIds(call.kwargs.domain ?? call.args[0]));
  t.same(unbounded, [], 'no call searched every match: each chunk is one bounded read');
  t.ok(
    wire.calls().some((call) => call.method === 'web_search_read' && call.kwargs.order === 'complete_name asc, id desc' && call.kwargs.limit === 3),
    "the chunks were read in Odoo's order, api.maxPageSize at a time (and one past it, to know whether more follow)",
  );
  t.same(
    wire
      .calls()
      .filter((call) => call.method === 'web_search_read' && call.kwargs.order === 'complete_name asc, id desc')
      .filter((call) => call.kwargs.count_limit !== call.kwargs.limit),
    [],
    'no chunk made Odoo count: its count_limit is reached by the read itself',
  );
  // The audit line is written once the response has finished.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const audits = (capture?.logLines() ?? [])
    .map((line) => JSON.parse(line) as { msg?: string; audit?: { route: string; record_ids: number[]; exported?: unknown } })
    .filter((line) => line.msg === 'audit' && line.audit?.route.endsWith('/individual'));
  t.match(
    audits.at(-1)?.audit,
    { record_ids: [], exported: { records: named.length, complete: true } },
    'a streamed list is audited by count, as an export is',
  );
});
