/**
 * Streaming exports (`GET /individuals/export`, `/groups/export`) over a real socket: the whole
 * export is the paged list's records, CSV parses back to them, a checkpoint cursor resumes, the
 * read role is required, an Odoo failure mid-stream is visible to the client, and a consumer
 * that stops reading stops the gateway reading Odoo. Against the simulator, or the real Odoo
 * with G2P_E2E_ODOO_* (fault injection and call counts on the simulator only).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { startGateway, startOdoo } from '../support/gateway.js';
import { simulatorOnly } from '../support/odoo-target.js';
import { testToken } from '../support/tokens.js';

const API = '/api/v1';
const PAGE = 4;
const HOUSEHOLDS = 5000;

type Json = Record<string, any>;

/** RFC 4180 rows (quoted cells with doubled quotes, CRLF line ends); `#` lines are the export's control lines, kept apart. */
function parseCsv(text: string): { rows: string[][]; control: string[] } {
  const rows: string[][] = [];
  const control: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '#') {
      const end = text.indexOf('\r\n', i);
      control.push(text.slice(i, end));
      i = end + 2;
      continue;
    }
    const row: string[] = [];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const quote = text.indexOf('"', i);
          cell += text.slice(i, quote);
          i = quote + 1;
          if (text[i] === '"') {
            cell += '"';
            i++;
          } else break;
        }
      } else {
        const match = /[,\r]/.exec(text.slice(i));
        const end = match ? i + match.index : text.length;
        cell = text.slice(i, end);
        i = end;
      }
      row.push(cell);
      if (text[i] === ',') {
        i++;
        continue;
      }
      i += 2; // \r\n
      break;
    }
    rows.push(row);
  }
  return { rows, control };
}

