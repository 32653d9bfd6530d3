/**
 * Bad input on every route (issue 10, Bad input): property-based fuzzing of path parameters,
 * query strings, headers and bodies, driven by the app's route table and its OpenAPI document,
 * plus a fixed set of edge inputs (oversized and deeply nested JSON, invalid UTF-8, control
 * characters, huge numbers, wrong media types) sent to every route that takes them.
 *
 * For every answer: no 5xx; every error in the route's own shape (problem+json for the REST
 * API, the DCI standard's for DCI, `{"detail"}` for the OpenG2P-compatible routes); a REST 400
 * or 422 names a field the request has; and a refused request left no write Odoo accepted
 * (every ORM call passes a recorder that decodes it and Odoo's answer).
 *
 * G2P_FUZZ_RUNS sets the generated cases per route (default 20: the file runs in ~20 s on 2 cores).
 */
import fc from 'fast-check';
import t from 'tap';
import { expression, message } from '../dci/harness.js';
import { dciCriteria, fromSchema, headerValue, pathValue, queryPairs, wildJson, type PathValue } from './arbitraries.js';
import { pathParamNames, SECURITY_CLIENT_SECRET, startSecurityGateway, type AppRoute, type JsonSchema, type SecurityGateway } from './harness.js';
import { describe, findings, hasBody, send, type CraftedRequest } from './requests.js';

const RUNS = Number(process.env.G2P_FUZZ_RUNS ?? 20);

let gateway: SecurityGateway;
let knownIds: number[] = [];

t.before(async () => {
  // XML-RPC: the stricter wire (XML 1.0 cannot carry most control characters), so text the
  // gateway lets through unchecked shows up as Odoo faults here.
  gateway = await startSecurityGateway(t, { protocol: 'xmlrpc', households: 4 });
  // Real ids (individuals, groups, memberships), so generated requests also reach existing records.
  const individuals = (await gateway.request('GET', '/api/v1/individuals?limit=4')).body as { items: Array<{ id: number }> };
  const groups = (await gateway.request('GET', '/api/v1/groups?limit=3&expand=members')).body as {
    items: Array<{ id: number; members?: Array<{ id: number }> }>;
  };
  knownIds = [...individuals.items.map((i) => i.id), ...groups.items.flatMap((g) => [g.id, ...(g.members ?? []).map((m) => m.id)])];
});

function bodySchemaOf(route: AppRoute): JsonSchema | undefined {
  return Object.values(route.operation?.requestBody?.content ?? {})[0]?.schema;
}

const CONTENT_TYPES = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-16',
      'application/xml',
      '*/*',
      '',
    ),
  },
);

const TOKEN_CONTENT_TYPES = fc.oneof({ weight: 8, arbitrary: fc.constant('application/x-www-form-urlencoded') }, { weight: 1, arbitrary: CONTENT_TYPES });

/** Bodies that are not JSON the schema can even look at. */
const BROKEN_BODIES = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(
    '{',
    '{"a":}',
    '[1,]',
    'nul',
    '{"a":1}{"b":2}',
    '\ufeff{}',
    "{'a':1}",
    '{"a":1e400}',
    '{"a":NaN}',
    '{"__proto__":{"is_group":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
  ),
);

/** Token requests: the form's own fields (sometimes right) among others, repeated or missing. */
const TOKEN_FORMS = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('grant_type', 'client_id', 'client_secret', 'scope'), fc.string({ maxLength: 12 })),
      fc.oneof(
        fc.constantFrom('client_credentials', 'password', 'fuzz-client', SECURITY_CLIENT_SECRET, 'registry.search', 'registry.status', ''),
        fc.string({ maxLength: 40 }),
      ),
    ),
    { maxLength: 6 },
  )
  .map((pairs) => new URLSearchParams(pairs).toString());

function bodyArbitrary(route: AppRoute): fc.Arbitrary<string | Buffer> {
  if (route.errorShape === 'oauth') return fc.oneof({ weight: 6, arbitrary: TOKEN_FORMS }, { weight: 1, arbitrary: BROKEN_BODIES });
  if (route.errorShape === 'dci') {
    const envelope = fc.array(dciCriteria, { minLength: 1, maxLength: 2 }).map((criteria) => JSON.stringify(message(criteria)));
    return fc.oneof(
      { weight: 6, arbitrary: envelope },
      { weight: 1, arbitrary: wildJson.map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 1, arbitrary: BROKEN_BODIES },
    );
  }
  const schema = bodySchemaOf(route);
  return fc.oneof(
    { weight: 6, arbitrary: fromSchema(schema).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: wildJson.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: BROKEN_BODIES },
  );
}

