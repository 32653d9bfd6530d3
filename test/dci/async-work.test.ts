import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { resolveCallbackUrl } from '../../src/dci/callback-url.js';
import { InMemoryTransactionStore } from '../../src/dci/transactions.js';
import { hashSecret, parseSecretHash, secretMatches } from '../../src/http/auth/secret-hash.js';
import { simulatorOnly, type OdooTarget } from '../support/odoo-target.js';
import { startGateway } from '../support/gateway.js';
import { DciClientStandIn } from './client-stand-in.js';
import { expression, message, startDciGateway, startSim, type DciGateway } from './harness.js';
import { requestProblems } from './standard-schemas.js';

/**
 * The parts of async DCI and client credentials that need a simulator's faults, an injected
 * clock or a process of their own: searches retried while Odoo is away, the token endpoint's
 * rate limit and timing, key and store configuration, and `npm run hash-secret`.
 */

let sim: OdooTarget;
const receiver = new DciClientStandIn();
let gw: DciGateway;

t.before(async () => {
  sim = await startSim(10);
  await receiver.start();
  gw = await startDciGateway(t, sim, {
    senders: { 'async-spmis': { requireSignature: false, callbackUrl: `${receiver.origin}/cb` } },
    async: { retryBaseMs: 100, retryMaxMs: 200, searchAttempts: 3, deliveryAttempts: 2 },
  });
});
t.teardown(async () => {
  await gw?.close();
  await sim?.close();
  await receiver.stop();
});

const status = async (transactionId: string): Promise<any> => {
  const request = message([], { action: 'txn-status', sender_id: 'async-spmis', total_count: 1 });
  const body = {
    header: request.header,
    message: {
      transaction_id: 'status-1',
      txnstatus_request: { reference_id: 's-1', txn_type: 'search', attribute_type: 'transaction_id', attribute_value: transactionId },
    },
  };
  return (await gw.post('/registry/sync/txn/status', body)).body;
};

t.test(
  'a search Odoo cannot answer is retried, then answered; one that never can is delivered as rejected (simulator: fault injection)',
  { skip: simulatorOnly() },
  async (t) => {
    t.teardown(() => sim.sim!.faults.clear());
    sim.sim!.faults.proxyHtml({ model: 'res.partner', method: 'web_search_read' }, 1);
    const request = message([expression('Group', { registration_date: { $gte: '2000-01-01' } })], { sender_id: 'async-spmis' });
    const ack = await gw.post('/registry/search', request);
    t.equal(ack.body.message.ack_status, 'ACK');
    const callback = await receiver.waitFor('/cb/registry/on-search', (c) => c.body.message.correlation_id === ack.body.message.correlation_id);
    t.equal(callback.body.header.status, 'succ', 'answered at the second attempt');
    t.same(requestProblems('social', '/registry/on-search', callback.body), []);

    sim.sim!.faults.proxyHtml({ model: 'res.partner', method: 'web_search_read' });
    const doomed = message([expression('Group', { registration_date: { $gte: '2000-01-01' } })], { sender_id: 'async-spmis' });
    const doomedAck = await gw.post('/registry/search', doomed);
    const rejected = await receiver.waitFor('/cb/registry/on-search', (c) => c.body.message.correlation_id === doomedAck.body.message.correlation_id);
    t.equal(rejected.body.header.status, 'rjct');
    t.match(rejected.body.message.search_response, [{ status: 'rjct', status_reason_message: /could not be reached/ }]);
    t.notMatch(JSON.stringify(rejected.body), /html|Traceback/i, 'nothing of the upstream page leaks');
    t.same(requestProblems('social', '/registry/on-search', rejected.body), []);
    const after = await status(String(doomed.message.transaction_id));
    t.equal(after.message.txnstatus_response.txn_status.search_response[0].status, 'rjct');
  },
);

t.test('a sender without a registered callback URL cannot use the async routes', async (t) => {
  const answer = await gw.post('/registry/search', message([expression('Group', { group_size: { $gt: 0 } })], { sender_id: 'no-callback' }));
  t.equal(answer.status, 400);
  t.match(answer.body.message, { ack_status: 'ERR', error: { code: 'err.sender_uri.invalid' } });
  const unknown = await status('never-sent');
  t.match(unknown.header, { status: 'rjct', action: 'txn-on-status' }, 'an unknown transaction is reported as such');
  t.same(unknown.message.txnstatus_response.txn_status.search_response, []);
});

