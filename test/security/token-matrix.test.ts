/**
 * Every guarded route × every kind of forged or misdirected bearer token (issue 10, Security).
 *
 * test/http/auth-roles.test.ts already runs the role matrix (no token, each role) over every
 * route and sends an expired token and a non-JWT to each with zero calls to Odoo;
 * test/http/auth.test.ts checks each rejection reason once, on a test route. What neither does
 * is send the forgeries themselves to every real route: that is this file. Each request goes
 * over a real socket; the gateway's Odoo traffic passes a recorder, and nothing may reach it.
 */
import t from 'tap';
import { TEST_JWT_SECRET } from '../support/config.js';
import { nowSeconds, REALM_ROLES, signJwt, standardClaims } from '../support/tokens.js';
import { concreteUrl, errorShapeFindings, startSecurityGateway, type SecurityGateway } from './harness.js';

/** Claims that would carry both roles: only the forgery itself may make them fail. */
const allRoles = { realm_access: { roles: REALM_ROLES.both } };
const hs256 = (claims: Record<string, unknown>, key: string = TEST_JWT_SECRET) => signJwt(standardClaims({ ...allRoles, ...claims }), { alg: 'HS256', key });

/** A valid reader token whose payload was rewritten to claim the writer role as well (signature kept). */
function escalated(): string {
  const [header, , signature] = signJwt(standardClaims({ realm_access: { roles: REALM_ROLES.get } }), { alg: 'HS256', key: TEST_JWT_SECRET }).split('.');
  return `${header}.${Buffer.from(JSON.stringify(standardClaims(allRoles))).toString('base64url')}.${signature}`;
}

const FORGERIES: Record<string, () => string> = {
  'signed by another key': () => hs256({}, 'another-key-of-the-same-length-for-g2p-tests-0123456789'),
  'alg none': () => signJwt(standardClaims(allRoles), { alg: 'none' }),
  'alg none, upper case': () => signJwt(standardClaims(allRoles), { alg: 'none', header: { alg: 'NONE' } }),
  'another audience': () => hs256({ aud: 'another-service' }),
  'another issuer': () => hs256({ iss: 'https://issuer.test/realms/other' }),
  'not valid yet': () => hs256({ nbf: nowSeconds() + 3600 }),
  'expired long ago': () => hs256({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }),
  'payload rewritten to add a role': escalated,
  'signature stripped': () => `${hs256({}).split('.').slice(0, 2).join('.')}.`,
};

let gateway: SecurityGateway;
t.before(async () => {
  gateway = await startSecurityGateway(t, { listen: true });
});

t.test('every guarded route refuses every forged token, and Odoo hears nothing', async (t) => {
  const guarded = gateway.routes.filter((route) => route.access !== 'public');
  t.ok(guarded.length >= 20, `the route table lists the API (${guarded.length} guarded routes)`);
  t.ok(
    guarded.some((route) => route.errorShape === 'dci'),
    'the DCI search is among them',
  );
  gateway.sim.resetCalls();
  gateway.wire.reset();
  let checked = 0;
  for (const route of guarded) {
    for (const [kind, forge] of Object.entries(FORGERIES)) {
      const withBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
      const answer = await gateway.request(route.method, concreteUrl(route.url, {}), { token: forge(), ...(withBody ? { body: '{}' } : {}) });
      const label = `${route.method} ${route.url} with a token ${kind}`;
      t.equal(answer.status, 401, label);
      t.ok(answer.headers.get('www-authenticate'), `${label}: a challenge`);
      t.same(errorShapeFindings(route.errorShape, answer), [], `${label}: ${route.errorShape} error shape`);
      checked++;
    }
  }
  t.equal(gateway.sim.calls.length, 0, 'no RPC of any kind reached the simulator');
  t.equal(gateway.wire.calls.length + gateway.wire.otherRequests, 0, 'nothing passed the wire');
  t.comment(`${guarded.length} guarded routes × ${Object.keys(FORGERIES).length} token kinds = ${checked} refusals checked`);
});

t.test('the same routes do answer a valid token (the refusals above are the token, not the route)', async (t) => {
  const guarded = gateway.routes.filter((route) => route.access !== 'public');
  for (const route of guarded) {
    const withBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
    const response = await gateway.request(route.method, concreteUrl(route.url, {}), withBody ? { body: '{}' } : {});
    t.not(response.status, 401, `${route.method} ${route.url}`);
    t.not(response.status, 403, `${route.method} ${route.url}`);
    t.ok(response.status < 500, `${route.method} ${route.url}: no 5xx`);
  }
});
