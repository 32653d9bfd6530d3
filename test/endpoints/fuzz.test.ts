/**
 * Parameters of the declared endpoints fuzzed (issue 18): whatever a caller puts in their path,
 * query and body (hostile text, Odoo domain syntax, names of other fields and models, unknown
 * parameters), the gateway answers without a 5xx, and every Odoo call it makes stays inside
 * the declarations: the target model only, the declared fields only (in domains, the read
 * specification, read_group and writes), operators and field names never taken from the
 * caller. Each ORM call is decoded from the wire (test/security/wire-recorder.ts).
 *
 * G2P_FUZZ_RUNS sets the generated cases per route (default 40).
 */
import fc from 'fast-check';
import t from 'tap';
import { NASTY_STRINGS, pathValue, queryPairs } from '../security/arbitraries.js';
import { startSecurityGateway, type AppRoute, type SecurityGateway } from '../security/harness.js';
import { describe, findings, send, type CraftedRequest } from '../security/requests.js';
import type { WireCall } from '../security/wire-recorder.js';

const RUNS = Number(process.env.G2P_FUZZ_RUNS ?? 40);

/** Every Odoo field the four example declarations name, at any depth (and what the scopes and cursors add). */
const DECLARED_FIELDS = new Set([
  'is_registrant',
  'is_group',
  'id',
  'write_date',
  'kind',
  'name',
  'district',
  'group_membership_ids',
  'is_ended',
  'is_unique',
  'individual',
  'phone',
  'phone_number_ids',
  'phone_no',
  'x_enrolment_status',
  'reg_ids',
  'id_type',
  'gender',
  'birthdate',
  'individual_membership_ids',
  'group',
  'income',
]);
const ODOO_OPERATORS = new Set(['=', '!=', '>', '>=', '<', '<=', 'in', 'not in', 'ilike', 'any', 'not any']);
const READ_METHODS = new Set(['web_search_read', 'search_count', 'read_group']);

let gateway: SecurityGateway;
let groupIds: number[] = [];

t.before(async () => {
  gateway = await startSecurityGateway(t, { protocol: 'xmlrpc', households: 6 });
  const groups = (await gateway.request('GET', '/api/v1/groups?limit=5')).body as { items: Array<{ id: number }> };
  groupIds = groups.items.map((g) => g.id);
});

/** Field names and operators of a domain, at any depth (`any` sub-domains included). */
function domainParts(domain: unknown, fields: string[] = [], operators: string[] = []): { fields: string[]; operators: string[] } {
  if (!Array.isArray(domain)) return { fields, operators };
  for (const item of domain) {
    if (Array.isArray(item) && item.length === 3 && typeof item[0] === 'string' && typeof item[1] === 'string') {
      fields.push(...item[0].split('.'));
      operators.push(item[1]);
      if (item[1] === 'any' || item[1] === 'not any') domainParts(item[2], fields, operators);
    } else if (typeof item !== 'string' || !['&', '|', '!'].includes(item)) fields.push(`<not a term: ${JSON.stringify(item)}>`);
  }
  return { fields, operators };
}

function specFields(spec: unknown, out: string[] = []): string[] {
  if (!spec || typeof spec !== 'object') return out;
  for (const [key, value] of Object.entries(spec)) {
    out.push(key);
    specFields((value as { fields?: unknown }).fields, out);
  }
  return out;
}

/** What is wrong with one ORM call a declared endpoint made (empty when it stays inside its declaration). */
function callFindings(call: WireCall): string[] {
  const found: string[] = [];
  if (call.model !== 'res.partner') found.push(`model ${call.model}`);
  const domain = call.method === 'web_search_read' ? call.kwargs.domain : call.method === 'write' ? [] : call.args[0];
  const { fields, operators } = domainParts(domain);
  for (const field of fields) if (!DECLARED_FIELDS.has(field)) found.push(`domain field ${field}`);
  for (const operator of operators) if (!ODOO_OPERATORS.has(operator)) found.push(`domain operator ${operator}`);
  if (call.method === 'web_search_read')
    for (const field of specFields(call.kwargs.specification)) if (!DECLARED_FIELDS.has(field)) found.push(`read field ${field}`);
  if (call.method === 'read_group') {
    const [, measures, groupby] = call.args as [unknown, string[], string[]];
    for (const spec of [...measures, ...groupby]) if (!['__count', 'income:sum', 'gender', 'birthdate:day'].includes(spec)) found.push(`read_group ${spec}`);
  }
  if (call.method === 'write')
    for (const key of Object.keys((call.args[1] ?? {}) as object)) if (key !== 'x_enrolment_status') found.push(`written field ${key}`);
  if (!READ_METHODS.has(call.method) && call.method !== 'write') found.push(`method ${call.method}`);
  return found;
}

