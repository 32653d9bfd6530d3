import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * DCI message signatures as OpenSPP implements them (see the shared dci README): Ed25519 over
 * "(created): C\n(expires): E\ndigest: D", D = base64(SHA-256(compact JSON of {header, message}
 * with keys sorted)), carried in the envelope's `signature` field as
 * `Signature: namespace="dci", kidId="{sender}|{key}|ed25519", algorithm="ed25519", created=…,
 * expires=…, headers="(created) (expires) digest", signature="…"`.
 */

/**
 * Compact JSON with keys sorted at every level, as Python's `json.dumps(sort_keys=True,
 * separators=(",", ":"))` writes it. Python escapes non-ASCII by default (`ensure_ascii`), other
 * implementations do not, so both spellings exist in the wild.
 */
export function canonicalJson(value: unknown, asciiOnly: boolean): string {
  const text = stringifySorted(value);
  return asciiOnly ? text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : text;
}

function stringifySorted(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stringifySorted(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stringifySorted((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function digestOf(header: unknown, message: unknown, asciiOnly = true): string {
  return createHash('sha256').update(canonicalJson({ header, message }, asciiOnly), 'utf8').digest('base64');
}

export const signingString = (created: number, expires: number, digest: string): string => `(created): ${created}\n(expires): ${expires}\ndigest: ${digest}`;

export interface ParsedSignature {
  namespace?: string;
  senderId: string;
  keyId: string;
  algorithm: string;
  created: number;
  expires: number;
  headers: string;
  signature: Buffer;
}

/** Reads the `signature` field; undefined when it is not a well-formed DCI signature. */
export function parseSignature(text: string): ParsedSignature | undefined {
  const body = text.replace(/^\s*Signature:\s*/i, '');
  const params = new Map<string, string>();
  for (const match of body.matchAll(/([A-Za-z]+)="([^"]*)"/g)) params.set(match[1]!, match[2]!);
  const kid = params.get('kidId')?.split('|');
  const created = Number(params.get('created'));
  const expires = Number(params.get('expires'));
  const signature = params.get('signature');
  if (!kid || kid.length !== 3 || !kid[0] || !kid[1]) return undefined;
  if (!Number.isInteger(created) || !Number.isInteger(expires) || !signature || !/^[A-Za-z0-9+/=_-]+$/.test(signature)) return undefined;
  return {
    namespace: params.get('namespace'),
    senderId: kid[0],
    keyId: kid[1],
    algorithm: (params.get('algorithm') ?? kid[2] ?? '').toLowerCase(),
    created,
    expires,
    headers: params.get('headers') ?? '(created) (expires) digest',
    signature: Buffer.from(signature, 'base64'),
  };
}

export type SignatureCheck = { ok: true; keyId: string } | { ok: false; code: 'err.signature.missing' | 'err.signature.invalid'; reason: string };

export interface VerifyInput {
  signature: string | undefined;
  senderId: string;
  header: unknown;
  message: unknown;
  /** The sender's public keys by key id. */
  keys: ReadonlyMap<string, KeyObject>;
  nowSeconds: number;
  /** Longest accepted `expires - created`. */
  maxLifetimeSeconds: number;
  clockSkewSeconds: number;
}

/** Checks a message's signature: its sender and key, its window in time, its digest and the Ed25519 signature. */
export function verifyMessageSignature(input: VerifyInput): SignatureCheck {
  if (!input.signature || input.signature.trim() === '') return { ok: false, code: 'err.signature.missing', reason: 'The message is not signed.' };
  const parsed = parseSignature(input.signature);
  if (!parsed) return invalid('The signature field is not a well-formed DCI signature.');
  if (parsed.senderId !== input.senderId) return invalid('The signature names another sender than header.sender_id.');
  if (parsed.algorithm !== 'ed25519') return invalid('Only ed25519 signatures are accepted.');
  if (parsed.headers.trim().split(/\s+/).join(' ') !== '(created) (expires) digest') return invalid('The signature must cover "(created) (expires) digest".');
  const key = input.keys.get(parsed.keyId);
  if (!key) return invalid(`Key "${parsed.keyId}" is not registered for this sender.`);
  const { created, expires } = parsed;
  const skew = input.clockSkewSeconds;
  if (expires <= created || expires - created > input.maxLifetimeSeconds) return invalid(`A signature may be valid for at most ${input.maxLifetimeSeconds} s.`);
  if (created > input.nowSeconds + skew) return invalid('The signature was created in the future.');
  if (expires < input.nowSeconds - skew) return invalid('The signature has expired.');
  // The digest is accepted in either JSON spelling (non-ASCII escaped or not): both bind the same content.
  for (const asciiOnly of [true, false]) {
    const data = Buffer.from(signingString(created, expires, digestOf(input.header, input.message, asciiOnly)), 'utf8');
    if (verify(null, data, key, parsed.signature)) return { ok: true, keyId: parsed.keyId };
  }
  return invalid('The signature does not match the message.');
}

const invalid = (reason: string): SignatureCheck => ({ ok: false, code: 'err.signature.invalid', reason });

export interface Signer {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  sign(header: unknown, message: unknown, nowSeconds: number): string;
}

/** Signs this registry's responses with its Ed25519 key; `kidId` is "{registryId}|{keyId}|ed25519". */
export function createMessageSigner(privateKeyPem: string, registryId: string, keyId: string, lifetimeSeconds: number): Signer {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('dci.signingKey must be an Ed25519 private key');
  const publicKey = createPublicKey(privateKey);
  return {
    keyId,
    publicKey,
    sign(header, message, nowSeconds) {
      const created = nowSeconds;
      const expires = nowSeconds + lifetimeSeconds;
      const signature = sign(null, Buffer.from(signingString(created, expires, digestOf(header, message)), 'utf8'), privateKey).toString('base64');
      return (
        `Signature: namespace="dci", kidId="${registryId}|${keyId}|ed25519", algorithm="ed25519", ` +
        `created="${created}", expires="${expires}", headers="(created) (expires) digest", signature="${signature}"`
      );
    },
  };
}

/** Loads configured PEM public keys, refusing anything but Ed25519 at start-up. */
export function loadPublicKeys(pems: Record<string, string>, where: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const [keyId, pem] of Object.entries(pems)) {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${where}.${keyId}: not an Ed25519 public key`);
    keys.set(keyId, key);
  }
  return keys;
}

/** The key as an OKP JSON Web Key for /.well-known/jwks.json. */
export function publicJwk(publicKey: KeyObject, keyId: string): Record<string, string> {
  const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string };
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: keyId, use: 'sig', alg: 'EdDSA' };
}
