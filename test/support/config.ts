import type { Config } from '../../src/config/load.js';
import type { FieldScopes, RoleMapping } from '../../src/config/roles.js';
import { configSchema, type FileConfig } from '../../src/config/schema.js';
// Every suite that builds a gateway builds its config here: recording the gateway's Odoo call shapes starts with it.
import './call-shapes.js';

/** The HS256 key test tokens are signed with (tests only). */
export const TEST_JWT_SECRET = 'test-secret-for-g2p-gateway-tests-only-0123456789';
export const TEST_ISSUER = 'https://issuer.test/realms/g2p';
export const TEST_AUDIENCE = 'g2p-gateway';
/** The key test gateways sign their cursors with, so replicas of one test accept each other's. */
export const TEST_CURSOR_KEY = 'test-cursor-key-for-g2p-gateway-tests-only-0123456789';

/** Claims a test token carries per role, matching TEST_ROLES below. */
export const TEST_ROLES: RoleMapping = {
  'Rest API GET': [{ claim: 'realm_access.roles', includes: 'registry-reader' }],
  'Rest API POST': [{ claim: 'realm_access.roles', includes: 'registry-writer' }],
};

/**
 * A validated Config for tests, as the loader would produce it, without files or environment.
 * `odooUrl` points at a simulator (or a real Odoo in the e2e suites).
 */
export function testConfig(input: FileConfig & { roles?: RoleMapping; fieldScopes?: FieldScopes } = {}): Config {
  const { roles, fieldScopes, auth, ...file } = input;
  const parsed = configSchema.parse({
    log: { level: 'silent' },
    auth: {
      issuers: [{ issuer: TEST_ISSUER, audience: [TEST_AUDIENCE], algorithms: ['HS256'], secret: TEST_JWT_SECRET }],
      ...auth,
    },
    ...file,
    cursors: { keys: [TEST_CURSOR_KEY], ...file.cursors },
    // Test receivers, issuers and callbacks listen on 127.0.0.1.
    outbound: { allowedNetworks: ['loopback'], ...file.outbound },
  });
  return { ...parsed, nodeEnv: 'test', configFile: '(test)', roles: roles ?? TEST_ROLES, sandboxMode: false, ...(fieldScopes ? { fieldScopes } : {}) };
}
