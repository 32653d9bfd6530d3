import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { ConfigError, parseYaml, validate } from '../../src/config/yaml.js';

const repoConfigDir = fileURLToPath(new URL('../../config/', import.meta.url));
const DEFAULT_YAML = readFileSync(join(repoConfigDir, 'default.yaml'), 'utf8');

/** A temp copy of config/, so a test can add files (secrets, bad variants) beside the real ones. */
function copyOfConfigDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'g2p-ops-config-'));
  cpSync(repoConfigDir, dir, { recursive: true });
  return dir;
}

t.test('config/default.yaml validates, means sandbox mode, and comments every key', async (t) => {
  const { data } = parseYaml({ name: 'default.yaml', text: DEFAULT_YAML });
  const parsed = validate(configSchema, data, { name: 'default.yaml' });
  t.equal(parsed.odoo, undefined, 'no Odoo: sandbox mode');
  t.equal(parsed.metrics.token, undefined, 'metrics are not served until an operator chooses how');
  t.equal(parsed.rateLimit.enabled, true);

  const config = loadConfig({ cwd: repoConfigDir, env: { G2P_CONFIG: 'default.yaml' } });
  t.equal(config.sandboxMode, true);
  t.ok(config.roles['Rest API GET']?.length, 'roles.yaml maps "Rest API GET"');

  // Every setting the schema knows (odoo aside: its absence is the point) is shown, at least
  // commented out. Sections and their settings: deeper levels include free-form maps (id types)
  // whose keys are data, not settings.
  const keys = new Set<string>(['token', 'port', 'signingKey']);
  for (const [section, settings] of Object.entries(configSchema.parse({}))) {
    keys.add(section);
    for (const [key, value] of Object.entries(settings as object)) {
      keys.add(key);
      if (key === 'underPressure') for (const nested of Object.keys(value as object)) keys.add(nested);
    }
  }
  const missing = [...keys].filter((key) => !new RegExp(`^\\s*#?\\s*${key}:`, 'm').test(DEFAULT_YAML));

  // Each setting's line is preceded by a comment line, so the file documents itself.
  const lines = DEFAULT_YAML.split('\n');
  const uncommented = lines
    .map((line, i) => ({ line, i, key: /^\s*([A-Za-z]+):/.exec(line)?.[1] }))
    .filter(({ key }) => key !== undefined && keys.has(key))
    .filter(
      ({ i }) =>
        !/^\s*#/.test(
          lines
            .slice(0, i)
            .reverse()
            .find((l) => l.trim() !== '') ?? '',
        ),
    )
    .map(({ line }) => line.trim());
  t.same(uncommented, [], 'every setting has a comment above it');
  t.same(missing, [], 'default.yaml names every key');
});

t.test('config/production.example.yaml validates in production with its secrets provided', async (t) => {
  const dir = copyOfConfigDir();
  const example = readFileSync(join(dir, 'production.example.yaml'), 'utf8');
  t.match(example, /jwksUrl: https:\/\/.*\/protocol\/openid-connect\/certs/);
  // The example reads secrets from /run/secrets; here they live in the temp folder.
  const secrets = {
    'odoo-gateway-password': 'gateway-pass',
    'odoo-read-api-key': 'read-key',
    'metrics-token': 'scrape-token',
    'cursor-key': 'cursor-key-0123456789abcdef0123456789',
    'dci-spmis-public.pem': generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    'dci-signing-key.pem': generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  for (const [name, value] of Object.entries(secrets)) writeFileSync(join(dir, name), `${value}\n`);
  writeFileSync(join(dir, 'production.yaml'), example.replaceAll('/run/secrets/', `${dir}/`));

  const config = loadConfig({ cwd: dir, env: { G2P_CONFIG: 'production.yaml', NODE_ENV: 'production', ODOO_WRITE_API_KEY: 'write-key' } });
  t.equal(config.sandboxMode, false);
  t.equal(config.odoo?.accounts.default.password, 'gateway-pass');
  t.equal(config.odoo?.accounts.read?.password, 'read-key');
  t.equal(config.odoo?.accounts.write?.password, 'write-key');
  t.equal(config.metrics.token, 'scrape-token');
  t.equal(config.metrics.port, 9464);
  t.same(config.cursors.keys, ['cursor-key-0123456789abcdef0123456789'], 'cursors signed with the key from its secret file');
  t.match(config.auth.issuers[0], { jwksUrl: /^https:/ });
  t.equal(config.dci.senders.spmis?.requireSignature, true);
  t.match(config.dci.signingKey, /BEGIN PRIVATE KEY/);

  const unset = t.throws(() => loadConfig({ cwd: dir, env: { G2P_CONFIG: 'production.yaml', NODE_ENV: 'production' } })) as ConfigError;
  t.match(unset.message, /odoo\.accounts\.write\.password: environment variable ODOO_WRITE_API_KEY is not set/);
});

t.test('environment variables override the default file', async (t) => {
  const config = loadConfig({ cwd: repoConfigDir, env: { G2P_CONFIG: 'default.yaml', PORT: '8089', HOST: '0.0.0.0', LOG_LEVEL: 'warn' } });
  t.equal(config.server.port, 8089);
  t.equal(config.server.host, '0.0.0.0');
  t.equal(config.log.level, 'warn');
});

t.test('bad operations values stop start-up naming the key, the line and the reason', async (t) => {
  const dir = copyOfConfigDir();
  const bad = `${DEFAULT_YAML}`
    .replace('  max: 600\n', '  max: 0\n')
    .replace('  cacheMs: 5000\n', '  cacheMs: soon\n')
    .replace('    maxEventLoopUtilization: 0.98\n', '    maxEventLoopUtilization: 2\n')
    .replace('  # port: 9464\n', '  port: 70000\n');
  writeFileSync(join(dir, 'bad.yaml'), bad);
  const lineOf = (text: string) => bad.split('\n').findIndex((l) => l.startsWith(text)) + 1;
  const err = t.throws(() => loadConfig({ cwd: dir, env: { G2P_CONFIG: 'bad.yaml' } })) as ConfigError;
  t.ok(err instanceof ConfigError);
  const problems = err.problems.join('\n');
  t.match(problems, new RegExp(`bad\\.yaml:${lineOf('  max: 0')}: rateLimit\\.max: `));
  t.match(problems, new RegExp(`bad\\.yaml:${lineOf('  cacheMs: soon')}: readiness\\.cacheMs: .*number`));
  t.match(problems, /server\.underPressure\.maxEventLoopUtilization: /);
  t.match(problems, /metrics\.port: /);
  t.equal(err.problems.length, 4, 'one problem per bad value');
});
