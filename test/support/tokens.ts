import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './config.js';

export type TestAlgorithm = 'HS256' | 'RS256' | 'RS384' | 'ES256' | 'none';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs a JWS compact token the way an identity provider would, with node:crypto only, so
 * the gateway's verification is tested against independently produced signatures.
 * `key`: the HMAC secret (string or Buffer) for HS256, a private key for RS256/ES256.
 */
export function signJwt(
  payload: Record<string, unknown>,
  options: { alg: TestAlgorithm; key?: string | Buffer | KeyObject; kid?: string; header?: Record<string, unknown> },
): string {
  const header = { alg: options.alg, typ: 'JWT', ...(options.kid ? { kid: options.kid } : {}), ...options.header };
  const input = `${b64(header)}.${b64(payload)}`;
  switch (options.alg) {
    case 'none':
      return `${input}.`;
    case 'HS256':
      return `${input}.${createHmac('sha256', options.key as string | Buffer)
        .update(input)
        .digest('base64url')}`;
    case 'RS256':
      return `${input}.${sign('sha256', Buffer.from(input), asPrivateKey(options.key)).toString('base64url')}`;
    case 'RS384':
      return `${input}.${sign('sha384', Buffer.from(input), asPrivateKey(options.key)).toString('base64url')}`;
    case 'ES256':
      return `${input}.${sign('sha256', Buffer.from(input), { key: asPrivateKey(options.key), dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  }
}

function asPrivateKey(key: unknown): KeyObject {
  if (key === undefined) throw new Error('signJwt needs a private key');
  return typeof key === 'string' || Buffer.isBuffer(key) ? createPrivateKey(key) : (key as KeyObject);
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Standard claims for TEST_ISSUER, valid for an hour; `extra` adds or overrides claims. */
export function standardClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'user-1', azp: 'test-client', iat: now, exp: now + 3600, ...extra };
}

export type TokenKind = 'none' | 'get' | 'post' | 'both';

/** Realm roles matching TEST_ROLES in test/support/config.ts. */
export const REALM_ROLES: Record<Exclude<TokenKind, 'none'>, string[]> = {
  get: ['registry-reader'],
  post: ['registry-writer'],
  both: ['registry-reader', 'registry-writer'],
};

/** An HS256 test token (TEST_JWT_SECRET) for TEST_ISSUER carrying the realm roles of a kind. */
export function testToken(kind: Exclude<TokenKind, 'none'>, extra: Record<string, unknown> = {}): string {
  return signJwt(standardClaims({ realm_access: { roles: REALM_ROLES[kind] }, ...extra }), { alg: 'HS256', key: TEST_JWT_SECRET });
}

/** The Authorization header for a token kind, or none at all. */
export function authHeaders(kind: TokenKind): Record<string, string> {
  return kind === 'none' ? {} : { authorization: `Bearer ${testToken(kind)}` };
}
