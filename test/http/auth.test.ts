import { generateKeyPairSync } from 'node:crypto';
import t, { type Test } from 'tap';
import { JwksKeyStore } from '../../src/http/auth/jwks.js';
import { outboundDispatcher } from '../../src/outbound/http-agent.js';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from '../support/config.js';
import { startGateway, UNREACHABLE_ODOO, type Answer as GatewayAnswer } from '../support/gateway.js';
import { startJwksServer, type JwksServer } from '../support/jwks-server.js';
import { nowSeconds, signJwt, standardClaims } from '../support/tokens.js';

const RSA_ISSUER = 'https://pem.test/realms/g2p';
const JWKS_ISSUER = 'https://keycloak.test/realms/g2p';
const SKEW = 30;

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaSecond = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec1 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec2 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

const reader = { realm_access: { roles: ['registry-reader'] } };

/** The gateway's answer with its WWW-Authenticate challenge. */
type Answer = GatewayAnswer & { challenge: string | null };

async function startApp(t: Test, jwksUrl: string, minRefetchIntervalMs: number): Promise<{ get: (token?: string, raw?: string) => Promise<Answer> }> {
  const gateway = await startGateway(t, {
    // Never contacted: these tests stop at the auth layer or at routes that do not call Odoo.
    odoo: UNREACHABLE_ODOO,
    listen: true,
    config: {
      auth: {
        clockSkewSeconds: SKEW,
        jwksMinRefetchIntervalMs: minRefetchIntervalMs,
        issuers: [
          { issuer: TEST_ISSUER, audience: [TEST_AUDIENCE], algorithms: ['HS256'], secret: TEST_JWT_SECRET },
          {
            issuer: RSA_ISSUER,
            audience: [TEST_AUDIENCE],
            algorithms: ['RS256'],
            publicKeys: [rsaPublicPem, rsaSecond.publicKey.export({ type: 'spki', format: 'pem' }).toString()],
          },
          { issuer: JWKS_ISSUER, audience: [TEST_AUDIENCE, 'other-client'], algorithms: ['ES256', 'RS256'], jwksUrl },
        ],
      },
    },
    before: (app) => {
      app.get('/t/read', { config: { access: 'Rest API GET' } }, async (request) => ({
        sub: request.principal?.sub,
        roles: [...(request.principal?.roles ?? [])],
      }));
    },
  });
  const get = async (token?: string, raw?: string): Promise<Answer> => {
    const authorization = raw ?? (token !== undefined ? `Bearer ${token}` : undefined);
    const answer = await gateway.request('GET', '/t/read', { headers: authorization !== undefined ? { authorization } : {} });
    return { ...answer, challenge: answer.headers.get('www-authenticate') };
  };
  return { get };
}

let jwks: JwksServer;
let server: Awaited<ReturnType<typeof startApp>>;

t.before(async () => {
  jwks = await startJwksServer([{ kid: 'ec-1', publicKey: ec1.publicKey, alg: 'ES256' }]);
  server = await startApp(t, jwks.url, 0);
});
t.teardown(() => jwks?.close());

/** Asserts an RFC 6750 invalid_token refusal that does not echo the token. */
function assertInvalidToken(t: Test, answer: Answer, token: string, reason: RegExp): void {
  t.equal(answer.status, 401);
  t.match(answer.challenge, /^Bearer realm="g2p-gateway", error="invalid_token", error_description="[^"]+"$/);
  t.match(answer.challenge, reason);
  t.match(answer.contentType, /^application\/problem\+json/);
  t.equal(answer.body.status, 401);
  t.match(answer.body.detail, reason);
  if (token.length > 0) {
    t.notOk(answer.text.includes(token), 'the body does not echo the token');
    t.notOk(answer.text.includes(token.split('.')[1] ?? token), 'nor its payload');
  }
}

t.test('valid tokens from each kind of key source are accepted', async (t) => {
  const hs = await server.get(signJwt(standardClaims(reader), { alg: 'HS256', key: TEST_JWT_SECRET }));
  t.equal(hs.status, 200);
  t.same(hs.body, { sub: 'user-1', roles: ['Rest API GET'] });

  const rs = await server.get(signJwt(standardClaims({ ...reader, iss: RSA_ISSUER }), { alg: 'RS256', key: rsa.privateKey }));
  t.equal(rs.status, 200, 'RS256 with the first PEM key');
  const rsOther = await server.get(signJwt(standardClaims({ ...reader, iss: RSA_ISSUER }), { alg: 'RS256', key: rsaSecond.privateKey }));
  t.equal(rsOther.status, 200, 'RS256 with the second PEM key');

  const es = await server.get(
    signJwt(standardClaims({ ...reader, iss: JWKS_ISSUER, aud: ['other-client'] }), { alg: 'ES256', key: ec1.privateKey, kid: 'ec-1' }),
  );
  t.equal(es.status, 200, 'ES256 from the JWKS, aud given as an array');
});

