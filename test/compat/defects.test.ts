import t from 'tap';
import type { OdooClient } from '../../src/odoo/index.js';
import { basic, CLERK, makeApiKey, simOnly, startCompatStack, USERS, type CompatStack } from '../support/compat.js';
import { recordedCases, type RecordedCase } from './openg2p-schema.js';

/**
 * OpenG2P 17.0-1.4's REST module defects (openg2p-model.md, last section, and the recorded 500s)
 * are gone behind the gateway; every recorded refusal keeps the module's status and words.
 */

let stack: CompatStack;
let odoo: OdooClient;
let tag: string;
const auth = { authorization: basic(CLERK) };

t.before(async () => {
  stack = await startCompatStack(t);
  odoo = stack.odoo;
  tag = stack.runTag.toUpperCase();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; json: () => any }> {
  const response = await fetch(`${stack.base}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) };
}

t.test('registrant IDs, phones, email, address and birthdate are returned', async (t) => {
  const id = await odoo.create('res.partner', {
    name: `DEFECT ${tag}, IDS`,
    given_name: 'Ids',
    family_name: 'Defect',
    is_registrant: true,
    is_group: false,
    email: 'ids@example.org',
    address: '3 Side St',
    birthdate: '1985-02-03',
    reg_ids: [[0, 0, { id_type: stack.reference.nationalId, value: `NID-DEFECT-${tag}`, expiry_date: '2031-01-01' }]],
    phone_number_ids: [[0, 0, { phone_no: '+14155552673', date_collected: '2024-02-02' }]],
  });
  for (const path of [`/individual/${id}`, `/individual?_id=${id}`]) {
    const response = await call('GET', path);
    t.equal(response.status, 200);
    const body = [response.json()].flat()[0];
    t.match(
      body,
      {
        reg_ids: [{ id: Number, id_type_as_str: 'National ID', value: `NID-DEFECT-${tag}`, expiry_date: '2031-01-01' }],
        phone_number_ids: [{ id: Number, phone_no: '+14155552673', phone_sanitized: '+14155552673', date_collected: '2024-02-02' }],
        email: 'ids@example.org',
        address: '3 Side St',
        birthdate: '1985-02-03',
      },
      path,
    );
  }
});

t.test('POST /group works, with members (created as new individuals) and without a registration date', async (t) => {
  const response = await call('POST', '/group', {
    name: 'Defect Household',
    kind: 'Household',
    is_partial_group: false,
    registration_date: '2024-01-01',
    members: [
      {
        name: 'DEFECT, HEAD',
        given_name: 'Head',
        family_name: 'Defect',
        gender: 'Male',
        birthdate: '1990-01-01',
        email: null,
        address: null,
        birth_place: null,
        kind: [{ name: 'Head' }],
      },
      {
        name: 'DEFECT, CHILD',
        given_name: 'Child',
        family_name: 'Defect',
        gender: 'Female',
        email: 'child@example.org',
        address: null,
        birth_place: null,
        ids: [{ id_type: 'National ID', value: `NID-CHILD-${tag}` }],
      },
    ],
  });
  t.equal(response.status, 200, response.text);
  const group = response.json();
  t.match(group, { is_group: true, registration_date: '2024-01-01', is_partial_group: false });
  t.equal(group.group_membership_ids.length, 2);
  t.match(group.group_membership_ids[0], {
    kind: [{ name: 'Head' }],
    individual: { name: 'DEFECT, HEAD', gender: 'Male', birthdate: '1990-01-01', age: String },
  });
  t.match(group.group_membership_ids[1], { kind: [], individual: { email: 'child@example.org', reg_ids: [{ value: `NID-CHILD-${tag}` }] } });
  const [stored] = await odoo.read('res.partner', [group.id], ['is_group', 'kind', 'group_membership_ids']);
  t.match(stored, { is_group: true, kind: [stack.reference.household, 'Household'] });
  t.equal((stored!.group_membership_ids as number[]).length, 2, 'the memberships are in Odoo');

  const noDate = await call('POST', '/group', { name: 'Defect Empty', kind: 'Household', is_partial_group: false, members: [] });
  t.equal(noDate.status, 200, noDate.text);
  t.equal(noDate.json().registration_date, new Date().toISOString().slice(0, 10), "Odoo's default: today");
});

t.test('a refused group leaves no new individuals behind', async (t) => {
  const response = await call('POST', '/group', {
    name: 'Defect Bad',
    kind: 'Nope',
    is_partial_group: false,
    members: [{ name: `DEFECT ${tag}, ORPHAN`, given_name: 'Orphan', gender: null, email: null, address: null, birth_place: null }],
  });
  t.equal(response.status, 400);
  t.same(response.json(), { detail: 'Group type Not Found' });
  t.same(await odoo.search('res.partner', [['name', '=', `DEFECT ${tag}, ORPHAN`]], { context: { active_test: false } }), []);
});

t.test('an unknown gender is refused, not silently dropped', async (t) => {
  const response = await call('POST', '/individual', { name: `DEFECT ${tag}, ALIEN`, given_name: 'Alien', gender: 'Alien' });
  t.equal(response.status, 400);
  t.match(response.json(), { detail: /gender "Alien"; accepted values: "Male", "Female"/ });
  t.same(await odoo.search('res.partner', [['name', '=', `DEFECT ${tag}, ALIEN`]]), [], 'nothing was created');
  const byCode = await call('POST', '/individual', { name: 'DEFECT, KNOWN', given_name: 'Known', gender: 'Female' });
  t.equal(byCode.status, 200);
  t.equal(byCode.json().gender, 'Female', 'a known gender is stored (the module dropped every gender)');
});

t.test('update_individual finds the individual by ID type and value in the same ID record', async (t) => {
  // Digits only: the simulator's Tax ID has a nine-digit format.
  const shared = String(parseInt(stack.runTag, 16)).padStart(9, '0').slice(-9);
  const other = await odoo.create('res.partner', {
    name: `DEFECT ${tag}, DECOY`,
    given_name: 'Decoy',
    is_registrant: true,
    is_group: false,
    reg_ids: [
      [0, 0, { id_type: stack.reference.taxId, value: shared }],
      [0, 0, { id_type: stack.reference.nationalId, value: `NID-DECOY-${tag}` }],
    ],
  });
  const target = await odoo.create('res.partner', {
    name: `DEFECT ${tag}, TARGET`,
    given_name: 'Target',
    is_registrant: true,
    is_group: false,
    reg_ids: [[0, 0, { id_type: stack.reference.nationalId, value: shared }]],
    phone_number_ids: [[0, 0, { phone_no: '+14155552674' }]],
  });
  const response = await call('PUT', '/update_individual?id_type=National+ID', [
    {
      updateId: shared,
      name: null,
      given_name: 'Renamed',
      gender: null,
      ids: [{ id_type: 'Tax ID', value: '123456789' }],
      phone_numbers: [{ phone_no: '+14155552675' }],
    },
  ]);
  t.equal(response.status, 200, response.text);
  t.equal(response.json().length, 1);
  t.match(response.json()[0], { id: target, given_name: 'Renamed', name: `DEFECT ${tag}, TARGET` });
  t.same(
    response
      .json()[0]
      .reg_ids.map((r: { value: string }) => r.value)
      .sort(),
    ['123456789', shared].sort(),
    'IDs are added, none removed',
  );
  t.same(
    response
      .json()[0]
      .phone_number_ids.map((p: { phone_no: string }) => p.phone_no)
      .sort(),
    ['+14155552674', '+14155552675'],
  );
  const [decoy] = await odoo.read('res.partner', [other], ['given_name']);
  t.equal(decoy!.given_name, 'Decoy', 'the individual holding the value under another ID type is untouched');
});

t.test('refusals are never a 500 with a Python message', async (t) => {
  const phone = await call('POST', '/individual', {
    name: `DEFECT ${tag}, PHONE`,
    given_name: 'Phone',
    gender: null,
    phone_numbers: [{ phone_no: '+15550100' }],
  });
  t.equal(phone.status, 400, 'an invalid phone number is a refusal (the module: 500 HTML page)');
  t.match(phone.json(), { detail: /Invalid number/ });

  const nonNumeric = await call('GET', '/individual/abc');
  t.equal(nonNumeric.status, 422, 'a non-numeric id (the module: 500 with SQL)');
  t.match(nonNumeric.json(), { detail: [{ type: 'int_parsing', loc: ['path', '_id'] }] });

  // The module lists every individual and fails on the first one without a given name.
  await odoo.create('res.partner', { name: `DEFECT ${tag} NO GIVEN NAME`, is_registrant: true, is_group: false });
  const all = await call('GET', `/individual?name=${encodeURIComponent(`DEFECT ${tag} NO GIVEN`)}`);
  t.equal(all.status, 200, 'a list holding an individual without a given name (the module: 500 pydantic error)');
  t.ok(all.json().some((i: { name: string; given_name: unknown }) => i.name === `DEFECT ${tag} NO GIVEN NAME` && i.given_name === null));
});

simOnly(
  t,
  () => stack,
  'an Odoo crash is a 502 without a Python message (simulator: fault injection)',
  async (t, sim) => {
    sim.faults.setFaultRate(1, { model: 'res.partner' });
    t.teardown(() => sim.faults.clear());
    const failing = await call('GET', '/individual/1');
    t.equal(failing.status, 502, 'an Odoo crash is a 502');
    t.notMatch(failing.text, /Traceback|File "|Error:|\.py/);
    t.match(failing.json(), { detail: String });
  },
);

/** How each recorded refusal is answered by the gateway when it differs from the module. */
const CHANGED: Record<string, { status: number; why: string }> = {
  get_individual_non_numeric_id: { status: 422, why: 'validated like the query _id, not a 500 with SQL' },
  create_individual_invalid_phone: { status: 400, why: 'a refusal in {"detail"}, not a 500 HTML page' },
  list_individuals_all: { status: 200, why: 'every individual, not a 500' },
  create_group_with_members: { status: 200, why: 'group creation works' },
  create_group_no_members_no_regdate: { status: 200, why: 'group creation works' },
  auth_bearer_scheme: { status: 401, why: "bearer tokens are accepted: the detail is the token's problem" },
  auth_api_key_as_password: { status: 200, why: 'Odoo API keys are accepted as passwords' },
  auth_noaccess_user_can_read: { status: 403, why: 'a user without the Rest API groups is refused' },
  openapi_json: { status: 404, why: "the module's document is not served (the gateway documents its own API)" },
  docs_html: { status: 404, why: 'the same' },
};

/** The recorded request with its placeholders filled and the recording's ids replaced by ours. */
function recordedRequest(
  recorded: RecordedCase,
  ids: { individual: number; group: number },
  apiKey: string,
): { path: string; headers: Record<string, string>; body: string | null } {
  const credentials: Record<string, string> = {
    '<admin_basic_credentials>': basic(CLERK),
    '<noaccess_basic_credentials>': basic(USERS.none.login),
    '<admin_apikey_basic_credentials>': basic(CLERK, apiKey),
  };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(recorded.request.headers)) {
    if (['host', 'user-agent'].includes(name.toLowerCase())) continue;
    const placeholder = Object.keys(credentials).find((p) => value.includes(p));
    headers[name] = placeholder ? credentials[placeholder]! : value;
  }
  const path = recorded.request.path.replace(/\/708(?=$|[/?])/, `/${ids.individual}`).replace(/\/710(?=$|[/?])/, `/${ids.group}`);
  // The recorded server had no "Passport" ID type; the simulator seeds one, so a type neither has is named instead.
  const body = recorded.case === 'create_individual_unknown_id_type' ? recorded.request.body!.replace('Passport', 'Voter Card') : recorded.request.body;
  return { path, headers, body };
}

t.test("every recorded refusal: the module's status and words, or a documented change", async (t) => {
  const [individual] = await odoo.search(
    'res.partner',
    [
      ['is_registrant', '=', true],
      ['is_group', '=', false],
    ],
    { limit: 1 },
  );
  const [group] = await odoo.search(
    'res.partner',
    [
      ['is_registrant', '=', true],
      ['is_group', '=', true],
    ],
    { limit: 1 },
  );
  const apiKey = await makeApiKey(stack, CLERK);
  const table = ['| case | module | gateway | note |', '|---|---|---|---|'];
  for (const recorded of recordedCases().filter((c) => c.response.status !== 200 || CHANGED[c.case])) {
    const { path, headers, body } = recordedRequest(recorded, { individual: individual!, group: group! }, apiKey);
    const response = await fetch(`${stack.origin}${path}`, { method: recorded.request.method, headers, body });
    const text = await response.text();
    const changed = CHANGED[recorded.case];
    table.push(`| ${recorded.case} | ${recorded.response.status} | ${response.status} | ${changed?.why ?? 'as recorded'} |`);
    if (changed) {
      t.equal(response.status, changed.status, `${recorded.case}: ${changed.why}`);
      t.notMatch(text, /Traceback|pydantic|psycopg|<html/i, `${recorded.case}: no Python or HTML in the answer`);
      continue;
    }
    t.equal(response.status, recorded.response.status, `${recorded.case}: status (${text.slice(0, 200)})`);
    const ours = JSON.parse(text) as { detail: unknown };
    const theirs = JSON.parse(recorded.response.body) as { detail: unknown };
    if (Array.isArray(theirs.detail)) {
      // Validation lists: the same errors, by type, location and message (a JSON parse error's offset aside).
      const essence = (items: unknown) =>
        (items as Array<{ type: string; loc: unknown[]; msg: string }>).map((i) => [i.type, i.type === 'json_invalid' ? 'body' : i.loc, i.msg]);
      t.same(essence(ours.detail), essence(theirs.detail), `${recorded.case}: validation errors`);
      if (!theirs.detail.some((i: { type: string }) => i.type === 'json_invalid')) t.same(ours, theirs, `${recorded.case}: the whole body`);
    } else {
      t.same(ours, theirs, `${recorded.case}: {"detail"} as recorded`);
    }
    const allow = recorded.response.headers.allow;
    if (allow) t.equal(response.headers.get('allow'), allow, `${recorded.case}: Allow`);
    const challenge = recorded.response.headers['www-authenticate'];
    if (challenge) t.match(response.headers.get('www-authenticate'), /Basic/, `${recorded.case}: Basic challenge`);
  }
  t.comment(`recorded refusals:\n${table.join('\n')}`);
});

t.test("the compatibility routes are in the gateway's OpenAPI document, tagged and with HTTP Basic", async (t) => {
  const response = await fetch(`${stack.origin}/openapi.json`);
  const document = (await response.json()) as {
    paths: Record<string, Record<string, { tags?: string[]; security?: unknown[]; parameters?: Array<{ name: string; in: string }> }>>;
  };
  t.ok(
    Object.keys(document.paths).some((p) => p.startsWith('/api/v1/individuals')),
    'the new API is documented',
  );
  const prefix = stack.app.config.compat.prefix;
  const operations = Object.entries(document.paths)
    .filter(([path]) => path.startsWith(prefix))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path.slice(prefix.length)}`, operation })),
    );
  t.same(operations.map((o) => o.route).sort(), [
    'GET /get_individual_ids',
    'GET /group',
    'GET /group/{_id}',
    'GET /individual',
    'GET /individual/{_id}',
    'POST /group',
    'POST /individual',
    'PUT /update_individual',
  ]);
  for (const { route, operation } of operations) {
    t.match(operation.tags, [/OpenG2P REST compatibility/], `${route}: tagged`);
    t.same(operation.security, [{ bearer: [] }, { basic: [] }], `${route}: bearer or HTTP Basic`);
  }
  t.match(operations.find((o) => o.route === 'GET /individual/{_id}')!.operation.parameters, [{ name: '_id', in: 'path' }], 'the path parameter is declared');
});

t.test('compat.enabled: false serves none of the routes', async (t) => {
  const off = await startCompatStack(t, { compat: { enabled: false } });
  const response = await fetch(`${off.base}/individual/1`, { headers: auth });
  t.equal(response.status, 404);
  t.match(response.headers.get('content-type'), /problem\+json/, "the gateway's own 404");
  await response.arrayBuffer();
});
