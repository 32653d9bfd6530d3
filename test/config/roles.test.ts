import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { authSchema, ROLE_GET, ROLE_POST, type Role } from '../../src/config/auth.js';
import { loadConfig } from '../../src/config/load.js';
import { parseRolesFile, type RoleMapping } from '../../src/config/roles.js';
import { ConfigError } from '../../src/config/yaml.js';
import { claimValues, rolesFromClaims } from '../../src/http/auth/claims.js';
import { loadOrCreateSandboxSecret, sandboxIssuer, signSandboxToken } from '../../src/http/auth/sandbox.js';
import { startGateway, UNREACHABLE_ODOO } from '../support/gateway.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');
const shippedRoles = readFileSync(join(repoRoot, 'config/roles.yaml'), 'utf8');

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'g2p-roles-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function problemsOf(roles: string): string {
  const err = t.throws(() => parseRolesFile({ name: 'config/roles.yaml', text: roles })) as ConfigError;
  t.ok(err instanceof ConfigError, 'a ConfigError');
  return err.problems.join('\n');
}

t.test('rolesFromClaims: Keycloak realm and client roles, scope, azp', async (t) => {
  const mapping = parseRolesFile({
    name: 'roles.yaml',
    text: [
      'roles:',
      '  Rest API GET:',
      '    - claim: resource_access.org.g2p.gateway.roles',
      '      includes: reader',
      '    - claim: scope',
      '      includes: registry:read',
      '  Rest API POST:',
      '    - claim: azp',
      '      equals: intake-app',
      '    - claim: realm_access.roles',
      '      includes: registry-writer',
    ].join('\n'),
  });
  const roles = (claims: unknown, postImpliesGet = false) => [...rolesFromClaims(claims, mapping, postImpliesGet)].sort();
  t.same(roles({ resource_access: { 'org.g2p.gateway': { roles: ['reader'] } } }), [ROLE_GET], 'client id with dots as one key');
  t.same(roles({ resource_access: { org: { g2p: { gateway: { roles: ['reader'] } } } } }), [ROLE_GET], 'or as nested keys');
  t.same(roles({ resource_access: { 'org.g2p': { gateway: { roles: ['reader'] } } } }), [ROLE_GET], 'or split anywhere');
  t.same(roles({ resource_access: { 'other.client': { roles: ['reader'] } } }), [], 'another client grants nothing');
  t.same(roles({ scope: 'openid profile registry:read' }), [ROLE_GET], 'space-separated scope');
  t.same(roles({ scope: 'registry:readonly' }), [], 'scope words match whole');
  t.same(roles({ scope: ['registry:read'] }), [ROLE_GET], 'scope as an array');
  t.same(roles({ azp: 'intake-app' }), [ROLE_POST]);
  t.same(roles({ azp: 'intake-app-2' }), [], 'equals is exact');
  t.same(roles({ azp: 'intake-app' }, true), [ROLE_GET, ROLE_POST], 'postImpliesGet');
  t.same(roles({ realm_access: { roles: 'registry-writer' } }), [ROLE_POST], 'a single string counts as a list of one');
  t.same(roles({ realm_access: { roles: [['registry-writer']] } }), [], 'no deep flattening');
  t.same(roles({ realm_access: null, scope: 42 }), [], 'odd claim shapes grant nothing');
  t.same(roles({ ['__proto__']: { roles: ['x'] } }), []);
  t.same(claimValues({ a: { 'b.c': 1, b: { c: 2 } } }, 'a.b.c').sort(), [1, 2]);
});

