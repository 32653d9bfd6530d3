import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLE_GET, ROLE_POST, type IssuerConfig, type Role } from '../../config/auth.js';
import type { RoleMapping } from '../../config/roles.js';
import { addRoleClaims } from './claims.js';

export const SANDBOX_ISSUER = 'urn:g2p-gateway:sandbox';
export const SANDBOX_AUDIENCE = 'g2p-gateway';
const SECRET_FILE = 'token-secret';

/**
 * The mapping of the shipped `config/roles.yaml` (Keycloak realm roles), which sandbox tokens
 * use unless given the deployment's own mapping.
 */
export const DEFAULT_ROLE_MAPPING: RoleMapping = {
  [ROLE_GET]: [{ claim: 'realm_access.roles', includes: 'registry-reader' }],
  [ROLE_POST]: [{ claim: 'realm_access.roles', includes: 'registry-writer' }],
};

/** The issuer sandbox mode adds to the configuration at run time (HS256, never in production). */
export function sandboxIssuer(secret: string): IssuerConfig {
  return { issuer: SANDBOX_ISSUER, audience: [SANDBOX_AUDIENCE], algorithms: ['HS256'], secret };
}

/**
 * The sandbox's HS256 secret, generated at first use into `<dir>/token-secret` (mode 0600) so
 * the gateway and `npm run token` (another process) share it and tokens survive restarts.
 */
export function loadOrCreateSandboxSecret(dir: string): string {
  const file = join(dir, SECRET_FILE);
  const existing = readSecret(file);
  if (existing !== undefined) return existing;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    // 'wx': if another process created it meanwhile, theirs wins and we read it below.
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const created = readSecret(file);
  if (created === undefined) throw new Error(`${file}: the sandbox token secret is empty or too short; delete the file to make a new one`);
  return created;
}

function readSecret(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (text.length < 32) throw new Error(`${file}: the sandbox token secret is empty or too short; delete the file to make a new one`);
  return text;
}

export interface SandboxTokenOptions {
  roles: Role[];
  sub?: string;
  ttlSeconds?: number;
  /** The deployment's claims-to-roles mapping; defaults to the shipped config/roles.yaml. */
  mapping?: RoleMapping;
  /** Seconds since the epoch (tests). */
  now?: number;
}

/**
 * A signed token for trying the sandbox by hand, with claims that earn exactly the asked roles
 * under the mapping (checked with the same evaluation the gateway uses).
 */
export function signSandboxToken(secret: string, options: SandboxTokenOptions): string {
  const mapping = options.mapping ?? DEFAULT_ROLE_MAPPING;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: SANDBOX_ISSUER,
    aud: SANDBOX_AUDIENCE,
    sub: options.sub ?? 'sandbox-user',
    azp: 'g2p-gateway-sandbox',
    iat: now,
    exp: now + (options.ttlSeconds ?? 3600),
  };
  addRoleClaims(claims, options.roles, mapping);
  return signHs256(claims, secret);
}

function signHs256(claims: Record<string, unknown>, secret: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