const ndjson = (text: string): Json[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

const records = (lines: Json[]) => lines.filter((l) => !('_export' in l));
const controls = (lines: Json[]) => lines.filter((l) => '_export' in l).map((l) => l._export);

t.test('streaming export', async (t) => {
  const odoo = await startOdoo(t);
  const logLines: Json[] = [];
  const gateway = await startGateway(t, {
    odoo,
    listen: true,
    token: testToken('both'),
    config: { api: { maxPageSize: PAGE }, log: { level: 'info' } },
    // The app's log lines (audit included) to a capture: pino children write to their root's stream.
    before: (app) => {
      const capture = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Json);
          done();
        },
      });
      (app.log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = capture;
    },
  });
  const audits = (route: string) => logLines.filter((l) => l.msg === 'audit' && l.audit.route === route).map((l) => l.audit);
  const tag = `Export${Date.now().toString(36)}`;
  const created = await gateway.request('POST', `${API}/individuals/batch`, {
    body: {
      items: Array.from({ length: 10 }, (_, n) => ({
        given_name: `P${n}, "quoted"`,
        family_name: tag,
        gender: n % 2 ? 'Female' : 'Male',
        phone_numbers: [{ phone_no: `+2547123450${String(n).padStart(2, '0')}` }],
      })),
    },
  });
  t.equal(created.status, 201, 'fixture created');
  const group = await gateway.request('POST', `${API}/groups`, {
    body: { name: `${tag} household`, kind: 'Household', members: created.body.items.slice(0, 3).map((i: Json) => ({ individual: i.id })) },
  });
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.origin}${API}${path}`, { headers: { authorization: `Bearer ${testToken('get')}`, ...headers } });

  async function listAll(path: string): Promise<Json[]> {
    const out: Json[] = [];
    let cursor: string | null = null;
    do {
      const page = await gateway.request('GET', `${API}${path}&limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`);
      out.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    return out;
  }

  const listed = await listAll(`/individuals?family_name=${tag}`);
  t.equal(listed.length, 10);

  t.test('NDJSON: the paged list, in id order, checkpoints after each batch, then the completion line', async (t) => {
    const response = await get(`/individuals/export?family_name=${tag}`);
    t.equal(response.status, 200);
    t.equal(response.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
    const lines = ndjson(await response.text());
    t.same(records(lines), listed, 'the same records, fields and order as the paged list');
    const control = controls(lines);
    t.equal(control.length, 4, 'three batches of 4, 4, 2, each with its checkpoint, and the completion line');
    t.same(control.at(-1), { complete: true, records: 10, cursor: control.at(-2)!.cursor });
    t.equal(lines.at(-1)!._export.complete, true, 'the completion line is last');
    await new Promise((resolve) => setTimeout(resolve, 50));
    t.match(
      audits(`${API}/individuals/export`).at(-1),
      { record_ids: [], exported: { records: 10, complete: true }, status: 200, access: 'Rest API GET' },
      'audited by count, not ids',
    );

    const groups = await get(`/groups/export?name=${encodeURIComponent(`${tag} household`)}&expand=members`);
    const groupLines = ndjson(await groups.text());
    const listedGroups = await listAll(`/groups?name=${encodeURIComponent(`${tag} household`)}&expand=members`);
    t.equal(group.status, 201);
    t.same(records(groupLines), listedGroups, 'groups with members: the same as the list');
    t.equal(records(groupLines)[0].members.length, 3);
  });

  t.test('CSV: one column per field, lists as JSON cells, quoting round-trips', async (t) => {
    for (const [how, response] of [
      ['Accept: text/csv', await get(`/individuals/export?family_name=${tag}`, { accept: 'text/csv' })],
      ['?format=csv', await get(`/individuals/export?family_name=${tag}&format=csv`)],
    ] as const) {
      t.equal(response.status, 200, how);
      t.match(response.headers.get('content-type'), /^text\/csv; charset=utf-8/, how);
      const { rows, control } = parseCsv(await response.text());
      const [header, ...data] = rows;
      t.ok(header!.includes('id') && header!.includes('phone_numbers'), `${how}: header names the fields`);
      t.equal(data.length, 10, how);
      const column = (name: string) => header!.indexOf(name);
      for (const [n, row] of data.entries()) {
        t.equal(Number(row[column('id')]), listed[n]!.id, `${how}: row ${n} in id order`);
        t.equal(row[column('given_name')], listed[n]!.given_name, `${how}: commas and quotes survive`);
        t.same(JSON.parse(row[column('phone_numbers')]!), listed[n]!.phone_numbers, `${how}: a list is a JSON cell`);
      }
      t.match(control.at(-1), /^# complete records=10 cursor=\S+$/, `${how}: the completion line is last`);
      t.equal(control.filter((c) => c.startsWith('# cursor=')).length, 3, `${how}: a checkpoint per batch`);
    }
  });

  t.test('a checkpoint cursor resumes after its batch; a bad cursor or filter is a problem answer before any line', async (t) => {
    const full = ndjson(await (await get(`/individuals/export?family_name=${tag}`)).text());
    const afterFirst = controls(full)[0].cursor;
    const resumed = ndjson(await (await get(`/individuals/export?family_name=${tag}&cursor=${afterFirst}`)).text());
    t.same(records(resumed), listed.slice(PAGE), 'the records after the first batch');
    // A cursor is `<position>.<expiry>.<mac>`: two exports ending at one record name the same position, and their expiry
    // (whole seconds) differs when a second boundary falls between them.
    const position = (cursor: unknown) => String(cursor).split('.')[0];
    const last = position(controls(full).at(-1).cursor);
    t.same(
      { ...controls(resumed).at(-1), cursor: position(controls(resumed).at(-1).cursor) },
      { complete: true, records: 10 - PAGE, cursor: last },
      'ending on the same cursor',
    );
    const atEnd = ndjson(await (await get(`/individuals/export?family_name=${tag}&cursor=${controls(full).at(-1).cursor}`)).text());
    t.same(
      atEnd.map((line) => ({
        _export: { ...(line as { _export: Record<string, unknown> })._export, cursor: position((line as { _export: { cursor: unknown } })._export.cursor) },
      })),
      [{ _export: { cursor: last } }, { _export: { complete: true, records: 0, cursor: last } }],
    );

    const otherFilter = await get(`/individuals/export?family_name=${tag}&gender=Male&cursor=${afterFirst}`);
    t.equal(otherFilter.status, 400);
    t.equal(otherFilter.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    const unknown = await get(`/individuals/export?limit=5`);
    t.equal(unknown.status, 400, 'page size is not an export parameter');
  });

  t.test('/openapi.json documents both media types and the export parameters', async (t) => {
    const document = (await (await fetch(`${gateway.origin}/openapi.json`)).json()) as Json;
    for (const path of ['/individuals/export', '/groups/export']) {
      const operation = document.paths[`${API}${path}`].get;
      t.same(Object.keys(operation.responses['200'].content).sort(), ['application/x-ndjson', 'text/csv'], path);
      const parameters = operation.parameters.map((p: Json) => p.name);
      t.ok(parameters.includes('cursor') && parameters.includes('format') && parameters.includes('name'), path);
      t.notOk(parameters.includes('limit') || parameters.includes('sort'), `${path}: no page size or sort`);
      t.match(operation.description, /complete/);
    }
  });

  t.test('the read role is required', async (t) => {
    for (const path of ['/individuals/export', '/groups/export']) {
      const refused = await fetch(`${gateway.origin}${API}${path}`, { headers: { authorization: `Bearer ${testToken('post')}` } });
      t.equal(refused.status, 403, path);
      t.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    }
  });

  t.test(
    'an Odoo failure mid-stream: NDJSON ends with the problem and a cursor to resume, CSV without its completion line',
    { skip: simulatorOnly() },
    async (t) => {
      const faults = odoo.sim!.faults;
      t.teardown(() => faults.clear());
      for (const format of ['ndjson', 'csv']) {
        // Each batch takes a while: the first is read before the answer starts, the fault lands on a later one.
        faults.addLatency(150, { model: 'res.partner', method: 'web_search_read' });
        const response = await get(`/individuals/export?family_name=${tag}&format=${format}`);
        t.equal(response.status, 200, `${format}: the answer had started`);
        faults.setFaultRate(1, { model: 'res.partner', method: 'web_search_read' }, 1);
        const text = await response.text();
        await faults.clear();
        if (format === 'csv') {
          const { rows, control } = parseCsv(text);
          t.ok(rows.length - 1 < 10, 'cut short');
          t.notOk(
            control.some((c) => c.startsWith('# complete')),
            'no completion line',
          );
          continue;
        }
        const lines = ndjson(text);
        const last = lines.at(-1)!._export;
        t.equal(last.complete, false);
        t.equal(last.records, records(lines).length);
        t.ok(last.records < 10, 'cut short');
        t.equal(last.problem.status, 502, `an Odoo server error is a 502: ${JSON.stringify(last.problem)}`);
        t.match(last.problem.type, /^\/problems\//);
        t.notMatch(JSON.stringify(last.problem), /Traceback|psycopg2/, 'no Odoo internals');
        t.ok(
          logLines.some((l) => l.msg === 'export ended by a failure' && l.records === last.records && l.level === 50),
          'the failure is logged',
        );
        t.match(audits(`${API}/individuals/export`).at(-1), { exported: { records: last.records, complete: false } }, 'audited as incomplete');
        const rest = ndjson(await (await get(`/individuals/export?family_name=${tag}&cursor=${last.cursor}`)).text());
        t.same([...records(lines), ...records(rest)], listed, 'resuming from its cursor gives the rest');
      }
    },
  );

  t.test('a consumer that stops reading stops the reads from Odoo', { skip: simulatorOnly('call log') }, async (t) => {
    // Many times what the socket buffers hold (several MB on loopback): every individual of a
    // large demo registry, 500 a batch.
    const large = await startOdoo(t, { households: HOUSEHOLDS });
    const sim = large.sim!;
    const big = await startGateway(t, { odoo: large, listen: true, token: testToken('get') });
    const total = (await big.request('GET', `${API}/individuals?limit=1&exact_total=true`)).body.total as number;
    const batches = Math.ceil(total / 500);
    const batchReads = () => sim.calls.filter((c) => c.model === 'res.partner' && c.objectMethod === 'web_search_read').length;
    const before = batchReads();
    const response: IncomingMessage = await new Promise((resolve, reject) => {
      const req = httpRequest(`${big.origin}${API}/individuals/export`, { headers: { authorization: `Bearer ${testToken('get')}` } }, resolve);
      req.on('error', reject).end();
    });
    response.pause();
    let stable = -1;
    for (let seen = batchReads(); seen !== stable; seen = batchReads()) {
      stable = seen;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const whileStopped = stable - before;
    t.ok(whileStopped < batches / 2, `the gateway stopped after ${whileStopped} of ${batches} batches while the consumer read nothing`);
    let text = '';
    response.setEncoding('utf8');
    for await (const chunk of response) text += chunk;
    const lines = ndjson(text);
    t.comment(`${total} records, ${(text.length / 1e6).toFixed(1)} MB; ${whileStopped} batches read while the consumer was stopped`);
    t.equal(records(lines).length, total);
    t.equal(controls(lines).at(-1)!.complete, true);
    t.equal(batchReads() - before, batches, 'then every batch, each read once');
  });
});
