/**
 * Declared endpoints that must not start (issue 18): each kind of bad declaration, checked at
 * start-up against the Odoo's own fields (fields_get), is refused with the file, the line of
 * the offending key and the reason; `npm run check-config` reports the same lines. Runs against
 * the simulator, or a real OpenG2P Odoo when the G2P_E2E_ODOO_* variables are set.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig, loadEndpointsFile } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/yaml.js';
import { checkConfiguration } from '../../src/http/ops/config-check.js';
import { createOdooConnection } from '../../src/odoo/index.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { testConfig } from '../support/config.js';
import { startGateway } from '../support/gateway.js';
import { realOdooSettings } from '../support/stack.js';
import { ensureEnrolmentStatusField, exampleEndpoints, EXAMPLES_FILE } from './examples.js';

let sim: RunningSimulator | undefined;
let odoo: { url: string; db: string; login: string; password: string };
const dir = mkdtempSync(join(tmpdir(), 'g2p-endpoints-'));

t.before(async () => {
  const real = realOdooSettings();
  if (!real) sim = await startSimulator({ households: 3, seed: 5, adminPassword: 'admin' });
  odoo = real ?? { url: sim!.url, db: 'g2p', login: 'admin', password: 'admin' };
  const connection = createOdooConnection({ url: odoo.url, db: odoo.db, protocol: 'jsonrpc' });
  await ensureEnrolmentStatusField(connection.as({ login: odoo.login, secret: odoo.password }));
  await connection.close();
});
t.teardown(async () => {
  rmSync(dir, { recursive: true, force: true });
  await sim?.close();
});

const odooSettings = () => ({ url: odoo.url, db: odoo.db, accounts: { default: { login: odoo.login, password: odoo.password } } });

/** Starts a gateway with the declarations of a YAML file; resolves to its start-up problems ([] when it started). */
async function startupProblems(file: string): Promise<string[]> {
  const { endpoints, sources } = loadEndpointsFile('endpoints.yaml', file);
  try {
    const gateway = await startGateway(t, {
      fullConfig: { ...testConfig({ odoo: odooSettings(), metrics: { enabled: false } }), endpoints, endpointSources: sources },
    });
    await gateway.close();
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

/** One declaration in a file of its own; `# <-` marks the line the refusal must name. */
function declarationFile(name: string, yaml: string): { file: string; line: number } {
  const text = `endpoints:\n${yaml.replace(/^\n/, '')}`;
  const line = text.split('\n').findIndex((l) => l.includes('# <-')) + 1;
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return { file, line };
}

const list = (body: string) => `  - path: /custom/probe
    kind: list
    roles: [Rest API GET]
    target: individuals
${body}`;

/** Every kind of bad declaration, with the reason its refusal must give. */
const BAD: Array<{ name: string; yaml: string; reason: RegExp }> = [
  {
    name: 'unknown field',
    yaml: list('    fields: [name, nmae]  # <-\n'),
    reason: /fields\[1\]: unknown field "nmae" \(individuals has id, name, .*and its x_ fields\)/,
  },
  {
    name: 'unknown x_ field',
    yaml: list('    fields: [x_not_in_odoo]  # <-\n'),
    reason: /fields\[0\]: unknown field "x_not_in_odoo": Odoo's res\.partner has no field x_not_in_odoo/,
  },
  {
    name: 'unknown nested field',
    yaml: list('    fields: [phone_numbers.number]  # <-\n'),
    reason: /unknown field "phone_numbers\.number" \(phone_numbers has id, phone_no/,
  },
  {
    name: 'a relation where a field is needed',
    yaml: list('    fields: [memberships]  # <-\n'),
    reason: /"memberships" is a relation; name one of its fields \(memberships\.group/,
  },
  { name: 'a path below a plain field', yaml: list('    fields: [name.first]  # <-\n'), reason: /"name" is a plain field; it has no "first"/ },
  {
    name: 'parameter type that does not fit',
    yaml: list('    fields: [name]\n    params:\n      - { name: born, field: birthdate, type: integer }  # <-\n'),
    reason: /params\[0\]\.type: type "integer" does not fit birthdate, a date field/,
  },
  {
    name: 'operator that does not fit the type',
    yaml: list('    fields: [name]\n    params:\n      - { name: born, field: birthdate, op: contains }  # <-\n'),
    reason: /params\[0\]\.op: operator "contains" does not fit birthdate, a date field \(use eq, ne, gt, gte, lt, lte, is_set, is_not_set\)/,
  },
  {
    name: 'operator on a boolean',
    yaml: list('    fields: [name]\n    filter:\n      - { field: active, op: gt, value: true }  # <-\n'),
    reason: /filter\[0\]\.op: operator "gt" does not fit active, a boolean field/,
  },
  {
    name: 'fixed filter value of the wrong type',
    yaml: list('    fields: [name]\n    filter:\n      - { field: birthdate, op: lt, value: yesterday }  # <-\n'),
    reason: /filter\[0\]\.value: "yesterday" is not a date \(YYYY-MM-DD\) for birthdate/,
  },
  {
    name: 'selection value Odoo does not have',
    yaml: list('    fields: [name]\n    filter:\n      - { field: gender, op: eq, value: Unknown }  # <-\n'),
    reason: /filter\[0\]\.value: "Unknown" is not one of Male, Female for gender/,
  },
  {
    name: 'path parameter without a declaration',
    yaml: `  - path: /custom/probe/{village}  # <-
    kind: list
    roles: [Rest API GET]
    target: groups
    fields: [name]
`,
    reason: /path: \{village\} has no parameter declaring it/,
  },
  {
    name: 'path clash with a built-in route',
    yaml: `  - path: /individuals/{id}  # <-
    kind: get
    roles: [Rest API GET]
    target: individuals
    params:
      - { name: id, in: path, field: id }
    fields: [name]
`,
    reason: /path: clashes with a built-in route \(GET \/api\/v1\/individuals\/\{id\}\)/,
  },
  {
    name: 'write to a field not listed',
    yaml: `  - path: /custom/households/{id}/occupation
    kind: update
    roles: [Rest API POST]
    target: groups
    params:
      - { name: id, in: path, field: id }
    fields: [name]
    writes: [x_enrolment_status]  # <-
`,
    reason: /writes\[0\]: "x_enrolment_status" is not listed in fields; an update endpoint writes only fields it lists/,
  },
  {
    name: 'write to a field the gateway manages',
    yaml: `  - path: /custom/households/{id}/activity
    kind: update
    roles: [Rest API POST]
    target: groups
    params:
      - { name: id, in: path, field: id }
    fields: [name, active]
    writes: [active]  # <-
`,
    reason: /writes\[0\]: "active" is managed by the gateway \(active\) and may not be written by a custom endpoint/,
  },
  {
    name: 'write to a related record',
    yaml: `  - path: /custom/households/{id}/head-name
    kind: update
    roles: [Rest API POST]
    target: groups
    params:
      - { name: id, in: path, field: id }
    fields: [name, head.name]
    writes: [head.name]  # <-
`,
    reason: /writes\[0\]: "head\.name" belongs to a related record/,
  },
  {
    name: 'update callable without the POST role',
    yaml: `  - path: /custom/households/{id}/status
    kind: update
    roles: [Rest API GET]  # <-
    target: groups
    params:
      - { name: id, in: path, field: id }
    fields: [x_enrolment_status]
    writes: [x_enrolment_status]
`,
    reason: /roles: an update endpoint changes the registry: its roles must include "Rest API POST"/,
  },
  {
    name: 'update without an id parameter',
    yaml: `  - path: /custom/households/status  # <-
    kind: update
    roles: [Rest API POST]
    target: groups
    fields: [x_enrolment_status]
    writes: [x_enrolment_status]
`,
    reason: /params: an update endpoint needs a path parameter bound to `id`/,
  },
  {
    name: 'a model that may not be exposed',
    yaml: `  - path: /custom/users
    kind: list
    roles: [Rest API GET]
    target: model
    model: res.users  # <-
    modelFields: [login]
    fields: [login]
`,
    reason: /model: the model "res\.users" may not be exposed/,
  },
  {
    name: 'a model Odoo does not have',
    yaml: `  - path: /custom/villages
    kind: list
    roles: [Rest API GET]
    target: model
    model: x.village  # <-
    modelFields: [name]
    fields: [name]
`,
    reason: /model: Odoo has no model "x\.village"/,
  },
  {
    name: 'a model field not listed',
    yaml: `  - path: /custom/districts
    kind: list
    roles: [Rest API GET]
    target: model
    model: g2p.district
    modelFields: [name]
    fields: [name, create_uid]  # <-
`,
    reason: /fields\[1\]: unknown field "create_uid" \(g2p\.district has name, id\)/,
  },
  {
    name: 'age bands on a field that is not a date',
    yaml: `  - path: /custom/stats/probe
    kind: aggregate
    roles: [Rest API GET]
    target: individuals
    groupBy:
      - { field: gender, ageBands: [0, 18] }  # <-
`,
    reason: /groupBy\[0\]\.ageBands: ageBands needs a date field; "gender" is a string field/,
  },
  {
    name: 'sum of a text field',
    yaml: `  - path: /custom/stats/probe
    kind: aggregate
    roles: [Rest API GET]
    target: individuals
    groupBy: [gender]
    measures:
      - { sum: occupation }  # <-
`,
    reason: /measures\[0\]\.sum: "occupation" is a string field; only numbers can be summed/,
  },
  {
    name: 'group by a related field',
    yaml: `  - path: /custom/stats/probe
    kind: aggregate
    roles: [Rest API GET]
    target: groups
    groupBy: [head.gender]  # <-
`,
    reason: /groupBy\[0\]: "head\.gender": group by a field of the target itself/,
  },
  {
    name: 'two endpoints on one route',
    yaml: `  - path: /custom/probe/{a}
    kind: get
    roles: [Rest API GET]
    target: individuals
    params: [{ name: a, in: path, field: id }]
    fields: [name]
  - path: /custom/probe/{b}  # <-
    kind: get
    roles: [Rest API GET]
    target: individuals
    params: [{ name: b, in: path, field: id }]
    fields: [name]
`,
    reason: /endpoints\[1\] \(GET \/custom\/probe\/\{b\}\): path: clashes with another custom endpoint \(GET \/custom\/probe\/\{a\}\)/,
  },
];

t.test('every kind of bad declaration stops start-up with file, line and reason', async (t) => {
  for (const bad of BAD) {
    const { file, line } = declarationFile(bad.name.replace(/\W+/g, '-'), bad.yaml);
    const problems = await startupProblems(file);
    t.equal(problems.length, 1, `${bad.name}: one problem (${problems.join(' | ')})`);
    t.match(problems[0] ?? '', new RegExp(`^endpoints\\.yaml:${line}: endpoints\\[\\d\\] \\(`), `${bad.name}: names the file and line ${line}`);
    t.match(problems[0] ?? '', bad.reason, `${bad.name}: gives the reason`);
    t.comment(problems[0]);
  }
});

t.test('shape errors are refused when the file is loaded, with their line', async (t) => {
  const { file, line } = declarationFile('shape', list('    fields: [name]\n    colour: blue  # <-\n'));
  const unknownKey = t.throws(() => loadEndpointsFile('endpoints.yaml', file)) as ConfigError;
  t.same(unknownKey.problems, [`endpoints.yaml:${line}: endpoints[0]: Unrecognized key: "colour"`]);
  const badOp = declarationFile('bad-op', list('    fields: [name]\n    params:\n      - { name: n, field: name, op: like }  # <-\n'));
  const operator = t.throws(() => loadEndpointsFile('endpoints.yaml', badOp.file)) as ConfigError;
  t.match(operator.problems, [new RegExp(`^endpoints\\.yaml:${badOp.line}: endpoints\\[0\\]\\.params\\[0\\]\\.op: Invalid option`)]);
});

t.test('the shipped examples start, from endpointsFile named in the configuration', async (t) => {
  const configFile = join(dir, 'gateway.yaml');
  writeFileSync(
    configFile,
    [
      `endpointsFile: ${EXAMPLES_FILE}`,
      'auth:',
      '  rolesFile: roles.yaml',
      'odoo:',
      `  url: ${odoo.url}`,
      `  db: ${odoo.db}`,
      '  accounts:',
      `    default: { login: ${odoo.login}, password: ${odoo.password} }`,
      'metrics: { enabled: false }',
      'log: { level: silent }',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'roles.yaml'), 'roles:\n  Rest API GET:\n    - { claim: scope, includes: read }\n');
  const config = loadConfig({ env: { G2P_CONFIG: configFile }, cwd: dir });
  t.equal(config.endpoints.length, exampleEndpoints().length, 'the declarations of the file');
  t.equal(config.endpointSources?.[0]?.file, EXAMPLES_FILE);
  const { app, close } = await startGateway(t, { fullConfig: config });
  t.ok(app.hasRoute({ method: 'GET', url: '/api/v1/custom/villages/:village/households' }), 'its routes are registered');
  await close();

  const lines: string[] = [];
  t.ok(await checkConfiguration(config, (line) => lines.push(line)), 'check-config passes');
  t.ok(
    lines.some((l) => l === `ok: ${exampleEndpoints().length} declared endpoint(s) checked against Odoo's fields`),
    'and says the endpoints were checked',
  );
});

t.test('check-config reports a bad declaration with its file and line, and fails', async (t) => {
  const { file, line } = declarationFile('check', list('    fields: [name, x_missing]  # <-\n'));
  const { endpoints, sources } = loadEndpointsFile('endpoints.yaml', file);
  const config = { ...testConfig({ odoo: odooSettings(), metrics: { enabled: false } }), endpoints, endpointSources: sources };
  const lines: string[] = [];
  t.notOk(await checkConfiguration(config, (l) => lines.push(l)), 'check-config fails');
  t.ok(
    lines.some((l) => l.startsWith(`problem: endpoints.yaml:${line}: endpoints[0] (GET /custom/probe): fields[1]: unknown field "x_missing"`)),
    `the problem is listed (${lines.join(' | ')})`,
  );
});
