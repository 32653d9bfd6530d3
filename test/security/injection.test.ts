/**
 * Injection through every filter and body field (issue 10, Bad input): Odoo domain fragments,
 * XML-RPC markup, JSON-RPC envelopes, SQL and template text, prototype-pollution keys.
 *
 * Method: each hostile value is sent where a benign value of the same type goes, and the Odoo
 * calls each request caused are compared as decoded from the wire (test/security/wire-recorder.ts):
 * with the value itself replaced by a placeholder, both call sequences must be identical (same
 * models, methods, domain shape, field lists, kwargs). So the hostile value travelled only as an
 * opaque literal, in the place of the benign one. Runs on both transports: XML-RPC markup is
 * only dangerous on XML-RPC, JSON envelopes only on JSON-RPC.
 */
import t, { type Test } from 'tap';
import { message, expression } from '../dci/harness.js';
import { TEST_JWT_SECRET } from '../support/config.js';
import { signJwt, standardClaims, REALM_ROLES } from '../support/tokens.js';
import { startSecurityGateway, type Answer, type SecurityGateway } from './harness.js';
import type { WireCall } from './wire-recorder.js';

/** Hostile text, none of it equal to a token of the calls' structure ('|', '=', field names). */
const HOSTILE = [
  // Odoo domain fragments, in Python and JSON spelling
  "['|', ('id', '>', 0), ('is_registrant', '=', False)]",
  '["|",["id",">",0],["is_registrant","=",false]]',
  "x'), ('id', '>', '0",
  // SQL and LIKE
  "'; DELETE FROM res_partner; --",
  "%' OR '1'='1",
  // XML-RPC markup: closing the string and adding parameters, entities, CDATA
  '</string></value></param><param><value><int>1</int></value></param><param><value><string>',
  '<![CDATA[</string>]]><value><boolean>1</boolean></value>',
  '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e;&amp;&#0;',
  // JSON-RPC envelopes and breaking out of a JSON string
  '{"jsonrpc":"2.0","method":"call","params":{"service":"object","method":"execute_kw","args":["g2p",1,"admin","res.users","unlink",[[2]]]}}',
  'x","method":"unlink","args":[[1]],"y":"',
  // Python / template evaluation
  "__import__('os').system('id')",
  '${7*7}{{7*7}}#{7*7}',
  // prototype-pollution words as values
  '__proto__',
  'constructor.prototype.is_group',
  // Unicode that normalises or reorders
  'ａｄｍｉｎ\u202e\u200b',
];

/** A placeholder for the compared value: what must be the only difference between two call sequences. */
const VALUE = '<value>';

/**
 * The value as a `like`/`ilike` operand carries it: `%`, `_` and `\` escaped with a backslash so
 * they match themselves (issue 26), written here from PostgreSQL's LIKE rules, not the gateway's code.
 */
const asLikeOperand = (literal: string) => literal.replace(/[\\%_]/g, (c) => `\\${c}`);

function normalise(value: unknown, literal: string, createdId?: number): unknown {
  if (typeof value === 'string') return value === literal || value === asLikeOperand(literal) ? VALUE : value;
  if (typeof value === 'number' && createdId !== undefined && value === createdId) return '<created id>';
  if (Array.isArray(value)) return value.map((item) => normalise(item, literal, createdId));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, literal, createdId)]));
  return value;
}

const shapeOf = (calls: WireCall[], literal: string, createdId?: number) =>
  calls.map((call) => ({
    model: call.model,
    method: call.method,
    args: normalise(call.args, literal, createdId),
    kwargs: normalise(call.kwargs, literal, createdId),
  }));