t.test('the shipped roles.yaml is valid and sandbox tokens earn exactly the asked roles', async (t) => {
  const mapping = parseRolesFile({ name: 'config/roles.yaml', text: shippedRoles });
  t.same(Object.keys(mapping).sort(), [ROLE_GET, ROLE_POST]);
  const secret = 'x'.repeat(40);
  for (const asked of [[ROLE_GET], [ROLE_POST], [ROLE_GET, ROLE_POST]] as Role[][]) {
    for (const m of [undefined, mapping]) {
      const token = signSandboxToken(secret, { roles: asked, ...(m ? { mapping: m } : {}) });
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      t.same([...rolesFromClaims(claims, mapping, false)].sort(), [...asked].sort(), `${asked.join('+')} earns exactly that`);
    }
  }
  const scoped: RoleMapping = { [ROLE_GET]: [{ claim: 'scope', includes: 'r' }], [ROLE_POST]: [{ claim: 'scope', includes: 'w' }] };
  const both = JSON.parse(Buffer.from(signSandboxToken(secret, { roles: [ROLE_GET, ROLE_POST], mapping: scoped }).split('.')[1]!, 'base64url').toString()) as {
    scope: string;
  };
  t.equal(both.scope, 'r w');
  const overlapping: RoleMapping = { [ROLE_GET]: [{ claim: 'azp', equals: 'app' }], [ROLE_POST]: [{ claim: 'azp', equals: 'app' }] };
  t.throws(() => signSandboxToken(secret, { roles: [ROLE_GET], mapping: overlapping }), /would earn Rest API GET \+ Rest API POST/);
  t.throws(() => signSandboxToken(secret, { roles: [ROLE_POST], mapping: { [ROLE_GET]: [{ claim: 'scope', includes: 'r' }] } }), /no rule for "Rest API POST"/);
});

t.test('broken roles files: file, line, path and problem', async (t) => {
  t.match(
    problemsOf('roles:\n  Rest API GET:\n    - claim: scope\n      includes: registry:read\n  Rest API PUT:\n    - claim: scope\n      includes: x\n'),
    /^config\/roles\.yaml:5: roles\.Rest API PUT: unknown role "Rest API PUT"; the roles are "Rest API GET" and "Rest API POST"$/m,
  );
  t.match(
    problemsOf('roles:\n  Rest API GET:\n    - claim: scope\n      include: registry:read\n'),
    /config\/roles\.yaml:4: roles\.Rest API GET\[0\]: Unrecognized key: "include"/,
  );
  t.match(
    problemsOf('roles:\n  Rest API GET:\n    - claim: scope\n'),
    /config\/roles\.yaml:3: roles\.Rest API GET\[0\]: give exactly one matcher: includes or equals/,
  );
  t.match(
    problemsOf('roles:\n  Rest API GET:\n    - claim: azp\n      includes: a\n      equals: b\n'),
    /config\/roles\.yaml:3: roles\.Rest API GET\[0\]: give exactly one matcher/,
  );
  t.match(problemsOf('roles:\n  Rest API POST: []\n'), /config\/roles\.yaml:2: roles\.Rest API POST: a role needs at least one rule/);
  t.match(problemsOf('roles:\n  Rest API GET:\n    claim: scope\n'), /config\/roles\.yaml:2: roles\.Rest API GET: expected a list of rules/);
  t.match(problemsOf('rules:\n  Rest API GET: []\n'), /config\/roles\.yaml:1: \(top level\): Unrecognized key: "rules"/);
  t.match(problemsOf('rules:\n  Rest API GET: []\n'), /config\/roles\.yaml:1: roles: missing: the file must map role names to rules under "roles:"/);
  t.match(problemsOf('roles:\n  Rest API GET:\n    - claim: scope\n      includes: [a, b\n'), /config\/roles\.yaml:5:1: Flow sequence/);
  t.match(
    problemsOf('roles:\n  Rest API GET:\n    - claim: scope\n      includes: a\n  Rest API GET:\n    - claim: azp\n      equals: b\n'),
    /config\/roles\.yaml:5:3: Map keys must be unique/,
  );
});

t.test('issuer settings refuse algorithm confusion and missing key sources', async (t) => {
  const base = { issuer: 'https://idp.test', audience: ['g2p-gateway'] };
  const pem = '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----';
  const issues = (issuer: Record<string, unknown>) => {
    const result = authSchema.safeParse({ issuers: [{ ...base, ...issuer }] });
    return result.success ? '' : result.error.issues.map((i) => i.message).join('\n');
  };
  t.equal(issues({ algorithms: ['RS256'], publicKeys: [pem] }), '');
  t.match(issues({ algorithms: ['RS256', 'HS256'], publicKeys: [pem] }), /must not accept HS256/);
  t.match(issues({ algorithms: ['HS256'], jwksUrl: 'https://idp.test/certs' }), /must not accept HS256/);
  t.match(issues({ algorithms: ['RS256'], secret: 'abc' }), /only HS256/);
  t.match(issues({ algorithms: ['none'], secret: 'abc' }), /Invalid option/);
  t.match(issues({ algorithms: ['RS256'] }), /exactly one of secret, publicKeys, jwksUrl/);
  t.match(issues({ algorithms: ['RS256'], publicKeys: [pem], jwksUrl: 'https://idp.test/certs' }), /exactly one of/);
});