t.test('callback URLs are compared on parsed URLs', async (t) => {
  const base = 'https://spmis.example.org:8443/dci/';
  const onSearch = '/registry/on-search';
  t.same(
    resolveCallbackUrl(undefined, base, onSearch),
    { ok: true, url: 'https://spmis.example.org:8443/dci/registry/on-search' },
    'no sender_uri: the registered URL plus the standard path',
  );
  t.same(
    resolveCallbackUrl('https://spmis.example.org:8443/dci/cb/on-search', base, onSearch),
    { ok: true, url: 'https://spmis.example.org:8443/dci/cb/on-search' },
    'sender_uri: the callback URL itself, nothing appended',
  );
  t.same(
    resolveCallbackUrl('https://spmis.example.org:8443/dci', base, onSearch),
    { ok: true, url: 'https://spmis.example.org:8443/dci' },
    'the registered URL itself',
  );
  t.same(
    resolveCallbackUrl('https://SPMIS.example.org:8443/dci/x/', base, onSearch),
    { ok: true, url: 'https://spmis.example.org:8443/dci/x/' },
    'host case normalised, path kept as sent',
  );
  t.same(resolveCallbackUrl('https://spmis.example.org:8443/dci/x/../y', base, onSearch), { ok: true, url: 'https://spmis.example.org:8443/dci/y' });
  for (const bad of [
    'https://spmis.example.org/dci',
    'https://spmis.example.org:8443/dcix',
    'https://spmis.example.org:8443/dci/../',
    'http://spmis.example.org:8443/dci',
    'https://spmis.example.org.attacker.net:8443/dci',
    'https://a@spmis.example.org:8443/dci',
    'https://spmis.example.org:8443/dci#x',
    'file:///etc/passwd',
    '//spmis.example.org:8443/dci',
  ]) {
    t.equal(resolveCallbackUrl(bad, base, onSearch).ok, false, bad);
  }
  t.equal(resolveCallbackUrl('https://spmis.example.org/dci', undefined, onSearch).ok, false, 'nothing registered: refused');
  t.equal(resolveCallbackUrl(undefined, undefined, onSearch).ok, false, 'nothing registered, no sender_uri: refused');
});

t.test('the in-memory store drops finished transactions after retention and says it is not durable', async (t) => {
  let now = 1_000_000;
  const store = new InMemoryTransactionStore(60_000, 100, () => now);
  t.equal(store.durable, false);
  const at = new Date(now).toISOString();
  await store.putTransaction({
    correlationId: 'c1',
    senderId: 's',
    transactionId: 't1',
    messageId: 'm',
    receivedAt: at,
    updatedAt: at,
    status: 'succ',
    items: [],
    callbackUrl: 'http://x',
    delivery: { state: 'delivered', attempts: 1 },
  });
  await store.putTransaction({
    correlationId: 'c2',
    senderId: 's',
    transactionId: 't2',
    messageId: 'm2',
    receivedAt: at,
    updatedAt: at,
    status: 'pdng',
    items: [],
    callbackUrl: 'http://x',
  });
  t.equal((await store.findTransactions('s', {})).length, 2);
  t.equal((await store.findTransactions('other', {})).length, 0, 'another sender sees nothing');
  now += 61_000;
  t.same(
    (await store.findTransactions('s', {})).map((x) => x.correlationId),
    ['c2'],
    'the finished one is gone, the pending one stays',
  );
});

