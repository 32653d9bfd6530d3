import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import t from 'tap';
import { ackSchema, responseEnvelopeSchema } from '../../src/dci/envelope.js';
import { digestOf } from '../../src/dci/signature.js';
import type { OdooTarget } from '../support/odoo-target.js';
import { sharedPath } from '../support/shared.js';
import { ed25519Pair, expression, message, pythonJson, signEnvelope, startDciGateway, startSim, type DciGateway } from './harness.js';

/**
 * Message signatures (Ed25519 over created/expires/digest, per sender and key), the gateway's
 * own response signatures and JWKS, and the standard's sample requests.
 */

const SEARCH = '/registry/sync/search';
const spmis = ed25519Pair();
const optional = ed25519Pair();
const stranger = ed25519Pair();
const gatewayKey = ed25519Pair();
let sim: OdooTarget;
let gw: DciGateway;
let strict: DciGateway;
const now = () => Math.floor(Date.now() / 1000);

t.before(async () => {
  sim = await startSim(10);
  const senders = {
    'signed-spmis': { publicKeys: { k1: spmis.publicPem }, requireSignature: true },
    'optional-spmis': { publicKeys: { k1: optional.publicPem }, requireSignature: false },
  };
  gw = await startDciGateway(t, sim, { senders, signingKey: gatewayKey.privatePem, keyId: 'gw-1', registryId: 'test-registry' });
  strict = await startDciGateway(t, sim, { senders, requireSignatureByDefault: true });
});
t.teardown(async () => {
  await gw?.close();
  await strict?.close();
  await sim?.close();
});

const query = () => [expression('Member', { given_name: { $contains: 'Zoë' } })];
const signed = (sender: string, key = spmis.privateKey, options: Partial<Parameters<typeof signEnvelope>[1]> = {}) => {
  const request = message(query(), { sender_id: sender });
  return { ...request, signature: signEnvelope(request, { senderId: sender, keyId: 'k1', key, ...options }) };
};

t.test('the digest matches Python json.dumps(sort_keys=True, separators=(",", ":")) byte for byte', async (t) => {
  // Vectors computed with CPython 3 from the same value: ensure_ascii on (its default) and off.
  const header = { total_count: 1, message_id: 'm-1' };
  const body = { z: 'Zoë 🙂', a: [1, 2.5, { y: null, x: true }], ctl: 'a\nb\t\x7f"\\' };
  t.equal(digestOf(header, body, true), 'xpntBwrvFzYBblPoHNOpPw6BE+IwhvX/6HdYpVwKTqM=');
  t.equal(digestOf(header, body, false), 'bJgA/qhpnckaA82frZA2Nstvr7d73cx3MMToQEwJx9Q=');
});

t.test('a valid signature is accepted, in either JSON spelling of non-ASCII text', async (t) => {
  for (const ensureAscii of [true, false]) {
    const response = await gw.post(SEARCH, signed('signed-spmis', spmis.privateKey, { ensureAscii }));
    t.equal(response.status, 200, `ensure_ascii=${ensureAscii}`);
    t.equal(response.body.header.status, 'succ');
  }
  const nearlyExpired = await gw.post(SEARCH, signed('signed-spmis', spmis.privateKey, { created: now() - 320, expires: now() - 20 }));
  t.equal(nearlyExpired.status, 200, 'expired 20 s ago: within the 60 s clock skew');
});

t.test('bad, expired and missing signatures are refused with the standard error codes', async (t) => {
  const tampered = signed('signed-spmis');
  (tampered.message.search_request as any)[0].search_criteria.query.value.expression.query = { sex: 'male' };
  const cases: Array<[string, unknown, string]> = [
    ['tampered message', tampered, 'err.signature.invalid'],
    ['expired', signed('signed-spmis', spmis.privateKey, { created: now() - 1000, expires: now() - 700 }), 'err.signature.invalid'],
    ['created in the future', signed('signed-spmis', spmis.privateKey, { created: now() + 600, expires: now() + 900 }), 'err.signature.invalid'],
    ['valid for longer than 300 s', signed('signed-spmis', spmis.privateKey, { expires: now() + 3600 }), 'err.signature.invalid'],
    ['signed with a key not registered', signed('signed-spmis', stranger.privateKey), 'err.signature.invalid'],
    [
      'unknown key id',
      (() => {
        const r = message(query(), { sender_id: 'signed-spmis' });
        return { ...r, signature: signEnvelope(r, { senderId: 'signed-spmis', keyId: 'k9', key: spmis.privateKey }) };
      })(),
      'err.signature.invalid',
    ],
    [
      'kidId names another sender',
      (() => {
        const r = message(query(), { sender_id: 'signed-spmis' });
        return { ...r, signature: signEnvelope(r, { senderId: 'optional-spmis', keyId: 'k1', key: spmis.privateKey }) };
      })(),
      'err.signature.invalid',
    ],
    ['garbage', { ...message(query(), { sender_id: 'signed-spmis' }), signature: 'Signature: namespace="dci"' }, 'err.signature.invalid'],
    ['missing', message(query(), { sender_id: 'signed-spmis' }), 'err.signature.missing'],
    ['optional sender, bad signature', signed('optional-spmis', stranger.privateKey), 'err.signature.invalid'],
  ];
  for (const [name, body, code] of cases) {
    const response = await gw.post(SEARCH, body);
    t.equal(response.status, 400, `${name}: 400`);
    t.ok(ackSchema.safeParse(response.body).success, `${name}: acknowledgement shape`);
    t.equal(response.body.message?.ack_status, 'ERR', `${name}: ERR`);
    t.equal(response.body.message?.error?.code, code, `${name}: ${code}`);
  }
});

