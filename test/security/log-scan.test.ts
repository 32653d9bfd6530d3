/**
 * Logs carry no secret and no personal value (issue 10, Security / Logs).
 *
 * 1. The full end-to-end suite (test/e2e/registry-api.test.ts, both transports) runs again as
 *    a child process with G2P_TEST_LOG_FILE set: every gateway it starts logs at debug level
 *    into that file, and the stack writes what it must never log beside it (tokens it signed,
 *    the Odoo password, session ids seen on the wire, every personal value a request carried).
 *    Running the real suite unchanged, rather than a copy of its requests, keeps the scan in
 *    step with whatever the suite exercises; it costs one more run of it (~20 s) in CI.
 * 2. A focused scenario covers what that suite does not: DCI searches, 400s with personal data
 *    in the body, Odoo refusals and faults whose text quotes personal values, refused
 *    credentials.
 * 3. An Odoo stand-in that answers with the faults a real server sends and the simulator
 *    cannot: crashes whose traceback quotes the row (psycopg2's "Key (value)=(…)"), error
 *    pages and cut bodies holding registry data.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { redactOdooDebug } from '../../src/logging.js';
import { SimDatabase } from '../../src/sim/index.js';
import { startGateway } from '../support/gateway.js';
import { OdooFaultServer, odooLike, type FakeAnswer } from '../support/odoo-fault-server.js';
import { signJwt, standardClaims, testToken } from '../support/tokens.js';
import { captureLogs, startStack, watchFileOf, type Protocol, type Stack, type WatchedValue } from '../support/stack.js';

t.setTimeout(240_000);

interface Hit {
  line: number;
  finding: string;
}

const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/;
const CREDENTIAL_SCHEMES = /\b(?:Basic|Bearer)\s+[A-Za-z0-9+/._~-]{6,}/i;
const SESSION_COOKIE = /session_id=[^;\s"\\]+/;
/** JSON keys whose string values are credentials wherever they appear in a log entry. */
const CREDENTIAL_KEY = /passw|secret|token|api[-_]?key|authorization|cookie|session_?id/i;
const REDACTED = '[redacted]';

/** A value as it may show in a report without repeating it: kind, length and first characters. */
const masked = (value: string) => `${value.slice(0, 3)}…(${value.length} chars)`;

function credentialKeys(value: unknown, path: string, found: string[]): void {
  if (Array.isArray(value)) value.forEach((item, i) => credentialKeys(item, `${path}[${i}]`, found));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (CREDENTIAL_KEY.test(key) && typeof item === 'string' && item !== '' && item !== REDACTED) found.push(at);
      else credentialKeys(item, at, found);
    }
  }
}

/**
 * Every line is checked for credential shapes (JWTs, Basic/Bearer credentials, session
 * cookies, unredacted credential fields) and for each watched value. Personal values are also
 * looked for in capitals: OpenG2P builds names upper-cased ("FAMILY, GIVEN").
 */
function scan(lines: string[], watched: WatchedValue[]): Hit[] {
  const needles = new Map<string, WatchedValue['kind']>();
  for (const { kind, value } of watched) for (const text of kind === 'personal' ? [value, value.toUpperCase()] : [value]) needles.set(text, kind);
  const hits: Hit[] = [];
  lines.forEach((line, index) => {
    const at = index + 1;
    if (JWT.test(line)) hits.push({ line: at, finding: 'a JWT' });
    if (CREDENTIAL_SCHEMES.test(line)) hits.push({ line: at, finding: 'Basic/Bearer credentials' });
    if (SESSION_COOKIE.test(line)) hits.push({ line: at, finding: 'a session_id cookie' });
    try {
      const fields: string[] = [];
      credentialKeys(JSON.parse(line), '', fields);
      for (const field of fields) hits.push({ line: at, finding: `unredacted credential field ${field}` });
    } catch {
      hits.push({ line: at, finding: 'a line that is not JSON (unstructured output escapes redaction)' });
    }
    for (const [text, kind] of needles) if (line.includes(text)) hits.push({ line: at, finding: `${kind} value ${masked(text)}` });
  });
  return hits;
}

const report = (t: Test, hits: Hit[], lines: string[]) => {
  for (const hit of hits.slice(0, 20)) t.comment(`leak on line ${hit.line}: ${hit.finding} in ${JSON.parse(lines[hit.line - 1] ?? '{}').msg ?? '(no msg)'}`);
};

