/**
 * The three signature forms x four algorithms a partner may use, and every refusal, with the
 * test SP-MIS (sp-mis.ts: no gateway code) on the simulator: each form and algorithm verified
 * on a request and answered signed in the same form (checked against the keys the gateway
 * publishes); then wrong key, expired or future signature, a kid unknown even after the
 * sender's JWKS is fetched again, a JWKS URL answering garbage, redirecting or too large, an
 * EncryptedMessage for another key, a tampered ciphertext, a sender that must encrypt and did
 * not: each the standard's error code, and nothing searched in Odoo.
 */
import t, { type Test } from 'tap';
import type { SimCall } from '../../src/sim/server.js';
import { simulatorOnly } from '../support/odoo-target.js';
import { expression, startDciGateway, startSim, type DciGateway } from './harness.js';
import { keyPair, SpMis, type Algorithm, type SignatureForm } from './sp-mis.js';

const skip = simulatorOnly('call log (refusals must search nothing)');
const SEARCH = '/registry/sync/search';
const REGISTRY = 'partner-test-registry';
const FORMS: SignatureForm[] = ['string', 'detached-jws', 'compact-jws'];
const ALGORITHMS: Algorithm[] = ['EdDSA', 'RS256', 'PS256', 'ES256'];
/** The gateway's key answering each algorithm's senders (an RSA key answers PS256 to a PS256 request). */
const ANSWER_KEY: Record<Algorithm, string> = { EdDSA: 'gw-ed', RS256: 'gw-rsa', PS256: 'gw-rsa', ES256: 'gw-ec' };

const gatewayKeys = { ed: keyPair('EdDSA'), rsa: keyPair('RS256'), ec: keyPair('ES256'), enc: keyPair('RS256') };
/** One PEM-keyed sender per algorithm; its requests come in every form. */
const byAlgorithm = Object.fromEntries(
  ALGORITHMS.map((alg) => [alg, new SpMis({ senderId: `pem-${alg.toLowerCase()}`, form: 'string', algorithm: alg })]),
) as Record<Algorithm, SpMis>;
/** A sender known by its JWKS URL only, signing compact RS256 and encrypting (OpenCRVS's way). */
const remote = new SpMis({ senderId: 'jwks-spmis', form: 'compact-jws', algorithm: 'RS256', encrypt: true });
/** Its JWKS URL misbehaves in each refusal. */
const misbehaving = new SpMis({ senderId: 'bad-jwks-spmis', form: 'detached-jws', algorithm: 'PS256' });
let sim: Awaited<ReturnType<typeof startSim>>;
let gw: DciGateway;

t.before(async () => {
  if (skip) return;
  for (const partner of [...Object.values(byAlgorithm), remote, misbehaving]) await partner.start();
  sim = await startSim(10);
  const senders: Record<string, unknown> = Object.fromEntries(
    ALGORITHMS.map((alg) => [
      byAlgorithm[alg].senderId,
      {
        publicKeys: { [byAlgorithm[alg].keyId]: byAlgorithm[alg].signing.publicPem },
        answerKeyId: ANSWER_KEY[alg],
        encryptionKey: byAlgorithm[alg].encryption.publicPem,
      },
    ]),
  );
  senders[remote.senderId] = { jwksUrl: remote.jwksUrl, answerKeyId: 'gw-rsa', encryption: 'required', callbackUrl: remote.callbackUrl };
  senders[misbehaving.senderId] = { jwksUrl: misbehaving.jwksUrl };
  gw = await startDciGateway(t, sim, {
    registryId: REGISTRY,
    signingKey: gatewayKeys.ed.privatePem,
    keyId: 'gw-ed',
    additionalSigningKeys: { 'gw-rsa': gatewayKeys.rsa.privatePem, 'gw-ec': gatewayKeys.ec.privatePem },
    decryptionKey: gatewayKeys.enc.privatePem,
    decryptionKeyId: 'gw-enc',
    senders: senders as never,
    senderKeySets: { minRefetchIntervalMs: 0, timeoutMs: 2_000, maxBytes: 16_384 },
  });
  for (const partner of [...Object.values(byAlgorithm), remote, misbehaving]) await partner.trust(`${gw.origin}/.well-known/jwks.json`);
});
t.teardown(async () => {
  await gw?.close();
  await sim?.close();
  for (const partner of [...Object.values(byAlgorithm), remote, misbehaving]) await partner.stop();
});