/** Values that look like Odoo syntax or name what must stay out of reach. */
const HOSTILE = fc.constantFrom(
  ...NASTY_STRINGS.filter((s) => s.length < 200),
  "[('is_group','=',False)]",
  '["password", "!=", false]',
  'res.users',
  'x_enrolment_status',
  'is_group',
  'company_id',
  '|',
  '!',
  '%',
  '_',
  'Male,Female',
  ',',
  'Female,',
);
const CUSTOM_QUERY_EXTRAS = ['domain', 'fields', 'model', 'order', 'sort', 'is_group', 'x_enrolment_status', 'password', 'context', 'limit', 'cursor'];

function requests(route: AppRoute): fc.Arbitrary<CraftedRequest> {
  const parameters = route.operation?.parameters ?? [];
  const queryNames = [...parameters.filter((p) => p.in === 'query').map((p) => p.name), ...CUSTOM_QUERY_EXTRAS];
  const schemas = Object.fromEntries(parameters.filter((p) => p.in === 'query').map((p) => [p.name, p.schema]));
  const pathNames = [...route.url.matchAll(/:([a-z_]+)/g)].map((m) => m[1]!);
  // Weighted so that a good share of the requests is valid and reaches Odoo (where the checks below matter).
  const existing = fc.constantFrom(...groupIds).map((id) => ({ text: String(id) }));
  const params = fc.record(
    Object.fromEntries(
      pathNames.map((name) => [
        name,
        fc.oneof(
          { weight: 3, arbitrary: existing },
          { weight: 1, arbitrary: pathValue(groupIds) },
          { weight: 1, arbitrary: HOSTILE.filter((s) => s !== '').map((text) => ({ text })) },
        ),
      ]),
    ),
  );
  const query = fc.oneof(
    // The PATCH declares no query parameter: any query is refused, so most of its requests go without.
    { weight: route.method === 'PATCH' ? 6 : 1, arbitrary: fc.constant<Array<[string, string]>>([]) },
    { weight: 2, arbitrary: queryPairs(queryNames, schemas) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom(...queryNames), HOSTILE), { maxLength: 3 }) },
  );
  const body =
    route.method === 'PATCH'
      ? fc
          .oneof(
            { weight: 2, arbitrary: fc.record({ x_enrolment_status: fc.constantFrom('pending', 'enrolled', 'suspended', 'exited', null) }) },
            { weight: 1, arbitrary: fc.record({ x_enrolment_status: HOSTILE }) },
            {
              weight: 1,
              arbitrary: fc.dictionary(
                fc.constantFrom('x_enrolment_status', 'name', 'is_group', 'active', 'company_id', '__proto__', 'x_other'),
                fc.oneof(HOSTILE, fc.boolean(), fc.integer()),
              ),
            },
          )
          .map((value) => ({ payload: JSON.stringify(value), contentType: 'application/json' }))
      : fc.constant(undefined);
  return fc
    .record({ params, query, headers: fc.constant({}), body })
    .map((r) => (r.body === undefined ? { params: r.params, query: r.query, headers: r.headers } : (r as CraftedRequest)));
}

t.test('fuzzed parameters of the declared endpoints stay inside their declarations', async (t) => {
  const routes = gateway.routes.filter((route) => route.url.startsWith('/api/v1/custom/'));
  t.equal(routes.length, 4, 'the four example endpoints');
  for (const route of routes) {
    const statuses = new Map<number, number>();
    const reached = { odoo: 0 };
    await fc.assert(
      fc.asyncProperty(requests(route), async (request) => {
        const before = gateway.wire.calls.length;
        const answer = await send(gateway, route, request);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const calls = gateway.wire.calls.slice(before);
        if (calls.length) reached.odoo++;
        const found = [...findings(route, request, answer, gateway, before), ...calls.flatMap(callFindings)];
        if (answer.status === 200 && route.method === 'GET' && route.url.includes('/households')) {
          for (const item of (answer.body as { items: Array<Record<string, unknown>> }).items) {
            const keys = Object.keys(item).sort().join(',');
            if (keys !== 'district,head,id,name,x_enrolment_status') found.push(`answer keys ${keys}`);
          }
        }
        if (found.length) throw new Error(`${describe(route, request)}: ${found.join('; ')}`);
      }),
      { numRuns: RUNS },
    );
    t.ok(reached.odoo > 0, `${route.method} ${route.url}: some generated requests reached Odoo`);
    t.comment(`${route.method} ${route.url}: ${RUNS} requests (${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}), ${reached.odoo} reached Odoo`);
  }
  t.same(
    gateway.wire
      .acceptedWrites()
      .flatMap((c) => Object.keys((c.args[1] ?? {}) as object))
      .filter((k) => k !== 'x_enrolment_status'),
    [],
    'no other field was ever written',
  );
});