t.test('the scanner finds what it is meant to find', async (t) => {
  const token = signJwt(standardClaims(), { alg: 'HS256', key: 'k' });
  const lines = [
    JSON.stringify({ level: 30, msg: 'clean', req: { method: 'GET' } }),
    JSON.stringify({ level: 30, msg: `auth ${token}` }),
    JSON.stringify({ level: 20, msg: 'odoo refused the call: Invalid number +254700000001' }),
    JSON.stringify({ level: 20, headers: { cookie: 'session_id=abcdef' } }),
    JSON.stringify({ level: 20, odoo: { password: 'hunter22' } }),
    JSON.stringify({ level: 30, name: 'DOE, JANE' }),
    'plain text',
  ];
  const hits = scan(lines, [
    { kind: 'personal', value: '+254700000001' },
    { kind: 'personal', value: 'Jane' },
    { kind: 'secret', value: 'hunter22' },
  ]);
  const linesHit = new Set(hits.map((h) => h.line));
  t.same([...linesHit].sort(), [2, 3, 4, 5, 6, 7], 'every planted leak is found, the clean line is not');
  t.ok(
    hits.some((h) => h.line === 6 && /personal/.test(h.finding)),
    'a name is found upper-cased',
  );
  t.ok(
    hits.some((h) => h.line === 5 && /password/.test(h.finding)),
    'an unredacted password field is found',
  );
});

t.test("Odoo's debug text keeps a traceback's frames, not its messages", async (t) => {
  const chained = [
    'Traceback (most recent call last):',
    '  File "/srv/odoo/odoo/sql_db.py", line 332, in execute',
    '    res = self._obj.execute(query, params)',
    '          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
    'psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint "g2p_reg_id_uniq"',
    'DETAIL:  Key (value)=(NID-0042-JANE) already exists.',
    '',
    'The above exception was the direct cause of the following exception:',
    '',
    'Traceback (most recent call last):',
    '  File "/srv/odoo/odoo/models.py", line 4791, in _create',
    '    cr.execute(query, params)',
    'odoo.exceptions.ValidationError: The ID NID-0042-JANE of Jane Doe',
    '\tbelongs to someone else',
  ].join('\n');
  const redacted = redactOdooDebug(chained);
  t.notMatch(redacted, /NID-0042|Jane|someone else|duplicate key/, 'no message text survives');
  t.match(
    redacted,
    /File "\/srv\/odoo\/odoo\/sql_db\.py", line 332[\s\S]*psycopg2\.errors\.UniqueViolation: \[message withheld\][\s\S]*direct cause[\s\S]*models\.py", line 4791[\s\S]*odoo\.exceptions\.ValidationError: \[message withheld\]/,
    'frames and classes stay, in order',
  );
  const page = '<html><title>502 for Jane Doe</title></html>';
  t.equal(redactOdooDebug(page), `[${page.length} characters withheld: a body from Odoo may hold registry data]`, 'any other body: only its size');
});