t.test('token endpoint: rate limit per client address, unknown clients cost as much as wrong secrets', async (t) => {
  const secret = 'a-long-enough-client-secret';
  const gateway = await startGateway(t, {
    odoo: sim,
    config: {
      auth: {
        clientCredentials: { clients: { c1: { secretHash: await hashSecret(secret), roles: ['Rest API GET'] } }, rateLimit: { max: 11, windowMs: 60_000 } },
      },
    },
  });
  const ask = (id: string, s: string) =>
    gateway.request('POST', '/oauth2/client/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: s }).toString(),
    });
  const timed = async (id: string, s: string) => {
    const started = performance.now();
    const answer = await ask(id, s);
    t.equal(answer.status, 401);
    return performance.now() - started;
  };
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const wrong: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 5; i++) {
    wrong.push(await timed('c1', 'wrong-secret'));
    unknown.push(await timed(`nobody-${i}`, 'wrong-secret'));
  }
  // The fastest of each is its own cost: a busy machine only ever adds to a sample.
  const fastest = (xs: number[]) => Math.min(...xs);
  t.ok(
    fastest(unknown) > fastest(wrong) * 0.5,
    `unknown client ${fastest(unknown).toFixed(1)} ms vs wrong secret ${fastest(wrong).toFixed(1)} ms (fastest of 5): both pay for scrypt`,
  );
  t.comment(`timing: unknown client median ${median(unknown).toFixed(1)} ms, wrong secret median ${median(wrong).toFixed(1)} ms`);
  const good = await ask('c1', secret);
  t.equal(good.status, 200);
  const throttled = await ask('c1', secret);
  t.equal(throttled.status, 429, 'the 12th request in the window (max 11) is refused');
  t.equal(throttled.body.error, 'temporarily_unavailable');
  t.ok(Number(throttled.headers.get('retry-after')) > 0, 'Retry-After');
  // The token works on the API, with its role (reading) and nothing more.
  const bearer = good.body.access_token;
  t.equal((await gateway.request('GET', '/api/v1/id-types', { token: bearer })).status, 200);
  t.equal((await gateway.request('POST', '/api/v1/individuals', { token: bearer, body: '{}' })).status, 403);
  const jwks = (await gateway.request('GET', '/.well-known/jwks.json')).body;
  t.match(jwks.keys, [{ kty: 'OKP', crv: 'Ed25519', kid: /^ephemeral-/, use: 'sig', alg: 'EdDSA' }], 'without signingKeys: a key made at start-up');
});

t.test('client credentials configuration: production needs a persistent key; hashes must be real', async (t) => {
  const hash = await hashSecret('another-long-client-secret');
  const dir = mkdtempSync(join(tmpdir(), 'g2p-cc-'));
  writeFileSync(join(dir, 'roles.yaml'), 'roles:\n  Rest API GET:\n    - claim: scope\n      includes: registry:read\n');
  writeFileSync(
    join(dir, 'gw.yaml'),
    `odoo:\n  url: http://odoo.invalid:8069\n  db: g2p\n  accounts:\n    default: { login: gw, password: pw }\nauth:\n  clientCredentials:\n    clients:\n      spmis-1:\n        secretHash: "${hash}"\n        roles: [Rest API GET]\n`,
  );
  t.throws(() => loadConfig({ cwd: dir, env: { G2P_CONFIG: 'gw.yaml', NODE_ENV: 'production' } }), /no signingKeys are set/);
  const config = loadConfig({ cwd: dir, env: { G2P_CONFIG: 'gw.yaml' } });
  t.equal(config.auth.clientCredentials.clients['spmis-1']?.roles[0], 'Rest API GET');
  const bad = {
    ...config,
    auth: {
      ...config.auth,
      clientCredentials: {
        ...config.auth.clientCredentials,
        clients: { x: { secretHash: 'scrypt$1$2$3$abc$def', roles: ['Rest API GET' as const], scopes: [] } },
      },
    },
  };
  await t.rejects(startGateway(t, { fullConfig: bad }), /not a hash written by `npm run hash-secret`/);
});

t.test('npm run hash-secret hashes a secret read on standard input', async (t) => {
  const run = (input: string, args: string[] = []) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/tools/hash-secret.ts', ...args], { input, encoding: 'utf8' });
  const out = run('a-secret-of-24-characters\n');
  t.equal(out.status, 0, out.stderr);
  const parsed = parseSecretHash(out.stdout.trim());
  t.ok(parsed, 'prints a hash');
  t.ok(await secretMatches('a-secret-of-24-characters', parsed!), 'the hash matches the secret');
  t.notOk(await secretMatches('a-secret-of-24-characterz', parsed!));
  t.equal(run('short\n').status, 1, 'short secrets refused');
  const generated = run('', ['--generate']);
  const [, secret] = /secret: (\S+)/.exec(generated.stdout) ?? [];
  const [, hash] = /secretHash: (\S+)/.exec(generated.stdout) ?? [];
  t.ok(await secretMatches(secret!, parseSecretHash(hash!)!), '--generate prints a secret and its hash');
});
