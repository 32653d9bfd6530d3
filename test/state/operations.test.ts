/**
 * Redis in the operator's tools: the configuration key and its environment variables,
 * `check-config`, and `/readyz` (reporting the shared state, and failing on it only when
 * configured to). A real redis-server and the simulator, over real sockets.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/yaml.js';
import { checkConfiguration } from '../../src/http/ops/config-check.js';
import { startSimulator } from '../../src/sim/index.js';
import { testConfig } from '../support/config.js';
import { startGateway } from '../support/gateway.js';
import { redisServerMissing, startRedis } from '../support/redis.js';

const skip = redisServerMissing();
const repoConfig = fileURLToPath(new URL('../../config/', import.meta.url));

t.test('redis.url from REDIS_URL_FILE, REDIS_URL or YAML; a URL that is not redis:// is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'g2p-redis-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(repoConfig, dir, { recursive: true });
  // Replicas sharing a Redis must share the cursor key too (cursors.keys is required with redis.url).
  const defaults = readFileSync(join(dir, 'default.yaml'), 'utf8');
  t.ok(defaults.includes('  # keys: [{ env: CURSOR_KEY }]'), 'the defaults show where the cursor key goes');
  writeFileSync(join(dir, 'default.yaml'), defaults.replace('  # keys: [{ env: CURSOR_KEY }]', "  keys: ['a-cursor-key-of-at-least-32-characters']"));
  writeFileSync(join(dir, 'redis-url'), 'redis://:s3cret@redis.internal:6380/2\n');
  const fromFile = loadConfig({ cwd: dir, env: { G2P_CONFIG: 'default.yaml', REDIS_URL_FILE: join(dir, 'redis-url') } });
  t.equal(fromFile.redis.url, 'redis://:s3cret@redis.internal:6380/2', 'REDIS_URL_FILE, trimmed');
  t.equal(loadConfig({ cwd: dir, env: { G2P_CONFIG: 'default.yaml', REDIS_URL: 'rediss://cache:6379' } }).redis.url, 'rediss://cache:6379', 'REDIS_URL');
  t.equal(loadConfig({ cwd: dir, env: { G2P_CONFIG: 'default.yaml' } }).redis.url, undefined, 'unset: state in memory');
  writeFileSync(join(dir, 'bad.yaml'), 'redis:\n  url: http://cache:6379\n');
  try {
    loadConfig({ cwd: dir, env: { G2P_CONFIG: 'bad.yaml' } });
    t.fail('a non-Redis URL must be refused');
  } catch (err) {
    t.ok(err instanceof ConfigError);
    t.match((err as Error).message, /redis\.url.*must start with redis:\/\/ or rediss:\/\//);
    t.notMatch((err as Error).message, /http:\/\/cache/, 'without echoing the value (it may hold a password)');
  }
});

t.test('check-config and /readyz with Redis', { skip }, async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const sim = await startSimulator({ households: 2, seed: 3 });
  t.teardown(() => sim.close());
  const endpoint = { url: sim.url, db: 'g2p', login: 'admin', password: 'admin' };
  const odoo = { url: endpoint.url, db: endpoint.db, accounts: { default: { login: endpoint.login, password: endpoint.password } } };

  const lines: string[] = [];
  t.equal(await checkConfiguration(testConfig({ odoo, redis: { url: redis.url } }), (line) => lines.push(line)), true, 'check-config passes with Redis up');
  t.ok(lines.includes('ok: redis: connected (shared state for several replicas)'), lines.join('\n'));
  const down: string[] = [];
  const deadUrl = `redis://127.0.0.1:${redis.port + 1}`;
  t.equal(
    await checkConfiguration(testConfig({ odoo, redis: { url: deadUrl, connectTimeoutMs: 300 } }), (line) => down.push(line)),
    false,
    'and fails with Redis down',
  );
  t.ok(
    down.some((line) => /^problem: redis: Redis is not connected within 300 ms$/.test(line)),
    down.join('\n'),
  );
  t.notOk(down.join('\n').includes(deadUrl), 'the URL is not printed');

  const ready = async (redisSettings: Record<string, unknown>) => {
    const { app, request } = await startGateway(t, { odoo: endpoint, testDefaults: false, config: { redis: redisSettings, readiness: { cacheMs: 0 } } });
    // Wait for the connection when Redis is up (a fresh client connects in a few ms).
    const expectUp = redisSettings.url !== deadUrl;
    for (let i = 0; i < 100 && (await app.state.health()).up !== expectUp; i++) await new Promise((r) => setTimeout(r, 20));
    const { status, body } = await request('GET', '/readyz');
    return { status, body };
  };
  t.same(await ready({ url: redis.url }), { status: 200, body: { status: 'ready', shared_state: 'up' } }, 'Redis up: ready, shared_state up');
  t.same(await ready({ url: deadUrl }), { status: 200, body: { status: 'ready', shared_state: 'down' } }, 'Redis down: still ready by default (reads go on)');
  const required = await ready({ url: deadUrl, requiredForReadiness: true });
  t.equal(required.status, 503, 'with requiredForReadiness: 503');
  t.match(required.body.detail, /shared state store is down/);
  t.same(await ready({}), { status: 200, body: { status: 'ready' } }, 'without Redis: as before');

  const scraped = async (url: string) => {
    const { app, request } = await startGateway(t, {
      odoo: endpoint,
      testDefaults: false,
      config: { redis: { url }, metrics: { token: 'metrics-token-for-tests' } },
    });
    for (let i = 0; i < 100 && url === redis.url && !app.state.connected; i++) await new Promise((r) => setTimeout(r, 20));
    const response = await request('GET', '/metrics', { token: 'metrics-token-for-tests' });
    return /^g2p_shared_state_up (\d)$/m.exec(response.text)?.[1];
  };
  t.equal(await scraped(redis.url), '1', 'metrics: g2p_shared_state_up 1 while connected');
  t.equal(await scraped(deadUrl), '0', 'and 0 while Redis is down');
});