t.test('missing credentials get the bare challenge, not invalid_token', async (t) => {
  // One challenge per accepted scheme: HTTP Basic against Odoo is on by default (compat.basicAuth).
  const bare = 'Bearer realm="g2p-gateway", Basic realm="g2p-gateway"';
  const missing = await server.get();
  t.equal(missing.status, 401);
  t.equal(missing.challenge, bare);
  t.match(missing.contentType, /^application\/problem\+json/);
  t.match(missing.body, { type: '/problems/unauthorized', title: 'Unauthorized', status: 401 });

  const otherScheme = await server.get(undefined, 'Digest username="x"');
  t.equal(otherScheme.status, 401);
  t.equal(otherScheme.challenge, bare);
});

t.test('each rejection case', async (t) => {
  const now = nowSeconds();
  const hs = (claims: Record<string, unknown>, key: string | Buffer = TEST_JWT_SECRET) =>
    signJwt(standardClaims({ ...reader, ...claims }), { alg: 'HS256', key });

  assertInvalidToken(t, await server.get('abc'), 'abc', /not a JWT/);
  assertInvalidToken(t, await server.get('eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24.c2ln'), 'eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24.c2ln', /not a JWT/);
  const extraSpace = await server.get(undefined, `Bearer ${hs({})} trailing`);
  t.equal(extraSpace.status, 401, 'a header with extra parts is refused');

  const wrongSecret = hs({}, 'another-secret-of-sufficient-length-0123456789');
  assertInvalidToken(t, await server.get(wrongSecret), wrongSecret, /signature/);
  const tampered = hs({}).replace(
    /\.([^.]+)\./,
    () => `.${Buffer.from(JSON.stringify({ ...standardClaims(), realm_access: { roles: ['registry-writer'] } })).toString('base64url')}.`,
  );
  t.not(tampered.split('.')[1], hs({}).split('.')[1]);
  assertInvalidToken(t, await server.get(tampered), tampered, /signature/);

  const expired = hs({ exp: now - SKEW - 10, iat: now - 4000 });
  assertInvalidToken(t, await server.get(expired), expired, /expired/);
  const notYet = hs({ nbf: now + SKEW + 10 });
  assertInvalidToken(t, await server.get(notYet), notYet, /not valid yet/);
  const noExp = hs({ exp: undefined });
  assertInvalidToken(t, await server.get(noExp), noExp, /exp/);

  const wrongIss = hs({ iss: 'https://evil.test/realms/g2p' });
  assertInvalidToken(t, await server.get(wrongIss), wrongIss, /issuer \(iss\) is not trusted/);
  const wrongAud = hs({ aud: 'someone-else' });
  assertInvalidToken(t, await server.get(wrongAud), wrongAud, /aud/);

  const unsigned = signJwt(standardClaims(reader), { alg: 'none' });
  assertInvalidToken(t, await server.get(unsigned), unsigned, /algorithm none is not accepted/);

  // HS/RS confusion: an HS256 token "signed" with the issuer's public RSA key as HMAC secret.
  const confused = signJwt(standardClaims({ ...reader, iss: RSA_ISSUER }), { alg: 'HS256', key: rsaPublicPem });
  assertInvalidToken(t, await server.get(confused), confused, /algorithm HS256 is not accepted/);
  // An issuer's keys do not verify for another issuer: RS256 from the RSA key, claiming the HS issuer.
  const crossIssuer = signJwt(standardClaims(reader), { alg: 'RS256', key: rsa.privateKey });
  assertInvalidToken(t, await server.get(crossIssuer), crossIssuer, /algorithm RS256 is not accepted/);

  const unlisted = signJwt(standardClaims({ ...reader, iss: RSA_ISSUER }), { alg: 'RS384', key: rsa.privateKey });
  assertInvalidToken(t, await server.get(unlisted), unlisted, /algorithm RS384 is not accepted/);

  const unknownKey = signJwt(standardClaims({ ...reader, iss: RSA_ISSUER }), {
    alg: 'RS256',
    key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  });
  assertInvalidToken(t, await server.get(unknownKey), unknownKey, /signature/);
});