/** Where the value appears in the calls (so a test can see it did reach Odoo, as a literal). */
function literalCount(calls: WireCall[], literal: string): number {
  let found = 0;
  const walk = (value: unknown): void => {
    if (value === literal || value === asLikeOperand(literal)) found++;
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  for (const call of calls) walk([call.args, call.kwargs]);
  return found;
}

interface Probe {
  /** What is probed, for labels. */
  label: string;
  /** The request carrying `value`. */
  send(gateway: SecurityGateway, value: string): Promise<Answer>;
  /** The id a create answered with (differs between runs, so it is masked). */
  createdId?: (answer: Answer) => number | undefined;
}

const token = signJwt(standardClaims({ realm_access: { roles: REALM_ROLES.both } }), { alg: 'HS256', key: TEST_JWT_SECRET });

function request(gateway: SecurityGateway, method: string, url: string, body?: unknown): Promise<Answer> {
  return gateway.request(method, url, { token, ...(body !== undefined ? { body } : {}) });
}

const q = (value: string) => encodeURIComponent(value);
const idOf = (answer: Answer) => (answer.body as { id?: number } | undefined)?.id;

function probes(individualId: number): Probe[] {
  const listFilter = (path: string, name: string): Probe => ({
    label: `GET ${path}?${name}=`,
    send: (g, v) => request(g, 'GET', `/api/v1/${path}?${name}=${q(v)}`),
  });
  const createField = (field: string, wrap: (v: string) => Record<string, unknown>): Probe => ({
    label: `POST /individuals ${field}`,
    send: (g, v) => request(g, 'POST', '/api/v1/individuals', { name: 'Injection Probe', ...wrap(v) }),
    createdId: idOf,
  });
  const dci = (label: string, criteria: (v: string) => Record<string, unknown>): Probe => ({
    label: `DCI ${label}`,
    send: (g, v) => request(g, 'POST', '/registry/sync/search', message([criteria(v)])),
  });
  return [
    // Every free-text list filter (the reference ones, gender/id_type/group_kind/kind, are resolved by name first).
    ...['name', 'given_name', 'family_name', 'id_value', 'phone', 'gender', 'id_type', 'group_kind'].map((name) => listFilter('individuals', name)),
    ...['name', 'kind'].map((name) => listFilter('groups', name)),
    { label: 'GET /individuals/by-reg-id/National ID/{value}', send: (g, v) => request(g, 'GET', `/api/v1/individuals/by-reg-id/National%20ID/${q(v)}`) },
    { label: 'GET /individuals/by-reg-id/{id_type}/1', send: (g, v) => request(g, 'GET', `/api/v1/individuals/by-reg-id/${q(v)}/1`) },
    // DCI (before the creates below, which add registrants these searches could find): text attributes, identifiers, related names, each operator family.
    dci('given_name $eq', (v) => expression('Member', { given_name: { $eq: v } })),
    dci('name.surname $contains', (v) => expression('Member', { 'name.surname': { $contains: v } })),
    dci('occupation $in', (v) => expression('Member', { occupation: { $in: ['Farmer', v] } })),
    dci('location $ne', (v) => expression('Member', { location: { $ne: v } })),
    dci('UIN idtype-value', (v) => ({ version: '1.0.0', query_type: 'idtype-value', response_entity: 'Member', query: { type: 'UIN', value: v } })),
    dci('UIN $contains', (v) => expression('Member', { UIN: { $contains: v } })),
    dci('predicate name eq', (v) => ({
      version: '1.0.0',
      query_type: 'predicate',
      response_entity: 'Group',
      query: [{ seq_num: 1, expression1: { attribute_name: 'name', operator: 'eq', attribute_value: v } }],
    })),
    // Every free-text body field of a registrant and of its nested records.
    ...['given_name', 'family_name', 'addl_name', 'birth_place', 'occupation', 'civil_status', 'phone', 'mobile', 'address'].map((field) =>
      createField(field, (v) => ({ [field]: v })),
    ),
    createField('reg_ids[].value', (v) => ({ reg_ids: [{ id_type: 'Birth Certificate', value: v }] })),
    createField('reg_ids[].description', (v) => ({ reg_ids: [{ id_type: 'Birth Certificate', value: 'BC-1', description: v }] })),
    createField('bank_accounts[].acc_number', (v) => ({ bank_accounts: [{ acc_number: v }] })),
    createField('bank_accounts[].acc_holder_name', (v) => ({ bank_accounts: [{ acc_number: 'ACC-1', acc_holder_name: v }] })),
    createField('gender (a reference name)', (v) => ({ gender: v })),
    { label: 'POST /groups name', send: (g, v) => request(g, 'POST', '/api/v1/groups', { name: v }), createdId: idOf },
    { label: 'POST /groups address', send: (g, v) => request(g, 'POST', '/api/v1/groups', { name: 'Injection Household', address: v }), createdId: idOf },
    { label: 'PATCH /individuals/{id} occupation', send: (g, v) => request(g, 'PATCH', `/api/v1/individuals/${individualId}`, { occupation: v }) },
  ];
}

let counter = 0;
/** A benign value of the same type, unique per use so creates never collide with earlier ones. */
const benign = () => `Benign${++counter}x`;

async function record(gateway: SecurityGateway, probe: Probe, value: string): Promise<{ answer: Answer; calls: WireCall[]; simSaw: string[] }> {
  gateway.wire.reset();
  gateway.sim.resetCalls();
  const answer = await probe.send(gateway, value);
  const simSaw = gateway.sim.calls.filter((c) => c.service === 'object').map((c) => `${c.model}.${c.objectMethod}`);
  return { answer, calls: [...gateway.wire.calls], simSaw };
}

/** The recorder's decoding agrees with what the simulator itself says it executed. */
const decodedAsSimSaw = (run: { calls: WireCall[]; simSaw: string[] }) => run.calls.map((c) => `${c.model}.${c.method}`).join(' ') === run.simSaw.join(' ');

async function compare(t: Test, gateway: SecurityGateway, probe: Probe): Promise<number> {
  await probe.send(gateway, benign()); // warms caches (reference data, server version) so both runs start alike
  const value = benign();
  const reference = await record(gateway, probe, value);
  t.ok(reference.answer.status < 500, `${probe.label}: the benign value is answered (${reference.answer.status})`);
  const expected = shapeOf(reference.calls, value, probe.createdId?.(reference.answer));
  let tried = 0;
  for (const hostile of HOSTILE) {
    const run = await record(gateway, probe, hostile);
    tried++;
    const label = `${probe.label} = ${JSON.stringify(hostile).slice(0, 60)}`;
    t.ok(run.answer.status < 500, `${label}: no 5xx (${run.answer.status})`);
    if (run.answer.status !== reference.answer.status) {
      // A different outcome is fine only as a refusal before Odoo (the value is not a valid X): then nothing was called.
      t.ok(
        run.answer.status >= 400 && run.answer.status < 500,
        `${label}: refused (${run.answer.status}) where the benign value was ${reference.answer.status}`,
      );
      t.same(
        run.calls.filter(
          (c) => c.method !== 'search_read' || !/^(gender\.type|g2p\.id\.type|g2p\.group\.kind|g2p\.group\.membership\.kind|res\.bank)$/.test(c.model),
        ),
        [],
        `${label}: and made no call beyond reading reference data`,
      );
      continue;
    }
    t.ok(decodedAsSimSaw(run), `${label}: the calls compared are the ones the simulator received`);
    t.same(shapeOf(run.calls, hostile, probe.createdId?.(run.answer)), expected, `${label}: the same Odoo calls as for a benign value`);
    t.equal(
      literalCount(run.calls, hostile),
      literalCount(reference.calls, value),
      `${label}: the value travels as one opaque literal, as often as the benign one`,
    );
  }
  return tried;
}

for (const protocol of ['jsonrpc', 'xmlrpc'] as const) {
  t.test(`hostile values leave the Odoo calls unchanged (${protocol})`, async (t) => {
    const gateway = await startSecurityGateway(t, { protocol, households: 3 });
    const list = (await request(gateway, 'GET', '/api/v1/individuals?limit=1')).body as { items: Array<{ id: number }> };
    const all = probes(list.items[0]!.id);
    let tried = 0;
    for (const probe of all) tried += await compare(t, gateway, probe);
    t.comment(`${protocol}: ${all.length} filters and fields × ${HOSTILE.length} payloads = ${tried} hostile requests compared`);
  });
}

t.test('hostile values are stored and returned exactly as sent', async (t) => {
  const gateway = await startSecurityGateway(t, { protocol: 'xmlrpc', households: 1 });
  for (const hostile of HOSTILE) {
    const created = await request(gateway, 'POST', '/api/v1/individuals', {
      name: 'Stored Probe',
      occupation: hostile,
      reg_ids: [{ id_type: 'Birth Certificate', value: hostile }],
    });
    t.equal(created.status, 201, JSON.stringify(hostile).slice(0, 60));
    const id = idOf(created)!;
    const read = (await request(gateway, 'GET', `/api/v1/individuals/${id}`)).body as { occupation: string; reg_ids: Array<{ value: string }> };
    t.equal(read.occupation, hostile, 'occupation round-trips through XML-RPC unchanged');
    t.equal(read.reg_ids[0]?.value, hostile, 'and so does the nested ID value');
    const found = (await request(gateway, 'GET', `/api/v1/individuals/by-reg-id/Birth%20Certificate/${q(hostile)}`)).body as { id?: number };
    t.equal(found.id, id, 'the lookup by that value finds exactly that registrant');
  }
});

t.test('prototype-pollution keys are refused before Odoo and pollute nothing', async (t) => {
  const gateway = await startSecurityGateway(t, { households: 1 });
  const raw = (method: string, url: string, payload?: string) => {
    return gateway.request(method, url, { token, ...(payload !== undefined ? { payload, headers: { 'content-type': 'application/json' } } : {}) });
  };
  const bodies = [
    '{"name":"P","__proto__":{"is_group":true}}',
    '{"name":"P","constructor":{"prototype":{"is_group":true}}}',
    '{"name":"P","constructor":{"is_group":true}}',
    '{"name":"P","reg_ids":[{"id_type":"National ID","value":"1","__proto__":{"partner_id":1}}]}',
    '{"name":"P","reg_ids":[{"id_type":"National ID","value":"1","constructor":{"prototype":{"partner_id":1}}}]}',
    '{"name":"P","prototype":{"is_group":true}}',
  ];
  const refusals: Array<[string, string, string?]> = [
    ...bodies.flatMap((body): Array<[string, string, string]> => [
      ['POST', '/api/v1/individuals', body],
      ['POST', '/api/v1/groups', body],
      ['POST', '/api/v1/individuals/batch', `{"items":[${body}]}`],
    ]),
    ['GET', '/api/v1/individuals?__proto__[is_group]=true'],
    ['GET', '/api/v1/individuals?__proto__=x'],
    ['GET', '/api/v1/individuals?constructor[prototype][is_group]=true'],
    ['GET', '/api/v1/groups?constructor=1'],
    [
      'POST',
      '/registry/sync/search',
      JSON.stringify(message([expression('Member', { given_name: 'x' })])).replace('"given_name":"x"', '"__proto__":{"$eq":"x"}'),
    ],
  ];
  gateway.wire.reset();
  for (const [method, url, body] of refusals) {
    const answer = await raw(method, url, body);
    t.ok(answer.status >= 400 && answer.status < 500, `${method} ${url} ${body?.slice(0, 80) ?? ''}: refused (${answer.status})`);
  }
  t.same(gateway.wire.calls, [], 'none of them made an Odoo call');

  // Inherited names used as DCI operators and attributes are unknown, not Object's own members.
  for (const [label, criteria] of [
    ['operator constructor', expression('Member', { given_name: { constructor: 'x' } })],
    ['operator toString', expression('Member', { given_name: { toString: 'x' } })],
    ['attribute constructor', expression('Member', { constructor: 'x' })],
    [
      'predicate operator constructor',
      {
        version: '1.0.0',
        query_type: 'predicate',
        response_entity: 'Member',
        query: [{ seq_num: 1, expression1: { attribute_name: 'given_name', operator: 'constructor', attribute_value: 'x' } }],
      },
    ],
    [
      'predicate operator hasOwnProperty',
      {
        version: '1.0.0',
        query_type: 'predicate',
        response_entity: 'Member',
        query: [{ seq_num: 1, expression1: { attribute_name: 'given_name', operator: 'hasOwnProperty', attribute_value: 'x' } }],
      },
    ],
  ] as const) {
    const answer = await raw('POST', '/registry/sync/search', JSON.stringify(message([criteria as Record<string, unknown>])));
    t.equal(answer.status, 200, `DCI ${label}: answered`);
    const item = (answer.body as { message: { search_response: Array<{ status: string; status_reason_code?: string }> } }).message.search_response[0];
    t.match(item, { status: 'rjct', status_reason_code: 'rjct.filter.invalid' }, `DCI ${label}: that search request is rejected as an invalid filter`);
  }
  t.same(gateway.wire.calls, [], 'and no search reached Odoo for them');
  const probe: Record<string, unknown> = {};
  t.equal(probe.is_group, undefined, 'Object.prototype gained no is_group');
  t.equal(probe.partner_id, undefined, 'nor a partner_id');
});