t.test('a broken roles file stops the real process with the message', async (t) => {
  const dir = configDir({
    'gw.yaml': 'server:\n  port: 0\nauth:\n  rolesFile: my-roles.yaml\n',
    'my-roles.yaml': 'roles:\n  Rest API GET:\n    - claim: scope\n      includes: registry:read\n  Rest API DELETE:\n    - claim: scope\n      includes: x\n',
  });
  const run = spawnSync(process.execPath, ['--import', tsxLoader, join(repoRoot, 'src/server.ts'), '--check'], {
    cwd: dir,
    env: { PATH: process.env.PATH, G2P_CONFIG: 'gw.yaml', NODE_ENV: 'test' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(run.status, 1, 'exits non-zero');
  t.match(run.stderr, /my-roles\.yaml:5: roles\.Rest API DELETE: unknown role "Rest API DELETE"/);
  t.notMatch(run.stderr, /\n\s+at /, 'no stack trace');

  const missing = configDir({ 'gw.yaml': 'auth:\n  rolesFile: nowhere.yaml\n' });
  t.throws(
    () => loadConfig({ cwd: missing, env: { G2P_CONFIG: 'gw.yaml' } }),
    /gw\.yaml:2: auth\.rolesFile: cannot read the roles file \S+nowhere\.yaml \(ENOENT\)/,
  );
});

t.test('sandbox secret and npm run token', async (t) => {
  const dir = configDir({ 'default.yaml': 'server:\n  port: 0\n', 'roles.yaml': shippedRoles });
  const stateDir = join(dir, '.sandbox');
  const secret = loadOrCreateSandboxSecret(stateDir);
  t.ok(secret.length >= 32);
  t.equal(statSync(join(stateDir, 'token-secret')).mode & 0o777, 0o600, 'the secret file is private');
  t.equal(loadOrCreateSandboxSecret(stateDir), secret, 'stable across calls (and processes)');

  const token = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--import', tsxLoader, join(repoRoot, 'src/tools/token.ts'), ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, G2P_CONFIG: 'default.yaml', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const printed = token(['--role', ROLE_POST, '--sub', 'tester', '--ttl', '2h']);
  t.equal(printed.status, 0, printed.stderr);
  const jwt = printed.stdout.trim();
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, number | string>;
  t.equal(claims.sub, 'tester');
  t.equal(Number(claims.exp) - Number(claims.iat), 7200);

  // The printed token is accepted by a gateway trusting the sandbox issuer, for exactly its role.
  const gateway = await startGateway(t, {
    odoo: UNREACHABLE_ODOO,
    listen: true,
    config: { auth: { issuers: [sandboxIssuer(secret)] } },
    before: (app) => {
      app.register(async (scope) => {
        scope.post('/w', { config: { access: ROLE_POST } }, async (request) => ({ sub: request.principal?.sub }));
        scope.get('/r', { config: { access: ROLE_GET } }, async () => ({ ok: true }));
      });
    },
  });
  const base = gateway.origin;
  const write = await fetch(`${base}/w`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` } });
  t.equal(write.status, 200);
  t.same(await write.json(), { sub: 'tester' });
  const read = await fetch(`${base}/r`, { headers: { authorization: `Bearer ${jwt}` } });
  t.equal(read.status, 403);
  await read.arrayBuffer();

  const noRole = token([]);
  t.equal(noRole.status, 2);
  t.match(noRole.stderr, /give at least one --role/);
  t.match(token(['--role', 'Rest API PUT']).stderr, /unknown role "Rest API PUT"/);

  const real = configDir({
    'gw.yaml': 'odoo:\n  url: http://odoo.invalid:8069\n  db: g2p\n  accounts:\n    default:\n      login: gw\n      password: pw\n',
    'roles.yaml': shippedRoles,
  });
  const refused = spawnSync(process.execPath, ['--import', tsxLoader, join(repoRoot, 'src/tools/token.ts'), '--role', ROLE_GET], {
    cwd: real,
    env: { PATH: process.env.PATH, G2P_CONFIG: 'gw.yaml' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(refused.status, 1);
  t.match(refused.stderr, /refusing: the gateway is configured for a real Odoo/);
  t.equal(refused.stdout, '', 'no token printed');
});