t.test('signatures are optional where configured so', async (t) => {
  t.equal((await gw.post(SEARCH, message(query(), { sender_id: 'optional-spmis' }))).body.header.status, 'succ', 'optional sender, unsigned');
  t.equal((await gw.post(SEARCH, signed('optional-spmis', optional.privateKey))).body.header.status, 'succ', 'optional sender, signed');
  t.equal((await gw.post(SEARCH, message(query(), { sender_id: 'unlisted' }))).body.header.status, 'succ', 'unknown sender, default not required');
  const refused = await strict.post(SEARCH, message(query(), { sender_id: 'unlisted' }));
  t.equal(refused.status, 400);
  t.equal(refused.body.message.error.code, 'err.signature.missing', 'unknown sender where the default requires signatures');
});

t.test('a replayed signed message is refused as a duplicate', async (t) => {
  const request = signed('signed-spmis');
  t.equal((await gw.post(SEARCH, request)).body.header.status, 'succ');
  const replay = await gw.post(SEARCH, request);
  t.equal(replay.status, 200);
  t.equal(replay.body.header.status_reason_code, 'rjct.message_id.duplicate');
});

t.test('responses are signed with the gateway key published at /.well-known/jwks.json', async (t) => {
  const jwksResponse = await fetch(`${gw.origin}/.well-known/jwks.json`);
  t.equal(jwksResponse.status, 200, 'public: no token needed');
  const jwks = (await jwksResponse.json()) as { keys: Array<Record<string, string>> };
  t.equal(jwks.keys.length, 1);
  t.match(jwks.keys[0], { kty: 'OKP', crv: 'Ed25519', kid: 'gw-1', use: 'sig', alg: 'EdDSA' });
  t.notOk('d' in jwks.keys[0]!, 'no private part');
  const publicKey = createPublicKey({ key: jwks.keys[0] as any, format: 'jwk' });

  const response = await gw.post(SEARCH, signed('signed-spmis'));
  t.ok(responseEnvelopeSchema.safeParse(response.body).success);
  const { signature, header, message: body } = response.body;
  const params = Object.fromEntries([...String(signature).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  t.equal(params.kidId, 'test-registry|gw-1|ed25519');
  t.equal(header.sender_id, 'test-registry');
  t.equal(header.receiver_id, 'signed-spmis');
  const digest = createHash('sha256')
    .update(pythonJson({ header, message: body }))
    .digest('base64');
  const data = Buffer.from(`(created): ${params.created}\n(expires): ${params.expires}\ndigest: ${digest}`);
  t.ok(verify(null, data, publicKey, Buffer.from(params.signature!, 'base64')), 'response signature verifies');
  t.equal(Number(params.expires) - Number(params.created), 300);

  const unsigned = await strict.post(SEARCH, signed('signed-spmis'));
  t.equal(unsigned.body.signature, undefined, 'no signing key configured: responses unsigned');
  t.same(await (await fetch(`${strict.origin}/.well-known/jwks.json`)).json(), { keys: [] });
});

/**
 * The standard's sample requests, as published. Each shares one message_id, so each is sent
 * with its own (the duplicate check would otherwise refuse all but the first).
 */
const SAMPLE_OUTCOMES: Record<string, string> = {
  'processflow1-1req.json': 'rjct.filter.invalid', // poverty_score: not held by an OpenG2P registry
  'processflow1-2req.json': 'rjct.sort.invalid', // household_size filters, but cannot sort (no stored, current value)
  'processflow1-3req.json': 'rjct.sort.invalid', // sex + marital_status filter fine; sort by poverty_score
  'processflow2req.json': 'rjct.sort.invalid', // predicate list under "expression": UIN eq … fine; sort by UIN
  'processflow3areq.json': 'rjct.search_criteria.invalid', // predicate with an "expression3" member outside the standard
  'processflow4req.json': 'rjct.search_criteria.invalid', // same
};

t.test('every sample request gets a valid on-search answer', async (t) => {
  const files = readdirSync(sharedPath('dci/samples'))
    .filter((f) => f.endsWith('req.json'))
    .sort();
  t.same(files, Object.keys(SAMPLE_OUTCOMES).sort(), 'all samples covered');
  for (const file of files) {
    const sample = JSON.parse(readFileSync(sharedPath('dci/samples', file), 'utf8'));
    sample.header.message_id = `${sample.header.message_id}-${file}`;
    const response = await gw.post(SEARCH, sample);
    t.equal(response.status, 200, `${file}: 200`);
    const parsed = responseEnvelopeSchema.safeParse(response.body);
    t.ok(parsed.success, `${file}: response validates${parsed.success ? '' : ` ${JSON.stringify(parsed.error.issues)}`}`);
    t.equal(response.body.header.total_count, 1);
    t.equal(response.body.header.completed_count, 1);
    const [item] = response.body.message.search_response;
    t.equal(item.status_reason_code ?? item.status, SAMPLE_OUTCOMES[file], `${file}: ${SAMPLE_OUTCOMES[file]} (${item.status_reason_message ?? ''})`);
  }
  // Without its unsupported sort, the household sample is answered.
  const household = JSON.parse(readFileSync(sharedPath('dci/samples', 'processflow1-2req.json'), 'utf8'));
  household.header.message_id = `${household.header.message_id}-nosort`;
  delete household.message.search_request[0].search_criteria.sort;
  const answered = await gw.post(SEARCH, household);
  const [item] = answered.body.message.search_response;
  t.equal(item.status, 'succ');
  t.equal(item.locale, 'eng', 'locale "EN/GB" answered as ISO 639-3');
  for (const group of item.data.reg_records) t.ok(group.group_size < 5, 'household_size $lt 5');
});
