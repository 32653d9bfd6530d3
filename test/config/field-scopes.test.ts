/**
 * Field scope declarations (the roles file's `fieldScopes`): a good one loads, and every
 * mistake stops start-up with the file, the line and the reason, through the same loader
 * `npm run check-config` runs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/yaml.js';
import { checkConfiguration } from '../../src/http/ops/config-check.js';

const ROLES = `roles:
  Rest API GET:
    - claim: scope
      includes: registry:read
`;

const MAIN = `server:
  port: 0
api:
  customFields:
    - { name: tax_number, odooField: vat, type: string }
auth:
  clientCredentials:
    clients:
      payments-platform:
        secretHash: scrypt$AAAA$BBBB
        roles: [Rest API GET]
`;

function load(fieldScopes: string) {
  const dir = mkdtempSync(join(tmpdir(), 'g2p-scopes-'));
  writeFileSync(join(dir, 'gw.yaml'), MAIN);
  writeFileSync(join(dir, 'roles.yaml'), `${ROLES}${fieldScopes}`);
  return loadConfig({ cwd: dir, env: { G2P_CONFIG: 'gw.yaml' } });
}

function problems(fieldScopes: string): string {
  const err = t.throws(() => load(fieldScopes)) as ConfigError;
  t.ok(err instanceof ConfigError, 'a ConfigError, stopping start-up');
  return err.problems.join('\n');
}

t.test('a good declaration loads; check-config reports each scope', async (t) => {
  const config = load(`fieldScopes:
  payments:
    individuals: [name, phone_numbers.phone_no, bank_accounts, tax_number]
    groups: [name, members.individual]
    grantedTo:
      claims:
        - claim: scope
          includes: registry:payments
      clients: [payments-platform]
      basicLogins: [payments-bot]
`);
  t.same(config.fieldScopes?.payments?.individuals, ['name', 'phone_numbers.phone_no', 'bank_accounts', 'tax_number']);
  t.same(config.fieldScopes?.payments?.memberships, [], 'a kind left out shows nothing but ids');
  const lines: string[] = [];
  await checkConfiguration(config, (line) => lines.push(line));
  t.ok(
    lines.some((l) =>
      /^ok: field scope "payments": 4 individual, 2 group, 0 membership field\(s\); granted by 1 claim rule\(s\), 1 client\(s\), 1 Basic login\(s\)/.test(l),
    ),
    lines.join('\n'),
  );
});

t.test('a roles file without scopes keeps every field for everyone', async (t) => {
  t.same(load('').fieldScopes, {});
});

// The roles file's first four lines are the roles: field scopes start on line 5.
t.test('unknown fields and clients name the file, the line and the reason', async (t) => {
  const text = problems(`fieldScopes:
  payments:
    individuals:
      - name
      - shoe_size
      - reg_ids.colour
      - name.first
    memberships: [kinds]
    grantedTo:
      clients: [nobody-knows-me]
`);
  t.match(text, /roles\.yaml:9: fieldScopes\.payments\.individuals\[1\]: "shoe_size" is not a field; the fields are name, /);
  t.match(text, /roles\.yaml:10: fieldScopes\.payments\.individuals\[2\]: "reg_ids\.colour" is not a field; the fields of reg_ids are id_type, value/);
  t.match(text, /roles\.yaml:11: fieldScopes\.payments\.individuals\[3\]: "name\.first" is not a field; name has no fields of its own/);
  t.match(text, /roles\.yaml:14: fieldScopes\.payments\.grantedTo\.clients\[0\]: "nobody-knows-me" is not a client of auth\.clientCredentials\.clients/);
});

t.test('a scope never granted is refused', async (t) => {
  const text = problems(`fieldScopes:
  forgotten:
    groups: [name]
`);
  t.match(
    text,
    /roles\.yaml:6: fieldScopes\.forgotten: scope "forgotten" is never granted; give grantedTo\.claims, grantedTo\.clients or grantedTo\.basicLogins/,
  );
});

t.test('a malformed declaration is refused by its shape first', async (t) => {
  const text = problems(`fieldScopes:
  Bad Name:
    groups: [name]
    grantedTo:
      basicLogins: [x]
    extra: 1
`);
  t.match(text, /roles\.yaml:6: fieldScopes\.Bad Name: scope name "Bad Name" must be 1 to 64 letters/);
  t.match(text, /roles\.yaml:10: fieldScopes\.Bad Name: Unrecognized key.*extra/);
});
