import { CompactSign, compactVerify, decodeProtectedHeader, errors, flattenedVerify, type JWSHeaderParameters } from 'jose';
import {
  canonicalJson,
  checkWindow,
  invalid,
  JWS_ALGORITHMS,
  keyFits,
  type JwsAlgorithm,
  type SignatureCheck,
  type SigningKey,
  type VerifyInput,
} from './signature.js';

/**
 * The two JWS forms of a DCI signature, next to the standard's signature string (signature.ts):
 *
 * - detached: `{protected}..{signature}` (RFC 7515 appendix F), as OpenG2P's registry platform
 *   and its g2pconnect libraries sign: the payload is the compact JSON of `{header, message}` as
 *   sent, which the receiver rebuilds from the envelope (Python's `json.dumps(..., separators=
 *   (",", ":"))`: members in the order sent, non-ASCII escaped);
 * - compact: `{protected}.{payload}.{signature}`, as OpenCRVS's DCI API signs, the payload being
 *   that same JSON, compared with the envelope it travels in.
 *
 * The protected header names the key (`kid`) and may bound the signature in time with `iat` and
 * `exp` (seconds), checked as the signature string's created/expires are (without them, the
 * signed `header.message_ts` starts a window of `signatureExpirySeconds`); this registry always
 * writes both.
 */

export type JwsForm = 'detached-jws' | 'compact-jws';

const JWS_PART = '[A-Za-z0-9_-]+';
const DETACHED = new RegExp(`^${JWS_PART}\\.\\.${JWS_PART}$`);
const COMPACT = new RegExp(`^${JWS_PART}\\.${JWS_PART}\\.${JWS_PART}$`);

/** Which JWS form a signature field holds, if any. */
export function jwsFormOf(signature: string): JwsForm | undefined {
  const text = signature.trim();
  if (DETACHED.test(text)) return 'detached-jws';
  if (COMPACT.test(text)) return 'compact-jws';
  return undefined;
}

/** The JSON of `{header, message}` as the detached form's signer serialised it: order as sent, non-ASCII escaped or not. */
function detachedPayloads(header: unknown, message: unknown): string[] {
  const asSent = JSON.stringify({ header, message });
  const escaped = escapeNonAscii(asSent);
  const sorted = canonicalJson({ header, message }, false);
  return [...new Set([escaped, asSent, escapeNonAscii(sorted), sorted])];
}

const escapeNonAscii = (text: string): string => text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Checks a JWS signature (either form) of `{header, message}`. */
export async function verifyJwsSignature(form: JwsForm, input: VerifyInput): Promise<SignatureCheck> {
  const text = input.signature!.trim();
  let protectedHeader: JWSHeaderParameters;
  try {
    protectedHeader = decodeProtectedHeader(text) as JWSHeaderParameters;
  } catch {
    return invalid('The JWS protected header is not readable.');
  }
  const algorithm = JWS_ALGORITHMS.find((alg) => alg === protectedHeader.alg);
  if (!algorithm) return invalid(`JWS algorithm "${String(protectedHeader.alg)}" is not accepted (${JWS_ALGORITHMS.join(', ')}).`);
  const { iat, exp } = protectedHeader as { iat?: unknown; exp?: unknown };
  let window: [number, number];
  if (iat !== undefined || exp !== undefined) {
    if (!Number.isInteger(iat) || !Number.isInteger(exp)) return invalid('The JWS header\'s "iat" and "exp" must both be whole seconds.');
    window = [iat as number, exp as number];
  } else {
    // Without iat/exp the signed header's message_ts dates the signature: a captured message is not good forever.
    const sent = Date.parse(String((input.header as { message_ts?: unknown } | null)?.message_ts ?? ''));
    if (Number.isNaN(sent)) return invalid('A JWS without "iat" and "exp" needs a header.message_ts to date it.');
    const created = Math.floor(sent / 1000);
    window = [created, created + input.maxLifetimeSeconds];
  }
  const outOfWindow = checkWindow(window[0], window[1], input);
  if (outOfWindow) return invalid(outOfWindow);
  const keyId = typeof protectedHeader.kid === 'string' ? protectedHeader.kid : undefined;
  const key = await input.keyFor(keyId, algorithm);
  if (!key) return invalid(keyId ? `Key "${keyId}" is not registered for this sender.` : 'The JWS names no key ("kid") and the sender has more than one.');
  if (!keyFits(key, algorithm)) return invalid(`Key "${keyId ?? ''}" does not sign ${algorithm}.`);
  const options = { algorithms: [algorithm] };
  try {
    if (form === 'compact-jws') {
      const { payload } = await compactVerify(text, key, options);
      const signed = JSON.parse(new TextDecoder().decode(payload)) as { header?: unknown; message?: unknown };
      if (canonicalJson({ header: signed.header, message: signed.message }, false) !== canonicalJson({ header: input.header, message: input.message }, false))
        return invalid('The JWS payload is not the header and message it travels with.');
      return { ok: true, keyId: keyId ?? '', algorithm };
    }
    const [protectedPart, , signaturePart] = text.split('.');
    for (const payload of detachedPayloads(input.header, input.message)) {
      try {
        await flattenedVerify(
          { protected: protectedPart!, payload: Buffer.from(payload, 'utf8').toString('base64url'), signature: signaturePart! },
          key,
          options,
        );
        return { ok: true, keyId: keyId ?? '', algorithm };
      } catch (err) {
        if (!(err instanceof errors.JWSSignatureVerificationFailed)) throw err;
      }
    }
    return invalid('The signature does not match the message.');
  } catch (err) {
    if (err instanceof errors.JOSEError || err instanceof SyntaxError) return invalid(`The JWS does not verify: ${err.message}`.slice(0, 300));
    throw err;
  }
}

/** Signs `{header, message}` in a JWS form; the detached payload is the ASCII-escaped compact JSON in document order. */
export async function signJws(
  form: JwsForm,
  key: SigningKey,
  algorithm: JwsAlgorithm,
  header: unknown,
  message: unknown,
  created: number,
  expires: number,
): Promise<string> {
  const asSent = JSON.stringify({ header, message });
  const payload = form === 'detached-jws' ? escapeNonAscii(asSent) : asSent;
  const jws = await new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: algorithm, kid: key.keyId, typ: 'JOSE', iat: created, exp: expires })
    .sign(key.privateKey);
  if (form === 'compact-jws') return jws;
  const [protectedPart, , signaturePart] = jws.split('.');
  return `${protectedPart}..${signaturePart}`;
}
