import t from 'tap';
import { basic, CLERK, startCompatStack, type CompatStack } from '../support/compat.js';
import { openApiDocument, recordedCases, responseSchemaFor, schemaProblems, shapeDifferences, type RecordedCase } from './openg2p-schema.js';

/**
 * Every success the real OpenG2P REST module recorded, replayed against the gateway (on the
 * simulator, over both Odoo protocols): same status, same keys in the same order, same JSON
 * types, and a body that conforms to the module's own OpenAPI response schema.
 */

/** Recorded successes that are not replayed here, and why. */
const NOT_REPLAYED: Record<string, string> = {
  create_individual_unknown_gender_dropped: 'a defect (unknown gender silently dropped): defects.test.ts shows it refused',
  auth_noaccess_user_can_read: 'a defect (no role check): basic-auth.test.ts shows 403',
  openapi_json: "the module's document; the gateway documents its own API, not these routes",
  docs_html: 'the same, as HTML',
};

const RECORDED_TAG = '2fa10c';
const RECORDED_IDS = { alpha: 708, bravo: 709, group: 710 };

interface Fixture {
  tag: string;
  ids: typeof RECORDED_IDS;
}

/** The records the recording's cases were made against, created over RPC as there. */
async function createFixture(stack: CompatStack): Promise<Fixture> {
  const tag = stack.runTag.slice(0, 6);
  const odoo = stack.odoo;
  const person = (given: string, extra: Record<string, unknown> = {}) =>
    odoo.create('res.partner', {
      name: `RESTW-${tag}, ${given.toUpperCase()}`,
      given_name: given,
      family_name: `Restw-${tag}`,
      is_registrant: true,
      is_group: false,
      ...extra,
    });
  const alpha = await person('Alpha', {
    registration_date: '2024-01-01',
    birthdate: '1990-05-17',
    email: `ra.${tag}@example.org`,
    address: '1 Main St',
    reg_ids: [[0, 0, { id_type: stack.reference.nationalId, value: `RNID-${tag}-A` }]],
    phone_number_ids: [[0, 0, { phone_no: '+14155552671' }]],
  });
  const bravo = await person('Bravo');
  const group = await odoo.create('res.partner', {
    name: `RestW Household ${tag}`,
    is_registrant: true,
    is_group: true,
    kind: stack.reference.household,
    registration_date: '2024-01-01',
    group_membership_ids: [
      [0, 0, { individual: alpha, kind: [[6, 0, [stack.reference.head]]] }],
      [0, 0, { individual: bravo }],
    ],
  });
  return { tag, ids: { alpha, bravo, group } };
}

/** The recorded request with this run's names and ids in place of the recording's. */
function replayed(recorded: RecordedCase, fixture: Fixture): { method: string; path: string; body: string | null; contentType?: string } {
  let path = recorded.request.path.replaceAll(RECORDED_TAG, fixture.tag);
  for (const [key, id] of Object.entries(RECORDED_IDS)) {
    path = path.replace(new RegExp(`([/=])${id}(?=$|[/?&])`), `$1${fixture.ids[key as keyof Fixture['ids']]}`);
  }
  return {
    method: recorded.request.method,
    path,
    body: recorded.request.body?.replaceAll(RECORDED_TAG, fixture.tag) ?? null,
    contentType: recorded.request.headers['Content-Type'],
  };
}

const successes = recordedCases().filter((c) => c.response.status === 200);
const doc = openApiDocument();

for (const protocol of ['jsonrpc', 'xmlrpc'] as const) {
  t.test(`recorded successes over ${protocol}`, async (t) => {
    const stack = await startCompatStack(t, { protocol });
    const fixture = await createFixture(stack);
    const prefix = (doc.servers as Array<{ url: string }>)[0]!.url;
    t.equal(stack.app.config.compat.prefix, prefix, "served under the module's own prefix");

    for (const recorded of successes) {
      if (NOT_REPLAYED[recorded.case]) continue;
      const request = replayed(recorded, fixture);
      const response = await fetch(`${stack.origin}${request.path}`, {
        method: request.method,
        headers: { authorization: basic(CLERK), accept: 'application/json', ...(request.contentType ? { 'content-type': request.contentType } : {}) },
        body: request.body,
      });
      const text = await response.text();
      t.equal(response.status, recorded.response.status, `${recorded.case}: status (${text.slice(0, 200)})`);
      t.match(response.headers.get('content-type'), /^application\/json/, `${recorded.case}: JSON`);
      const ours = JSON.parse(text) as unknown;
      t.same(shapeDifferences(ours, JSON.parse(recorded.response.body)), [], `${recorded.case}: keys and value types as recorded`);
      const schema = responseSchemaFor(doc, recorded.request.method, recorded.request.path);
      t.ok(schema, `${recorded.case}: the module documents the route`);
      // Where the module's own answer departs from its document (a search's short groups lack
      // is_partial_group), the recording decides.
      const recordedProblems = new Set(schemaProblems(doc, schema!, JSON.parse(recorded.response.body)).map((p) => p.replace(/\[\d+\]/g, '[]')));
      const problems = schemaProblems(doc, schema!, ours).filter((p) => !recordedProblems.has(p.replace(/\[\d+\]/g, '[]')));
      t.same(problems, [], `${recorded.case}: conforms to the module's response schema`);
    }
  });
}

t.test('every recorded success is replayed or excused', async (t) => {
  const names = new Set(successes.map((c) => c.case));
  for (const excused of Object.keys(NOT_REPLAYED)) t.ok(names.has(excused), `${excused} is a recorded success`);
  t.ok(successes.length - Object.keys(NOT_REPLAYED).length >= 14, 'at least the 14 data successes are replayed');
});