const search = (surname = 'Zoë') => ({
  transaction_id: `txn-${Date.now()}`,
  search_request: [{ reference_id: 'ref-1', timestamp: new Date().toISOString(), search_criteria: expression('Member', { family_name: { $eq: surname } }) }],
});

t.test('the gateway publishes every signing key and its encryption key', { skip }, async (t) => {
  const jwks = (await (await fetch(`${gw.origin}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
  const byKid = Object.fromEntries(jwks.keys.map((key) => [key.kid, [key.kty, key.use, key.alg]]));
  t.same(byKid['gw-ed'], ['OKP', 'sig', 'EdDSA']);
  t.same(byKid['gw-rsa'], ['RSA', 'sig', 'RS256']);
  t.same(byKid['gw-ec'], ['EC', 'sig', 'ES256']);
  t.same(byKid['gw-enc'], ['RSA', 'enc', 'RSA-OAEP-256']);
  t.notOk(
    jwks.keys.some((key) => 'd' in key),
    'no private member published',
  );
});

for (const algorithm of ALGORITHMS) {
  t.test(`${algorithm}: a request in each form, clear and encrypted, is verified and answered signed (and encrypted) in that form`, { skip }, async (t) => {
    const partner = byAlgorithm[algorithm];
    for (const form of FORMS) {
      const body = await partner.envelope('search', search(), {}, { sign: { form } });
      const answer = await gw.post(SEARCH, body);
      t.equal(answer.status, 200, `${form}: 200`);
      t.equal(answer.body.header?.status, 'succ', `${form}: searched`);
      const opened = await partner.open(answer.body);
      t.same(
        [opened.form, opened.algorithm, opened.signatureValid],
        [form, algorithm, true],
        `${form}: answer signed ${form} ${algorithm}, verified with the published key`,
      );

      const encrypted = await gw.post(SEARCH, await partner.envelope('search', search(), {}, { sign: { form }, encryptTo: partner.gatewayEncryptionKey() }));
      const sealed = await partner.open(encrypted.body);
      t.same(
        [sealed.encrypted, sealed.form, sealed.algorithm, sealed.signatureValid, sealed.message?.search_response?.[0]?.status],
        [true, form, algorithm, true, 'succ'],
        `${form}, encrypted: decrypted, searched, answered encrypted to the sender's key and signed ${form} ${algorithm}`,
      );
    }
  });
}

t.test("a detached JWS in the HTTP Signature header (g2pconnect's way) is verified as well", { skip }, async (t) => {
  const partner = byAlgorithm.PS256;
  const { signature, ...body } = await partner.envelope('search', search(), {}, { sign: { form: 'detached-jws' } });
  const answer = await gw.post(SEARCH, body, { headers: { signature } });
  t.equal(answer.body.header?.status, 'succ');
  const stranger = keyPair('PS256');
  const forged = await partner.envelope('search', search(), {}, { sign: { form: 'detached-jws', privateKey: stranger.privateKey } });
  const refused = await gw.post(SEARCH, { header: forged.header, message: forged.message }, { headers: { signature: forged.signature } });
  t.equal(refused.body.message?.error?.code, 'err.signature.invalid');
});

t.test('a sender known by its JWKS URL: keys fetched once, cached; encryption both ways', { skip }, async (t) => {
  const before = remote.keySetFetches;
  for (let i = 0; i < 2; i++) {
    const answer = await gw.post(SEARCH, await remote.envelope('search', search()));
    t.equal(answer.status, 200);
    t.equal(answer.body.header?.is_msg_encrypted, true, 'answered encrypted');
    const opened = await remote.open(answer.body);
    t.ok(opened.signatureValid, 'the signature covers the encrypted message');
    t.equal(opened.message.search_response?.[0]?.status, 'succ', 'decrypted with the SP-MIS key: the answer');
  }
  t.equal(remote.keySetFetches - before, 1, 'the key set is fetched once, then cached');
});