function requestArbitrary(route: AppRoute): fc.Arbitrary<CraftedRequest> {
  const parameters = route.operation?.parameters ?? [];
  const queryNames = parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const querySchemas = Object.fromEntries(parameters.filter((p) => p.in === 'query').map((p) => [p.name, p.schema]));
  const headerNames = parameters.filter((p) => p.in === 'header').map((p) => p.name);
  const params = fc.record(Object.fromEntries(pathParamNames(route.url).map((name) => [name, pathValue(knownIds)])) as Record<string, fc.Arbitrary<PathValue>>);
  const headers = fc.record(Object.fromEntries(headerNames.map((name) => [name, headerValue])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, string>>;
  const body = hasBody(route.method)
    ? fc
        .record({
          payload: bodyArbitrary(route),
          contentType: (route.errorShape === 'oauth' ? TOKEN_CONTENT_TYPES : CONTENT_TYPES).map((type) => (type === '' ? undefined : type)),
        })
        .map((b) => (b.contentType === undefined ? { payload: b.payload } : { payload: b.payload, contentType: b.contentType }))
    : fc.constant(undefined);
  return fc
    .record({ params, query: queryPairs(queryNames, querySchemas), headers, body })
    .map((r) => (r.body === undefined ? { params: r.params, query: r.query, headers: r.headers } : (r as CraftedRequest)));
}

const tally = new Map<string, Map<number, number>>();
function count(route: AppRoute, status: number): void {
  const key = `${route.method} ${route.url}`;
  const statuses = tally.get(key) ?? new Map<number, number>();
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  tally.set(key, statuses);
}

async function check(route: AppRoute, request: CraftedRequest): Promise<string[]> {
  const before = gateway.wire.calls.length;
  const answer = await send(gateway, route, request);
  count(route, answer.status);
  return findings(route, request, answer, gateway, before);
}

t.test('generated input on every route', async (t) => {
  t.ok(gateway.routes.length >= 25, `${gateway.routes.length} routes from the route table`);
  t.ok(gateway.routes.filter((r) => r.operation).length >= 20, 'most of them documented in /openapi.json');
  for (const route of gateway.routes) {
    await t.test(`${route.method} ${route.url}`, async (t) => {
      let cases = 0;
      const run = await fc.check(
        fc.asyncProperty(requestArbitrary(route), async (request) => {
          cases++;
          const found = await check(route, request);
          if (found.length) throw new Error(`${found.join('; ')}\n  request: ${describe(route, request)}`);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
      if (run.failed) t.fail(`${(run.errorInstance as Error | undefined)?.message ?? 'property failed'} (seed ${run.seed}, path ${run.counterexamplePath})`);
      else t.pass(`${cases} generated requests answered within the contract`);
    });
  }
});

/** Inputs too big or too specific for the generators to hit by chance. */
const EDGE_BODIES: Array<[string, string | Buffer, string | undefined]> = [
  ['empty body', '', 'application/json'],
  ['no content type', '{}', undefined],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d]), 'application/json'],
  ['overlong UTF-8 encoding of "/"', Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]), 'application/json'],
  ['UTF-16 body', Buffer.from('\ufeff{"name":"x"}', 'utf16le'), 'application/json'],
  ['arrays nested 100 000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'application/json'],
  ['objects nested 50 000 deep', `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`, 'application/json'],
  [
    'every field nested 2 000 deep',
    JSON.stringify({ name: JSON.parse(`${'['.repeat(2000)}${']'.repeat(2000)}`), items: JSON.parse(`${'['.repeat(2000)}${']'.repeat(2000)}`) }),
    'application/json',
  ],
  ['over the body limit', `{"name":"${'x'.repeat(1_100_000)}"}`, 'application/json'],
  ['huge numbers', '{"name":1e400,"income":-1e400,"individual":123456789012345678901234567890,"items":[1e400]}', 'application/json'],
  [
    'control characters in every string',
    JSON.stringify({ name: 'a\u0000b', given_name: '\u0001', family_name: '\u001b[31m', address: '\u0007', items: [{ given_name: 'a\u0000' }] }),
    'application/json',
  ],
  ['unpaired surrogates', '{"name":"\\ud800","given_name":"\\udc00x","items":[{"given_name":"\\ud800"}]}', 'application/json'],
  [
    'a JSON-RPC envelope',
    '{"jsonrpc":"2.0","method":"call","params":{"service":"object","method":"execute_kw","args":["g2p",2,"admin","res.users","unlink",[[2]]]}}',
    'application/json',
  ],
  ['form-encoded', 'name=x&is_group=true', 'application/x-www-form-urlencoded'],
  ['multipart', '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--', 'multipart/form-data; boundary=x'],
];
/** DCI messages whose expression nests deeper than any real query (built as text: JSON.stringify would overflow first). */
function deepDciMessage(open: string, close: string, depth: number): string {
  const envelope = JSON.stringify(message([expression('Member', { given_name: 'PLACEHOLDER' })]));
  const query = `${open.repeat(depth)}{"given_name":"x"}${close.repeat(depth)}`;
  return envelope.replace('{"given_name":"PLACEHOLDER"}', query);
}
const EDGE_DCI_BODIES: Array<[string, () => string]> = [
  ['$and nested 5 000 deep', () => deepDciMessage('{"$and":[', ']}', 5000)],
  ['$or nested 50 000 deep', () => deepDciMessage('{"$or":[', ']}', 50_000)],
  ['$not nested 50 000 deep', () => deepDciMessage('{"$not":', '}', 50_000)],
  [
    '$and of 20 000 conditions',
    () => deepDciMessage('{"$and":[', ']}', 1).replace('{"given_name":"x"}', Array.from({ length: 20_000 }, (_, i) => `{"given_name":"n${i}"}`).join(',')),
  ],
];
const EDGE_PATH_VALUES: PathValue[] = [
  { raw: '%ff' },
  { raw: '%c0%af' },
  { raw: '%ed%a0%80' },
  { raw: '%' },
  { text: 'x'.repeat(3000) },
  { text: '9'.repeat(400) },
  { text: '1e400' },
  { text: '-0' },
  { text: '\u0000' },
  { text: '\ud800' },
  { text: '1;2' },
  { text: '1,2' },
  { text: '[1]' },
];
const EDGE_QUERY_VALUES = ['x'.repeat(10_000), '\u0000', '\ud800x', '9'.repeat(400), '-1e400', '', '%ff'];

t.test('edge inputs on every route that takes them', async (t) => {
  let sent = 0;
  const failures: string[] = [];
  const run = async (route: AppRoute, request: CraftedRequest, edge = '') => {
    sent++;
    const found = await check(route, request);
    if (!found.length) return;
    const failure = `${found.join('; ')}\n  request: ${describe(route, request)}`;
    failures.push(edge ? `${edge}: ${failure}` : failure);
  };
  for (const route of gateway.routes) {
    const base: CraftedRequest = {
      params: Object.fromEntries(pathParamNames(route.url).map((name) => [name, { text: String(knownIds[0] ?? 1) }])),
      query: [],
      headers: {},
    };
    if (hasBody(route.method))
      for (const [edge, payload, contentType] of EDGE_BODIES)
        await run(route, { ...base, body: contentType === undefined ? { payload } : { payload, contentType } }, edge);
    if (route.errorShape === 'dci')
      for (const [edge, body] of EDGE_DCI_BODIES) await run(route, { ...base, body: { payload: body(), contentType: 'application/json' } }, edge);
    for (const name of pathParamNames(route.url))
      for (const value of EDGE_PATH_VALUES) await run(route, { ...base, params: { ...base.params, [name]: value } });
    for (const parameter of route.operation?.parameters ?? []) {
      if (parameter.in === 'query') {
        for (const value of EDGE_QUERY_VALUES) await run(route, { ...base, query: [[parameter.name, value]] });
        await run(route, {
          ...base,
          query: [
            [parameter.name, '1'],
            [parameter.name, '2'],
          ],
        });
      }
      if (parameter.in === 'header')
        for (const value of ['x'.repeat(5000), '', ' ', '"', '\u00ff']) await run(route, { ...base, headers: { [parameter.name]: value } });
    }
  }
  t.same(failures, [], `${sent} edge requests answered within the contract`);
  t.ok(sent > 300, `${sent} edge requests sent`);
});

t.test('fuzz statistics', async (t) => {
  const lines = [...tally].map(([route, statuses]) => {
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    return `${route}: ${total} requests (${[...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')})`;
  });
  t.comment(lines.join('\n'));
  const reachedOdoo = [...tally.values()].some((statuses) => [...statuses.keys()].some((s) => s >= 200 && s < 300));
  t.ok(reachedOdoo, 'generated requests were also accepted (the fuzzing is not all stopped at validation)');
});
