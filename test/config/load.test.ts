import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/yaml.js';

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'g2p-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const ROLES_YAML = 'roles:\n  Rest API GET:\n    - claim: scope\n      includes: registry:read\n';

t.test('environment variables override the file, and secrets come from files', async (t) => {
  const dir = configDir({
    'gw.yaml': 'odoo:\n  url: http://odoo.invalid:8069\n  db: g2p\n  accounts:\n    default:\n      login: gw\n      password: { env: GW_ODOO_SECRET }\n',
    'roles.yaml': ROLES_YAML,
    pw: 'from-a-file\n',
  });
  const config = loadConfig({
    cwd: dir,
    env: { G2P_CONFIG: 'gw.yaml', GW_ODOO_SECRET: 'from-env', PORT: '8081', ODOO_PROTOCOL: 'xmlrpc' },
  });
  t.equal(config.server.port, 8081);
  t.equal(config.odoo?.protocol, 'xmlrpc');
  t.equal(config.odoo?.accounts.default.password, 'from-env');
  t.equal(config.sandboxMode, false);
  t.same(config.roles['Rest API GET'], [{ claim: 'scope', includes: 'registry:read' }]);

  const fromFile = loadConfig({ cwd: dir, env: { G2P_CONFIG: 'gw.yaml', GW_ODOO_SECRET: 'x', ODOO_PASSWORD_FILE: join(dir, 'pw') } });
  t.equal(fromFile.odoo?.accounts.default.password, 'from-a-file');
});

t.test('no Odoo means sandbox mode, refused in production', async (t) => {
  const dir = configDir({ 'default.yaml': 'server:\n  port: 0\n', 'roles.yaml': ROLES_YAML });
  t.equal(loadConfig({ cwd: dir, env: { G2P_CONFIG: 'default.yaml' } }).sandboxMode, true);
  t.throws(() => loadConfig({ cwd: dir, env: { G2P_CONFIG: 'default.yaml', NODE_ENV: 'production' } }), /sandbox mode is refused/);
});

t.test('bad values name the file, the line and the key', async (t) => {
  const dir = configDir({ 'default.yaml': 'server:\n  port: 99999\n  colour: blue\n', 'roles.yaml': ROLES_YAML });
  const err = t.throws(() => loadConfig({ cwd: dir, env: { G2P_CONFIG: 'default.yaml' } })) as ConfigError;
  t.ok(err instanceof ConfigError);
  t.match(err.problems.join('\n'), /default\.yaml:2: server\.port: /);
  t.match(err.problems.join('\n'), /default\.yaml:3: server: Unrecognized key.*colour/);

  const envErr = t.throws(() => loadConfig({ cwd: dir, env: { G2P_CONFIG: 'default.yaml', PORT: 'eighty' } })) as ConfigError;
  t.match(envErr.message, /server\.port/);

  const missingSecret = configDir({
    'c.yaml': 'odoo:\n  url: http://o.invalid\n  db: d\n  accounts:\n    default:\n      login: a\n      password: { env: NOT_SET_ANYWHERE }\n',
    'roles.yaml': ROLES_YAML,
  });
  t.throws(
    () => loadConfig({ cwd: missingSecret, env: { G2P_CONFIG: 'c.yaml' } }),
    /odoo\.accounts\.default\.password: environment variable NOT_SET_ANYWHERE is not set/,
  );
});

t.test('a bad environment variable is blamed by name, not on the file', async (t) => {
  const dir = configDir({ 'default.yaml': 'server:\n  port: 0\n', 'roles.yaml': ROLES_YAML });
  const text = t.throws(() => loadConfig({ cwd: dir, env: { G2P_CONFIG: 'default.yaml', PORT: 'abc' } })) as ConfigError;
  t.same(text.problems, ['environment variable PORT: "abc" is not a whole number (it sets server.port)']);
  const range = t.throws(() => loadConfig({ cwd: dir, env: { G2P_CONFIG: 'default.yaml', PORT: '99999' } })) as ConfigError;
  t.match(range.problems[0], /^environment variable PORT: server\.port: /);
  t.notMatch(range.problems[0], /default\.yaml/);
});

t.test('G2P_CONFIG is laid over config/default.yaml: only what differs', async (t) => {
  const dir = configDir({ 'roles.yaml': ROLES_YAML });
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'default.yaml'), 'server:\n  port: 3000\n  host: 127.0.0.1\nauth:\n  rolesFile: roles.yaml\nlog:\n  level: info\n');
  writeFileSync(join(dir, 'config', 'roles.yaml'), ROLES_YAML);
  mkdirSync(join(dir, 'deploy'));
  writeFileSync(join(dir, 'deploy', 'site.yaml'), 'server:\n  port: 8080\nevents:\n  enabled: true\n');
  const config = loadConfig({ cwd: dir, env: { G2P_CONFIG: 'deploy/site.yaml' } });
  t.equal(config.server.port, 8080, 'the deployment file wins');
  t.equal(config.server.host, '127.0.0.1', 'the defaults fill the rest of a section');
  t.equal(config.events.enabled, true);
  t.same(config.roles['Rest API GET'], [{ claim: 'scope', includes: 'registry:read' }], 'rolesFile is resolved from the file that set it (config/)');
  t.equal(config.configFile, 'config/default.yaml + deploy/site.yaml');

  writeFileSync(join(dir, 'deploy', 'bad.yaml'), 'server:\n  port: 8080\n  colour: blue\n');
  const err = t.throws(() => loadConfig({ cwd: dir, env: { G2P_CONFIG: 'deploy/bad.yaml' } })) as ConfigError;
  t.match(err.problems.join('\n'), /^deploy\/bad\.yaml:3: server: Unrecognized key.*colour/m, 'a mistake names the file that holds it');

  writeFileSync(join(dir, 'deploy', 'roles-elsewhere.yaml'), 'auth:\n  rolesFile: missing-roles.yaml\n');
  const missing = t.throws(() => loadConfig({ cwd: dir, env: { G2P_CONFIG: 'deploy/roles-elsewhere.yaml' } })) as ConfigError;
  t.same(
    missing.problems,
    [`deploy/roles-elsewhere.yaml:2: auth.rolesFile: cannot read the roles file ${join(dir, 'deploy', 'missing-roles.yaml')} (ENOENT)`],
    'the resolved path is named',
  );

  const absent = t.throws(() => loadConfig({ cwd: dir, env: { G2P_CONFIG: 'deploy/nope.yaml' } })) as ConfigError;
  t.match(absent.problems[0], `deploy/nope.yaml: cannot read the configuration file ${join(dir, 'deploy', 'nope.yaml')} (ENOENT)`);
});
