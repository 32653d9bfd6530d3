import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { hashSecret } from '../../src/http/auth/secret-hash.js';
import { startGateway } from '../support/gateway.js';
import { ed25519Pair, startSim, uniqueId } from './harness.js';
import { requestProblems } from './standard-schemas.js';

/**
 * `/openapi.json` documents the DCI routes and `/oauth2/client/token` with the standard's
 * request and response schemas (vendored into the project): every reference in the document
 * resolves, and the schemas it publishes accept the gateway's real answers and the standard's
 * messages, and refuse what the standard refuses, read by ajv as a generated client would.
 */

const SENDER = 'spmis-openapi';
const SECRET = `secret-${randomUUID()}`;
const DCI_PATHS = [
  '/registry/sync/search',
  '/registry/search',
  '/registry/sync/txn/status',
  '/registry/txn/status',
  '/registry/subscribe',
  '/registry/unsubscribe',
];

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

t.test("the DCI routes and the token route carry the standard's schemas in /openapi.json", async (t) => {
  const target = await startSim(4);
  t.teardown(() => target.close());
  const gw = await startGateway(t, {
    odoo: target,
    protocol: 'jsonrpc',
    listen: true,
    config: {
      events: { enabled: true },
      dci: { registryId: 'g2p-openapi', senders: { [SENDER]: { requireSignature: false, callbackUrl: 'http://127.0.0.1:9/cb' } } },
      auth: {
        clientCredentials: {
          clients: { [SENDER]: { secretHash: await hashSecret(SECRET), roles: ['Rest API GET'], senderId: SENDER } },
          signingKeys: [{ kid: 'tok-oa', privateKey: ed25519Pair().privatePem }],
        },
      },
    },
  });
  const answer = await gw.request('GET', '/openapi.json');
  t.equal(answer.status, 200);
  const doc = answer.body as any;

  for (const path of [...DCI_PATHS, ...DCI_PATHS.map((p) => `/dci${p}`)]) {
    const operation = doc.paths[path]?.post;
    t.ok(operation?.requestBody?.content?.['application/json']?.schema, `${path}: request schema`);
    t.ok(operation?.responses?.['200'], `${path}: a 200 answer`);
    t.ok(operation?.responses?.['401'], `${path}: the standard's 401`);
  }
  const token = doc.paths['/oauth2/client/token']?.post;
  t.ok(token?.requestBody?.content?.['application/x-www-form-urlencoded']?.schema, 'token: form request schema');
  t.ok(token?.responses?.['200']?.content?.['application/json']?.schema, 'token: answer schema');

  // Every reference resolves inside the document (what Swagger UI and client generators need).
  const unresolved: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const ref = (node as { $ref?: unknown }).$ref;
      if (typeof ref === 'string') {
        const found = ref
          .replace(/^#\//, '')
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
          .reduce<any>((n, s) => n?.[s], doc);
        if (found === undefined) unresolved.push(ref);
      }
      Object.values(node).forEach(walk);
    }
  };
  walk(doc);
  t.same(unresolved, [], 'every $ref resolves');

  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  ajv.addSchema(doc, 'openapi');
  const schemaAt = (pointer: string) => ajv.compile({ $ref: `openapi#${pointer}` });
  const op = (path: string) => `/paths/${escape(path)}/post`;

  // A sync search as the standard writes one, and the gateway's real answer to it.
  const now = new Date().toISOString();
  const search = {
    header: {
      version: '1.0.0',
      message_id: uniqueId(),
      message_ts: now,
      action: 'search',
      sender_id: SENDER,
      receiver_id: 'g2p-openapi',
      total_count: 1,
      is_msg_encrypted: false,
    },
    message: {
      transaction_id: uniqueId('txn'),
      search_request: [
        {
          reference_id: uniqueId('ref'),
          timestamp: now,
          search_criteria: {
            version: '1.0.0',
            query_type: 'predicate',
            response_entity: 'Member',
            query: [{ seq_num: 1, expression1: { attribute_name: 'surname', operator: 'eq', attribute_value: 'Nobody' } }],
          },
        },
      ],
    },
  };
  t.same(requestProblems('social', '/registry/sync/search', search), [], 'the message conforms to the standard itself');
  const requestSchema = schemaAt(`${op('/registry/sync/search')}/requestBody/content/application~1json/schema`);
  t.ok(requestSchema(search), `the published request schema accepts it ${JSON.stringify(requestSchema.errors)}`);
  t.notOk(requestSchema({ message: search.message }), 'and refuses a message without a header');

  const tokenAnswer = await fetch(`${gw.origin}/oauth2/client/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SENDER, client_secret: SECRET }).toString(),
  });
  const tokenBody = (await tokenAnswer.json()) as { access_token: string };
  t.equal(tokenAnswer.status, 200);
  const tokenSchema = schemaAt(`${op('/oauth2/client/token')}/responses/200/content/application~1json/schema`);
  t.ok(tokenSchema(tokenBody), `the published token answer schema accepts the real answer ${JSON.stringify(tokenSchema.errors)}`);

  const searched = await fetch(`${gw.origin}/registry/sync/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenBody.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify(search),
  });
  const searchBody = await searched.json();
  t.equal(searched.status, 200);
  const answerSchema = schemaAt(`${op('/registry/sync/search')}/responses/200/content/application~1json/schema`);
  t.ok(answerSchema(searchBody), `the published answer schema accepts the real answer ${JSON.stringify(answerSchema.errors)}`);

  const refused = await fetch(`${gw.origin}/registry/sync/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(search),
  });
  t.equal(refused.status, 401);
  const unauthorized = doc.paths['/registry/sync/search'].post.responses['401'];
  const errorPointer = unauthorized.$ref
    ? `${unauthorized.$ref.replace(/^#/, '')}/content/application~1json/schema`
    : `${op('/registry/sync/search')}/responses/401/content/application~1json/schema`;
  t.ok(schemaAt(errorPointer)(await refused.json()), 'the published 401 schema accepts the real 401');
});
