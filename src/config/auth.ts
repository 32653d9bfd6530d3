import { z } from 'zod';
import { secretSchema } from './secret.js';

export const ROLE_GET = 'Rest API GET';
export const ROLE_POST = 'Rest API POST';
export const ROLES = [ROLE_GET, ROLE_POST] as const;
export type Role = (typeof ROLES)[number];

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

export const authSchema = z
  .object({
    issuers: z.array(issuerSchema).default([]),
    clockSkewSeconds: z.number().int().min(0).max(300).default(30),
    /** Whether a token that grants "Rest API POST" may also read. OpenG2P keeps them apart. */
    postImpliesGet: z.boolean().default(false),
    /** Path of the claims-to-roles mapping, relative to the config file's folder. */
    rolesFile: z.string().default('roles.yaml'),
    jwksCacheTtlMs: z.number().int().positive().default(10 * 60_000),
    /**
     * A token whose `kid` is not in the cached JWKS triggers a refetch (key rotation), but at
     * most once per this interval, so a flood of made-up kids cannot hammer the issuer.
     */
    jwksMinRefetchIntervalMs: z.number().int().min(0).default(10_000),
  })
  .strict();
