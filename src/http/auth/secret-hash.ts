import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Client secrets are stored as scrypt hashes (node:crypto), never in clear:
 * `scrypt$<N>$<r>$<p>$<salt, base64url>$<hash, base64url>`. `npm run hash-secret` makes one.
 */

const KEY_LENGTH = 32;
const DEFAULTS = { N: 16384, r: 8, p: 1 };
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{43})$/;

export interface SecretHash {
  params: { N: number; r: number; p: number };
  salt: Buffer;
  hash: Buffer;
}

function derive(secret: string, salt: Buffer, params: SecretHash['params']): Promise<Buffer> {
  // 128·N·r bytes of memory are needed; the default ceiling (32 MiB) would refuse N=2^15, r=8.
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(secret.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashSecret(secret: string, params: SecretHash['params'] = DEFAULTS): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Reads a stored hash; undefined when it is not one this module writes (or its cost is out of bounds). */
export function parseSecretHash(text: string): SecretHash | undefined {
  const match = FORMAT.exec(text.trim());
  if (!match) return undefined;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // N a power of two between 2^10 and 2^20: below is too cheap to guess against, above stalls every token request.
  if (N < 1024 || N > 1_048_576 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  return { params: { N, r, p }, salt: Buffer.from(match[4]!, 'base64url'), hash: Buffer.from(match[5]!, 'base64url') };
}

/** Whether the secret matches, compared in constant time. */
export async function secretMatches(secret: string, stored: SecretHash): Promise<boolean> {
  const candidate = await derive(secret, stored.salt, stored.params);
  return timingSafeEqual(candidate, stored.hash);
}