/** Environment for a child test run: the parent's, without tap's runner settings (the child runs standalone). */
function childEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(TAP|_TAPJS)|^NODE_OPTIONS$/.test(key)) env[key] = value;
  return { ...env, ...extra };
}

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a tap test file standalone (node with the tsx loader, as the project's own scripts run TypeScript). */
function runSuite(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const readLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');

t.test('the end-to-end suite at debug level: no secret, no personal value in any log line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'g2p-log-scan-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const logFile = join(dir, 'gateway.log');
  const started = performance.now();
  const run = await runSuite('test/e2e/registry-api.test.ts', childEnvironment({ G2P_TEST_LOG_FILE: logFile }));
  const summary = /# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?/.exec(run.output);
  t.equal(run.code, 0, 'the end-to-end suite passes while being logged');
  t.ok(summary, 'the suite reported its totals');
  t.comment(`e2e suite: ${summary?.[2] ?? '?'} of ${summary?.[1] ?? '?'} assertions passed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (run.code !== 0)
    t.comment(
      run.output
        .split('\n')
        .filter((l) => /not ok|Error/.test(l))
        .slice(0, 20)
        .join('\n'),
    );

  const lines = readLines(logFile);
  const watched = readLines(watchFileOf(logFile)).map((line) => JSON.parse(line) as WatchedValue);
  const secrets = watched.filter((w) => w.kind === 'secret');
  const personal = watched.filter((w) => w.kind === 'personal');
  const debugLines = lines.filter((line) => /"level":20\b/.test(line)).length;
  t.ok(debugLines > 0, `debug logging was on (${debugLines} debug lines)`);
  t.ok(lines.filter((line) => line.includes('"msg":"audit"')).length > 300, 'every request of the suite was logged');
  t.ok(secrets.length >= 4, `secrets watched: ${secrets.length} (signed tokens, the Odoo password, session ids)`);
  t.ok(personal.length >= 50, `personal values watched: ${personal.length}`);

  const hits = scan(lines, watched);
  t.comment(`scanned ${lines.length} log lines for ${secrets.length} secrets and ${personal.length} personal values`);
  report(t, hits, lines);
  t.equal(hits.length, 0, 'no leak in any log line');
});

/** The DCI search message of the standard, with the given search criteria. */
function dciMessage(criteria: Array<Record<string, unknown>>) {
  const now = new Date().toISOString();
  return {
    header: {
      version: '1.0.0',
      message_id: `scan-${Math.random().toString(36).slice(2)}`,
      message_ts: now,
      action: 'search',
      sender_id: 'log-scan',
      receiver_id: 'g2p-social-registry',
      total_count: criteria.length,
      is_msg_encrypted: false,
    },
    message: {
      transaction_id: `txn-${Math.random().toString(36).slice(2)}`,
      search_request: criteria.map((search_criteria, i) => ({ reference_id: `ref-${i + 1}`, timestamp: now, search_criteria })),
    },
  };
}

const expression = (query: Record<string, unknown>) => ({
  version: '1.0.0',
  query_type: 'expression',
  response_entity: 'Member',
  query: { type: 'ns:org:QueryType:NoSql', value: { expression: { collection: 'Member', query } } },
});

async function focusedScenario(t: Test, stack: Stack): Promise<{ personal: string[]; secrets: string[] }> {
  const writer = stack.token('reader', 'writer');
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, base = stack.api) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${writer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };
  const tag = stack.runTag;
  const person = {
    given_name: `Scanna${tag}`,
    family_name: `Leakproof${tag}`,
    birthdate: '1987-03-29',
    birth_place: `Kisumu${tag}`,
    gender: stack.reference.gender,
    email: `scanna.${tag.toLowerCase()}@example.org`,
    reg_ids: [{ id_type: stack.reference.idType, value: `NID-SCAN-${tag}` }],
    phone_numbers: [{ phone_no: '+254799123456' }],
    bank_accounts: [{ acc_number: `ACC-SCAN-${tag}` }],
  };
  // Values the checks below send. The stack records them too, except in a malformed body (never
  // parsed) and under a field no registrant has (nothing names it personal).
  const sent = [
    person.given_name,
    person.family_name,
    person.birthdate,
    person.birth_place,
    person.email,
    person.reg_ids[0]!.value,
    '+254799123456',
    person.bank_accounts[0]!.acc_number,
    '+15550177',
    `Malformed${tag}`,
    `Nick${tag}`,
    `Badday${tag}`,
    '1913-13-13',
    `Passport${tag}`,
  ];

  t.equal(await call('POST', '/individuals', person), 201, 'a registrant with every kind of personal value');
  const created = await fetch(`${stack.api}/individuals/by-reg-id/${encodeURIComponent(stack.reference.idType)}/${person.reg_ids[0]!.value}`, {
    headers: { authorization: `Bearer ${writer}` },
  });
  const id = ((await created.json()) as { id: number }).id;

  // Reads whose filters, paths and results are personal.
  t.equal(
    await call('GET', `/individuals?given_name=${person.given_name}&birthdate_from=${person.birthdate}&phone=799123456`),
    200,
    'filters by name, birthdate, phone',
  );
  t.equal(await call('GET', `/individuals/by-reg-id/${encodeURIComponent(stack.reference.idType)}/NID-NONE-${tag}`), 404, 'look-up of an unknown ID value');

  // 400s and 422s with personal data in the body.
  t.equal(
    await call('POST', '/individuals', { ...person, reg_ids: [], birthdate: '1913-13-13', nickname: `Nick${tag}` }),
    400,
    'impossible birthdate and an unknown field',
  );
  t.equal(await call('POST', '/individuals', `{"given_name":"Malformed${tag}","birthdate":"1990-01-0`), 400, 'malformed JSON quoting a name');
  t.equal(
    await call('POST', '/individuals', { ...person, reg_ids: [], phone_numbers: [{ phone_no: '+15550177' }] }),
    422,
    "Odoo's UserError quoting the phone number",
  );
  t.equal(
    await call('POST', '/individuals/batch', { items: [{ ...person, reg_ids: [], given_name: `Badday${tag}`, birthdate: 'yesterday' }] }),
    422,
    'a batch item with an invalid birthdate',
  );
  t.equal(
    await call('POST', '/individuals', { ...person, reg_ids: [{ id_type: 'Passport', value: `Passport${tag}` }] }),
    422,
    'an ID value failing its type pattern',
  );

  // DCI searches quoting personal values, by every query type.
  const dci = (criteria: Array<Record<string, unknown>>, base = stack.origin) => call('POST', '/registry/sync/search', dciMessage(criteria), {}, base);
  t.equal(
    await dci([
      { query_type: 'idtype-value', response_entity: 'Member', query: { type: 'NID', value: person.reg_ids[0]!.value } },
      expression({ $and: [{ given_name: { $eq: person.given_name } }, { birth_date: { $eq: person.birthdate } }] }),
      {
        query_type: 'predicate',
        response_entity: 'Member',
        query: [{ expression1: { attribute_name: 'surname', operator: 'eq', attribute_value: person.family_name } }],
      },
    ]),
    200,
    'DCI search by ID value, expression and predicate',
  );
  t.equal(await dci([expression({ birth_date: { $regex: person.birthdate } })]), 200, 'a DCI search refused inside the envelope');

  // Refused credentials.
  const basicPassword = `Sc4n-pa55-${tag}`;
  const basic = Buffer.from(`scan-user:${basicPassword}`).toString('base64');
  t.equal(await call('GET', '/individuals', undefined, { authorization: `Basic ${basic}` }), 401, 'Basic credentials refused');
  const forged = signJwt(standardClaims({ name: person.given_name, email: person.email }), { alg: 'HS256', key: 'not-the-issuer-key-0123456789abcdef' });
  t.equal(await call('GET', '/individuals', undefined, { authorization: `Bearer ${forged}` }), 401, 'a forged token carrying personal claims');

  // Odoo faults while personal data is on the wire: a cut body holds the registrant's record.
  if (stack.sim) {
    const fragile = await stack.extraGateway({ readRetries: 0 });
    try {
      stack.sim.faults.truncateBodies({ model: 'res.partner' }, 1);
      t.equal(await call('GET', `/individuals/${id}`, undefined, {}, fragile.api), 502, 'a truncated Odoo answer holding the record: 502');
      stack.sim.faults.truncateBodies({ model: 'res.partner' }, 1);
      const origin = new URL(fragile.api).origin;
      t.equal(
        await dci([{ query_type: 'idtype-value', response_entity: 'Member', query: { type: 'NID', value: person.reg_ids[0]!.value } }], origin),
        502,
        'the same in a DCI search: 502',
      );
      stack.sim.faults.setFaultRate(1, { model: 'res.partner' }, 3);
      t.equal(await call('PATCH', `/individuals/${id}`, { given_name: `Patched${tag}` }, {}, fragile.api), 502, 'an Odoo crash while writing a name: 502');
      sent.push(`Patched${tag}`);
    } finally {
      await stack.sim.faults.clear();
      await fragile.close();
    }
  } else t.comment('Odoo fault injection skipped: needs the simulator');
  return { personal: sent, secrets: [basic, basicPassword, forged] };
}

for (const protocol of ['jsonrpc', 'xmlrpc'] as Protocol[]) {
  t.test(`DCI, refusals and Odoo faults over ${protocol}: no secret, no personal value logged`, async (t) => {
    const stack = await startStack(t, { protocol, households: 5 });
    const sent = await focusedScenario(t, stack);
    const recorded = new Set(stack.personalValues());
    const unrecorded = sent.personal.filter((value) => !recorded.has(value) && !/^(Malformed|Nick)/.test(value));
    t.same(unrecorded, [], 'the stack recorded every personal value a parsed request carried');
    const watched: WatchedValue[] = [
      ...[...stack.secrets(), ...sent.secrets].map((value) => ({ kind: 'secret' as const, value })),
      ...[...new Set([...recorded, ...sent.personal])].map((value) => ({ kind: 'personal' as const, value })),
    ];
    const lines = stack.logLines();
    t.ok(
      lines.some((line) => /"level":20\b/.test(line)),
      'debug logging was on',
    );
    const hits = scan(lines, watched);
    t.comment(`scanned ${lines.length} log lines for ${watched.length} watched values`);
    report(t, hits, lines);
    t.equal(hits.length, 0, 'no leak in any log line');
  });
}

t.test('Odoo faults quoting personal values', async (t) => {
  const database = new SimDatabase({ households: 2, seed: 5 });
  const password = `fake-odoo-${Math.random().toString(36).slice(2)}`;
  const session = `fake-session-${Math.random().toString(36).slice(2)}`;
  const token = testToken('both');
  const given = `Faultina${Math.random().toString(36).slice(2, 8)}`;
  const nid = `NID-FAULT-${given}`;
  // What Odoo answers to a call carrying the personal values; everything else is the simulator's database.
  let fault: FakeAnswer = { result: true };
  const fake = await OdooFaultServer.start();
  t.teardown(() => fake.close());
  fake.handler = odooLike({
    password,
    session,
    model: (request) => {
      if (JSON.stringify(request.callArgs ?? []).includes(given)) return fault;
      try {
        return { result: database.execute(2, request.model!, request.modelMethod!, request.callArgs ?? [], request.kwargs ?? {}) };
      } catch (err) {
        return { error: { odooClass: (err as Error).name, message: (err as Error).message } };
      }
    },
  });
  const faults: Array<[string, number, (protocol: Protocol) => FakeAnswer]> = [
    [
      'a crash whose traceback quotes the row',
      502,
      () => ({
        error: {
          odooClass: 'psycopg2.errors.UniqueViolation',
          message: `duplicate key value violates unique constraint "g2p_reg_id_uniq"\nDETAIL:  Key (value)=(${nid}) already exists.\nCONTEXT: name ${given}`,
        },
      }),
    ],
    [
      'a refusal quoting the name',
      422,
      () => ({
        error: { odooClass: 'odoo.exceptions.ValidationError', message: `The registrant ${given} born 1979-11-23 is already registered under ${nid}.` },
      }),
    ],
    [
      'an error page showing the values',
      502,
      () => ({
        raw: {
          status: 500,
          contentType: 'text/html',
          body: `<html><title>ValueError: ${given}</title><body>vals = {'given_name': '${given}', 'reg_ids': '${nid}'}</body></html>`,
        },
      }),
    ],
    [
      'a malformed RPC answer holding the record',
      502,
      (protocol) =>
        protocol === 'jsonrpc'
          ? { raw: { status: 200, contentType: 'application/json', body: `{"jsonrpc": "2.0", "id": 1, "result": [{"id": 7, "given_name": "${given}"` } }
          : {
              raw: {
                status: 200,
                contentType: 'text/xml',
                body: `<?xml version="1.0"?><methodResponse><params><param><value><string>${given}</string></value></param><oops`,
              },
            },
    ],
  ];

  for (const protocol of ['jsonrpc', 'xmlrpc'] as Protocol[]) {
    let logs!: ReturnType<typeof captureLogs>;
    const gateway = await startGateway(t, {
      odoo: { url: fake.url, db: 'g2p', login: 'admin', password },
      protocol,
      listen: true,
      token,
      config: { log: { level: 'debug' }, odoo: { readRetries: 0 } },
      before: (app) => {
        logs = captureLogs(app);
      },
    });
    try {
      const person = {
        given_name: given,
        family_name: 'Faultless',
        birthdate: '1979-11-23',
        gender: 'Female',
        reg_ids: [{ id_type: 'National ID', value: nid }],
      };
      for (const [what, status, answer] of faults) {
        fault = answer(protocol);
        const response = await gateway.request('POST', '/api/v1/individuals', { body: person });
        t.equal(response.status, status, `${protocol}, ${what}: ${status}`);
      }
    } finally {
      await gateway.close();
    }
    const lines = logs.logLines();
    t.ok(
      lines.some((line) => line.includes('"debug":"Traceback')),
      `${protocol}: the traceback is still logged, for operators`,
    );
    t.ok(
      lines.some((line) => line.includes('UniqueViolation')),
      `${protocol}: with the exception class`,
    );
    const watched: WatchedValue[] = [
      ...[password, session, token].map((value) => ({ kind: 'secret' as const, value })),
      ...[given, nid, '1979-11-23', ...logs.personalValues()].map((value) => ({ kind: 'personal' as const, value })),
    ];
    const hits = scan(lines, watched);
    t.comment(`${protocol}: scanned ${lines.length} log lines for ${watched.length} watched values`);
    report(t, hits, lines);
    t.equal(hits.length, 0, `${protocol}: no leak in any log line`);
  }
});
