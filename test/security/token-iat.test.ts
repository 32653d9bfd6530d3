/**
 * A smaller finding of the adversarial probe (issue 26): a bearer token issued in the future
 * (`iat` beyond the clock skew) was accepted. An issuer does not date its tokens ahead, so such a
 * token is forged or from a broken clock; it is now refused with 401 like an expired one.
 */
import t from 'tap';
import { startGateway, UNREACHABLE_ODOO } from '../support/gateway.js';
import { nowSeconds, testToken } from '../support/tokens.js';

t.test('a token whose iat is in the future (beyond auth.clockSkewSeconds) is refused', async (t) => {
  const gw = await startGateway(t, { odoo: UNREACHABLE_ODOO });
  const future = testToken('get', { iat: nowSeconds() + 3600, exp: nowSeconds() + 7200 });
  const answer = await gw.request('GET', '/api/v1/individuals?limit=1', { token: future });
  t.equal(answer.status, 401);
  t.match(answer.body.detail, /issued in the future/);
  // Within the skew (30 s by default) a slightly fast issuer clock is tolerated: the request gets past authentication.
  const skewed = testToken('get', { iat: nowSeconds() + 10 });
  t.not((await gw.request('GET', '/api/v1/individuals?limit=1', { token: skewed })).status, 401);
});
