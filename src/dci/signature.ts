import { constants, createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * The standard's signature string, as OpenSPP implements it (see the shared dci README): Ed25519 over
 * "(created): C\n(expires): E\ndigest: D", D = base64(SHA-256(compact JSON of {header, message}
 * with keys sorted)), carried in the envelope's `signature` field as
 * `Signature: namespace="dci", kidId="{sender}|{key}|ed25519", algorithm="ed25519", created=…,
 * expires=…, headers="(created) (expires) digest", signature="…"`. RSA (PKCS#1 v1.5 or PSS) and
 * ECDSA P-256 keys sign the same string, named `rsa-sha256`, `rsa-pss-sha256`, `ecdsa-p256-sha256`.
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

export type SignatureCheck =
  { ok: true; keyId: string; algorithm: JwsAlgorithm } | { ok: false; code: 'err.signature.missing' | 'err.signature.invalid'; reason: string };

/** The algorithms a DCI signature may use, by their JWS names. */
export const JWS_ALGORITHMS = ['EdDSA', 'RS256', 'PS256', 'ES256'] as const;
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

/**
 * The signature string's `algorithm` names (HTTP message signatures' names, the JWS names in
 * lower case accepted too) and the name written for each algorithm.
 */
const STRING_ALGORITHMS: Record<string, JwsAlgorithm> = {
  ed25519: 'EdDSA',
  eddsa: 'EdDSA',
  'rsa-sha256': 'RS256',
  'rsa-v1_5-sha256': 'RS256',
  rs256: 'RS256',
  'rsa-pss-sha256': 'PS256',
  ps256: 'PS256',
  'ecdsa-p256-sha256': 'ES256',
  es256: 'ES256',
};
const STRING_NAME: Record<JwsAlgorithm, string> = { EdDSA: 'ed25519', RS256: 'rsa-sha256', PS256: 'rsa-pss-sha256', ES256: 'ecdsa-p256-sha256' };

/** Whether a key can make or check signatures of an algorithm (an RSA key both RS256 and PS256). */
export function keyFits(key: KeyObject, algorithm: JwsAlgorithm): boolean {
  switch (algorithm) {
    case 'EdDSA':
      return key.asymmetricKeyType === 'ed25519';
    case 'RS256':
    case 'PS256':
      return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
    case 'ES256':
      return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  }
}

/** The algorithm a key signs with unless told otherwise (RS256 for RSA keys), undefined for keys of no accepted kind. */
export function defaultAlgorithm(key: KeyObject): JwsAlgorithm | undefined {
  return (['EdDSA', 'RS256', 'ES256'] as const).find((algorithm) => keyFits(key, algorithm));
}

/** node:crypto's parameters of each algorithm (JWS's: PSS salt of the hash's length, ECDSA as r||s). */
function cryptoParams(algorithm: JwsAlgorithm, key: KeyObject) {
  switch (algorithm) {
    case 'EdDSA':
      return { digest: null, key };
    case 'RS256':
      return { digest: 'sha256', key };
    case 'PS256':
      return { digest: 'sha256', key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } };
    case 'ES256':
      return { digest: 'sha256', key: { key, dsaEncoding: 'ieee-p1363' as const } };
  }
}

/** Finds a sender's public key by key id (its `kid`) for an algorithm; may fetch the sender's JWKS. */
export type SenderKeyLookup = (keyId: string | undefined, algorithm: JwsAlgorithm) => Promise<KeyObject | undefined>;

export interface VerifyInput {
  signature: string | undefined;
  senderId: string;
  header: unknown;
  message: unknown;
  keyFor: SenderKeyLookup;
  nowSeconds: number;
  /** Longest accepted `expires - created`. */
  maxLifetimeSeconds: number;
  clockSkewSeconds: number;
}

/** The window a signature claims, checked against the clock: the same rules for every form. */
export function checkWindow(
  created: number,
  expires: number,
  input: Pick<VerifyInput, 'nowSeconds' | 'maxLifetimeSeconds' | 'clockSkewSeconds'>,
): string | undefined {
  const skew = input.clockSkewSeconds;
  if (expires <= created || expires - created > input.maxLifetimeSeconds) return `A signature may be valid for at most ${input.maxLifetimeSeconds} s.`;
  if (created > input.nowSeconds + skew) return 'The signature was created in the future.';
  if (expires < input.nowSeconds - skew) return 'The signature has expired.';
  return undefined;
}

/** Checks a signature string: its sender and key, its window in time, its digest and the signature itself. */
export async function verifyMessageSignature(input: VerifyInput): Promise<SignatureCheck> {
  if (!input.signature || input.signature.trim() === '') return { ok: false, code: 'err.signature.missing', reason: 'The message is not signed.' };
  const parsed = parseSignature(input.signature);
  if (!parsed) return invalid('The signature field is not a well-formed DCI signature.');
  if (parsed.senderId !== input.senderId) return invalid('The signature names another sender than header.sender_id.');
  const algorithm = STRING_ALGORITHMS[parsed.algorithm];
  if (!algorithm) return invalid(`Signature algorithm "${parsed.algorithm}" is not accepted (${Object.values(STRING_NAME).join(', ')}).`);
  if (parsed.headers.trim().split(/\s+/).join(' ') !== '(created) (expires) digest') return invalid('The signature must cover "(created) (expires) digest".');
  const { created, expires } = parsed;
  const outOfWindow = checkWindow(created, expires, input);
  if (outOfWindow) return invalid(outOfWindow);
  const key = await input.keyFor(parsed.keyId, algorithm);
  if (!key) return invalid(`Key "${parsed.keyId}" is not registered for this sender.`);
  if (!keyFits(key, algorithm)) return invalid(`Key "${parsed.keyId}" does not sign ${parsed.algorithm}.`);
  const params = cryptoParams(algorithm, key);
  // The digest is accepted in either JSON spelling (non-ASCII escaped or not): both bind the same content.
  for (const asciiOnly of [true, false]) {
    const data = Buffer.from(signingString(created, expires, digestOf(input.header, input.message, asciiOnly)), 'utf8');
    if (verify(params.digest, data, params.key, parsed.signature)) return { ok: true, keyId: parsed.keyId, algorithm };
  }
  return invalid('The signature does not match the message.');
}

export const invalid = (reason: string): Extract<SignatureCheck, { ok: false }> => ({ ok: false, code: 'err.signature.invalid', reason });

/** One of this registry's signing keys. */
export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A configured private key (PKCS#8 PEM) of an accepted kind: Ed25519, RSA (2048 bits or more) or EC P-256. */
export function loadSigningKey(pem: string, keyId: string, where: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  if (!defaultAlgorithm(publicKey)) throw new Error(`${where} must be an Ed25519, RSA (2048 bits or more) or EC P-256 private key`);
  return { keyId, privateKey, publicKey };
}

/** The signature string of a message: `kidId` is "{registryId}|{keyId}|{algorithm}". */
export function signatureString(
  key: SigningKey,
  algorithm: JwsAlgorithm,
  registryId: string,
  header: unknown,
  message: unknown,
  created: number,
  expires: number,
): string {
  const params = cryptoParams(algorithm, key.privateKey);
  const signature = sign(params.digest, Buffer.from(signingString(created, expires, digestOf(header, message)), 'utf8'), params.key).toString('base64');
  const name = STRING_NAME[algorithm];
  return (
    `Signature: namespace="dci", kidId="${registryId}|${key.keyId}|${name}", algorithm="${name}", ` +
    `created="${created}", expires="${expires}", headers="(created) (expires) digest", signature="${signature}"`
  );
}

/** Loads configured PEM public keys, refusing keys of no accepted kind at start-up. */
export function loadPublicKeys(pems: Record<string, string>, where: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const [keyId, pem] of Object.entries(pems)) {
    const key = createPublicKey(pem);
    if (!defaultAlgorithm(key)) throw new Error(`${where}.${keyId}: not an Ed25519, RSA (2048 bits or more) or EC P-256 public key`);
    keys.set(keyId, key);
  }
  return keys;
}