t.test('clock skew boundaries', async (t) => {
  const now = nowSeconds();
  const hs = (claims: Record<string, unknown>) => signJwt(standardClaims({ ...reader, ...claims }), { alg: 'HS256', key: TEST_JWT_SECRET });
  // 10 s margins either side of the tolerance, so the test does not depend on the wall clock.
  t.equal((await server.get(hs({ exp: now - SKEW + 10 }))).status, 200, 'expired within the skew: accepted');
  t.equal((await server.get(hs({ exp: now - SKEW - 10 }))).status, 401, 'expired beyond the skew: refused');
  t.equal((await server.get(hs({ nbf: now + SKEW - 10 }))).status, 200, 'nbf ahead within the skew: accepted');
  t.equal((await server.get(hs({ nbf: now + SKEW + 10 }))).status, 401, 'nbf ahead beyond the skew: refused');
});

t.test('key rotation: a new kid in the JWKS is accepted after exactly one refetch', async (t) => {
  const token = (kid: string, key: typeof ec1.privateKey) => signJwt(standardClaims({ ...reader, iss: JWKS_ISSUER }), { alg: 'ES256', key, kid });
  t.equal((await server.get(token('ec-1', ec1.privateKey))).status, 200);
  const before = jwks.requests;
  t.equal((await server.get(token('ec-1', ec1.privateKey))).status, 200);
  t.equal(jwks.requests, before, 'a known kid is served from the cache');

  jwks.publish([
    { kid: 'ec-1', publicKey: ec1.publicKey, alg: 'ES256' },
    { kid: 'ec-2', publicKey: ec2.publicKey, alg: 'ES256' },
  ]);
  const rotated = await server.get(token('ec-2', ec2.privateKey));
  t.equal(rotated.status, 200, 'the rotated-in key is accepted', { body: rotated.body });
  t.equal(jwks.requests, before + 1, 'after one refetch');
  t.equal((await server.get(token('ec-2', ec2.privateKey))).status, 200);
  t.equal(jwks.requests, before + 1, 'and then cached');

  const forged = token('ec-2', ec1.privateKey);
  assertInvalidToken(t, await server.get(forged), forged, /signature/);
  const gone = token('ec-9', ec1.privateKey);
  assertInvalidToken(t, await server.get(gone), gone, /key the issuer does not publish/);
});

t.test('unknown kids refetch at most once per interval', async (t) => {
  const limited = await startApp(t, jwks.url, 60_000);
  const token = (kid: string) => signJwt(standardClaims({ ...reader, iss: JWKS_ISSUER }), { alg: 'ES256', key: ec1.privateKey, kid });
  t.equal((await limited.get(token('ec-1'))).status, 200);
  const before = jwks.requests;
  for (let i = 0; i < 20; i++) t.equal((await limited.get(token(`made-up-${i}`))).status, 401);
  t.equal(jwks.requests, before, 'made-up kids right after a fetch do not refetch');
});

t.test('JwksKeyStore: refetch timing follows its clock', async (t) => {
  const loopbackDispatcher = outboundDispatcher({ allowedNetworks: ['loopback'] });
  let now = 1_000_000;
  const store = new JwksKeyStore({ url: jwks.url, dispatcher: loopbackDispatcher, cacheTtlMs: 600_000, minRefetchIntervalMs: 10_000, now: () => now });
  t.ok(await store.keyFor({ kid: 'ec-1', alg: 'ES256' }));
  t.equal(store.fetchCount, 1);
  t.equal(await store.keyFor({ kid: 'ec-3', alg: 'ES256' }), undefined);
  t.equal(store.fetchCount, 1, 'within the interval: no refetch');
  jwks.publish([{ kid: 'ec-3', publicKey: ec2.publicKey, alg: 'ES256' }]);
  now += 10_000;
  t.ok(await store.keyFor({ kid: 'ec-3', alg: 'ES256' }), 'after the interval: one refetch finds the new key');
  t.equal(store.fetchCount, 2);
  t.equal(await store.keyFor({ kid: 'ec-3', alg: 'RS256' }), undefined, 'a key published for ES256 does not serve RS256');
  now += 600_000;
  await store.keyFor({ kid: 'ec-3', alg: 'ES256' });
  t.equal(store.fetchCount, 3, 'the cache expires after its TTL');

  const unreachable = new JwksKeyStore({
    url: 'http://127.0.0.1:9/certs',
    dispatcher: loopbackDispatcher,
    cacheTtlMs: 1000,
    minRefetchIntervalMs: 0,
    fetchTimeoutMs: 2000,
  });
  await t.rejects(unreachable.keyFor({ kid: 'x' }), { name: 'Error', message: /JWKS/ });
});