/** Sends a message expected to be refused; checks the ack's code and that Odoo was not searched. */
async function refused(t: Test, what: string, body: unknown, code: string, options: { headers?: Record<string, string> } = {}) {
  sim.sim!.resetCalls();
  const answer = await gw.post(SEARCH, body, options);
  t.equal(answer.status, 400, `${what}: 400`);
  t.equal(answer.body.message?.ack_status, 'ERR', `${what}: ERR acknowledgement`);
  t.equal(answer.body.message?.error?.code, code, `${what}: ${code} (${answer.body.message?.error?.message})`);
  const searches = sim.sim!.calls.filter((call: SimCall) => call.model === 'res.partner');
  t.same(searches, [], `${what}: nothing searched`);
}

t.test("refusals: each the standard's code, nothing searched", { skip }, async (t) => {
  const partner = byAlgorithm.EdDSA;
  const now = Math.floor(Date.now() / 1000);
  const stranger = keyPair('EdDSA');
  for (const form of FORMS) {
    await refused(
      t,
      `${form}, wrong key`,
      await partner.envelope('search', search(), {}, { sign: { form, privateKey: stranger.privateKey } }),
      'err.signature.invalid',
    );
    await refused(
      t,
      `${form}, expired`,
      await partner.envelope('search', search(), {}, { sign: { form, created: now - 1000, expires: now - 700 } }),
      'err.signature.invalid',
    );
    await refused(
      t,
      `${form}, future`,
      await partner.envelope('search', search(), {}, { sign: { form, created: now + 600, expires: now + 900 } }),
      'err.signature.invalid',
    );
  }
  const dated = await partner.envelope('search', search(), {}, { sign: { form: 'compact-jws', undated: true } });
  t.equal((await gw.post(SEARCH, dated)).body.header?.status, 'succ', 'a JWS without iat/exp, dated by a fresh message_ts: accepted');
  const stale = new Date((now - 1000) * 1000).toISOString();
  for (const form of ['detached-jws', 'compact-jws'] as const)
    await refused(
      t,
      `${form} without iat/exp, old message_ts`,
      await partner.envelope('search', search(), { message_ts: stale }, { sign: { form, undated: true } }),
      'err.signature.invalid',
    );
  await refused(t, 'unsigned', { header: (await partner.envelope('search', search())).header, message: search() }, 'err.signature.missing');

  // A kid the sender's JWKS does not hold: fetched again once, still unknown.
  const before = remote.keySetFetches;
  await refused(t, 'unknown kid', await remote.envelope('search', search(), {}, { sign: { keyId: 'rotated-away' } }), 'err.signature.invalid');
  t.equal(remote.keySetFetches - before, 1, 'unknown kid: the JWKS fetched again once');

  for (const mode of ['garbage', 'redirect', 'huge'] as const) {
    misbehaving.keySetMode = mode;
    const fetched = misbehaving.keySetFetches;
    await refused(t, `JWKS URL answering ${mode}`, await misbehaving.envelope('search', search()), 'err.signature.invalid');
    t.ok(misbehaving.keySetFetches > fetched, `${mode}: the key set was asked for`);
  }

  const otherKey = keyPair('RS256');
  await refused(
    t,
    'JWE for another key',
    await remote.envelope('search', search(), {}, { encryptTo: { kid: 'gw-enc', key: otherKey.publicKey } }),
    'err.encryption.invalid',
  );
  await refused(
    t,
    'JWE naming another kid',
    await remote.envelope('search', search(), {}, { encryptTo: { kid: 'someone-else', key: gatewayKeys.enc.publicKey } }),
    'err.encryption.invalid',
  );
  await refused(t, 'tampered ciphertext', await remote.envelope('search', search(), {}, { tamper: true }), 'err.encryption.invalid');
  await refused(t, 'must encrypt, did not', await remote.envelope('search', search(), {}, { plain: true }), 'err.encryption.invalid');
});
