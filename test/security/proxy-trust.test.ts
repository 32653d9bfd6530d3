/**
 * Finding 3 of the adversarial probe (issue 26): X-Forwarded-For escaped the token endpoint's
 * limit. `server.trustProxy: true` (the production example's) made the client-controlled
 * leftmost address the key; now proxies are trusted by address/CIDR or hop count only, `true`
 * is refused, and failed client secrets also count against their client_id.
 *
 * Before: the configuration accepted `true`, the production example used it, and 35 wrong
 * client secrets with a rotating X-Forwarded-For all got 401.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { configSchema } from '../../src/config/schema.js';
import { hashSecret } from '../../src/http/auth/secret-hash.js';
import { parse as parseYaml } from 'yaml';
import { startGateway, UNREACHABLE_ODOO } from '../support/gateway.js';

const TOKEN = '/oauth2/client/token';

t.test('server.trustProxy: true is refused by the configuration; addresses, CIDRs and hop counts are taken', async (t) => {
  const refused = configSchema.safeParse({ server: { trustProxy: true } });
  t.notOk(refused.success, 'true is refused');
  t.match(JSON.stringify(refused.error?.issues), /addresses\/CIDRs or the number of hops/);
  for (const good of [false, 1, 2, '10.0.0.0/8', ['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback']]) {
    t.ok(configSchema.safeParse({ server: { trustProxy: good } }).success, `${JSON.stringify(good)} is taken`);
  }
  for (const bad of ['everyone', '10.0.0.0/33', ['10.0.0.1', 'x'], 0]) {
    t.notOk(configSchema.safeParse({ server: { trustProxy: bad } }).success, `${JSON.stringify(bad)} is refused`);
  }
});

t.test('the production example and the Kubernetes config trust their proxies by CIDR or hop count', async (t) => {
  const production = parseYaml(readFileSync(new URL('../../config/production.example.yaml', import.meta.url), 'utf8')) as { server: { trustProxy: unknown } };
  t.not(production.server.trustProxy, true);
  t.ok(
    configSchema.shape.server.unwrap().shape.trustProxy.safeParse(production.server.trustProxy).success,
    `production: ${JSON.stringify(production.server.trustProxy)}`,
  );
  const configMap = readFileSync(new URL('../../deploy/kubernetes/configmap.yaml', import.meta.url), 'utf8');
  t.match(configMap, /trustProxy: 1\b/);
  t.notMatch(configMap, /trustProxy: true/);
});

t.test('token endpoint: wrong secrets with a rotating X-Forwarded-For are stopped by the client_id budget and the real address', async (t) => {
  const gw = await startGateway(t, {
    odoo: UNREACHABLE_ODOO,
    listen: true,
    config: {
      // One proxy hop (an ingress): the client address is the entry it appended, the rightmost.
      server: { trustProxy: 1 },
      auth: {
        clientCredentials: {
          clients: { 'spmis-1': { secretHash: await hashSecret('the-right-secret'), roles: ['Rest API GET'] } },
          rateLimit: { max: 1000, windowMs: 60_000 },
        },
      },
      failedAuth: { enabled: true, windowMs: 600_000, maxPerAddress: 50, maxPerIdentity: 10 },
    },
  });
  const attempt = (secret: string, forwardedFor: string, clientId = 'spmis-1') =>
    gw.request('POST', TOKEN, {
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor },
    });
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 35; i++) {
    // What the client wrote itself comes first; the ingress appends the address it saw.
    const answer = await attempt(`guess-${i}`, `203.0.113.${i}, 198.51.100.${i}`);
    statuses.push(answer.status);
    if (answer.status === 429) retryAfter ??= answer.headers.get('retry-after');
  }
  t.equal(statuses.indexOf(429), 10, `per client_id: 401 ten times, then 429 (${statuses.join(',')})`);
  t.ok(Number(retryAfter) > 0, `Retry-After ${retryAfter}`);
  t.equal((await attempt('the-right-secret', '198.51.100.200')).status, 429, 'while the client id is blocked, not even the right secret is checked');

  // Rotating client ids from one real address: the address budget (the leftmost XFF entry is not believed).
  const fromOne: number[] = [];
  for (let i = 0; i < 60; i++) fromOne.push((await attempt('x', `10.${i}.0.1, 192.0.2.77`, `client-${i}`)).status);
  t.equal(fromOne.indexOf(429), 50, `per address: ${fromOne.join(',')}`);
});
