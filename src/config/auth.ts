import { z } from 'zod';
import { secretSchema } from './secret.js';

export const ROLE_GET = 'Rest API GET';
export const ROLE_POST = 'Rest API POST';
export const ROLES = [ROLE_GET, ROLE_POST] as const;
export type Role = (typeof ROLES)[number];

/** DCI scopes a client-credentials token can carry: searching (sync and async), transaction status, change subscriptions. */
export const DCI_SCOPE_SEARCH = 'registry.search';
export const DCI_SCOPE_STATUS = 'registry.status';
export const DCI_SCOPE_SUBSCRIBE = 'registry.subscribe';
export const DCI_SCOPES = [DCI_SCOPE_SEARCH, DCI_SCOPE_STATUS, DCI_SCOPE_SUBSCRIBE] as const;

/**
 * One way a token earns a role: the value at a dotted claim path (`realm_access.roles`,
 * `resource_access.g2p-gateway.roles`, `scope`, `azp`) either includes a value (arrays, or
 * space-separated strings such as OAuth `scope`) or equals it.
 */
export const ruleSchema = z
  .object({
    claim: z.string().min(1),
    includes: z.string().min(1).optional(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  })
  .strict()
  .refine((r) => (r.includes === undefined) !== (r.equals === undefined), {
    message: 'give exactly one matcher: includes or equals',
  });
const algorithms = z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512']);

/** One trusted token issuer. Exactly one key source: a shared secret, PEM public keys, or a JWKS URL. */
export const issuerSchema = z
  .object({
    /** Expected `iss` claim. */
    issuer: z.string().min(1),
    /** Accepted `aud` values; a token must carry at least one. */
    audience: z.array(z.string().min(1)).min(1),
    algorithms: z.array(algorithms).min(1),
    /** Shared HMAC secret: development and sandbox only. */
    secret: secretSchema.optional(),
    /** PEM public keys (SPKI), by kid or in a list. */
    publicKeys: z.array(secretSchema).optional(),
    /** JWKS endpoint of an OIDC issuer (Keycloak: <realm>/protocol/openid-connect/certs). */
    jwksUrl: z.string().url().optional(),
  })
  .strict()
  .refine((i) => [i.secret, i.publicKeys, i.jwksUrl].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of secret, publicKeys, jwksUrl',
  })
  // HS/RS confusion: a public key must never be usable as an HMAC secret, nor a secret as a
  // public key, so the algorithms an issuer accepts must fit its kind of key.
  .refine((i) => i.secret === undefined || i.algorithms.every(isHmac), {
    message: 'an issuer with a shared secret accepts only HS256, HS384 or HS512',
    path: ['algorithms'],
  })
  .refine((i) => i.secret !== undefined || !i.algorithms.some(isHmac), {
    message: 'an issuer with public keys or a JWKS URL must not accept HS256, HS384 or HS512',
    path: ['algorithms'],
  });
export type IssuerConfig = z.output<typeof issuerSchema>;

export function isHmac(algorithm: string): boolean {
  return algorithm.startsWith('HS');
}

/** One client of the token endpoint (OAuth 2.0 client credentials): a DCI social protection system, say. */
const clientSchema = z
  .object({
    /** scrypt hash of the client secret, as `npm run hash-secret` prints it (never the secret). */
    secretHash: z.string().regex(/^scrypt\$/, 'expected a hash from `npm run hash-secret` (scrypt$...)'),
    /** API roles its tokens earn. */
    roles: z.array(z.enum(ROLES)).min(1),
    /** DCI scopes it may ask for (all of them when its request names none): registry.search, registry.status, registry.subscribe. */
    scopes: z.array(z.enum(DCI_SCOPES)).default([...DCI_SCOPES]),
    /** The DCI `header.sender_id` its tokens may send as (any other is refused with err.sender_id.invalid). */
    senderId: z.string().min(1).optional(),
  })
  .strict();

/** A signing key of the gateway's own tokens: Ed25519 private key (PKCS#8 PEM) and its `kid`. */
const tokenKeySchema = z.object({ kid: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), privateKey: secretSchema }).strict();

/**
 * The gateway's own token endpoint (`POST /oauth2/client/token`): short-lived EdDSA JWTs for
 * the clients listed here, accepted like any configured issuer. Off while no client is listed.
 */
export const clientCredentialsSchema = z
  .object({
    clients: z.record(z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/), clientSchema).default({}),
    /** `iss` of the tokens (must differ from every configured issuer). */
    issuer: z.string().min(1).default('urn:g2p-gateway:oauth2'),
    /** `aud` of the tokens. */
    audience: z.string().min(1).default('g2p-gateway'),
    tokenTtlSeconds: z.number().int().min(30).max(86_400).default(300),
    /**
     * Signing keys, current first: tokens are signed with the first, and all are published and
     * accepted (add the new key first, drop the old one once its tokens have expired). Absent:
     * a key made at start-up, so tokens die with the process; refused when NODE_ENV=production.
     */
    signingKeys: z.array(tokenKeySchema).min(1).optional(),
    /** Token requests per client address per window (a brute-force brake on secrets). */
    rateLimit: z
      .object({ max: z.number().int().positive().default(30), windowMs: z.number().int().positive().default(60_000) })
      .strict()
      .prefault({}),
  })
  .strict();
export type ClientCredentialsConfig = z.output<typeof clientCredentialsSchema>;

export const authSchema = z
  .object({
    issuers: z.array(issuerSchema).default([]),
    clockSkewSeconds: z.number().int().min(0).max(300).default(30),
    /** Whether a token that grants "Rest API POST" may also read. OpenG2P keeps them apart. */
    postImpliesGet: z.boolean().default(false),
    /** Path of the claims-to-roles mapping, relative to the config file's folder. */
    rolesFile: z.string().default('roles.yaml'),
    jwksCacheTtlMs: z
      .number()
      .int()
      .positive()
      .default(10 * 60_000),
    /**
     * A token whose `kid` is not in the cached JWKS triggers a refetch (key rotation), but at
     * most once per this interval, so a flood of made-up kids cannot hammer the issuer.
     */
    jwksMinRefetchIntervalMs: z.number().int().min(0).default(10_000),
    clientCredentials: clientCredentialsSchema.prefault({}),
    /**
     * Claims that make a bearer token's holder an administrator of every webhook and DCI
     * subscription created through the API (otherwise each belongs to its creator alone):
     * rules as in the roles file (`claim` with `includes` or `equals`), any one suffices.
     */
    administrators: z.array(ruleSchema).default([]),
  })
  .strict();
