/**
 * A social protection system (SP-MIS) as a partner writes one from the DCI standard, for the
 * partner tests: it imports no gateway code. It signs its requests in any of the three forms
 * peers use (the standard's signature string with node:crypto; a detached or a compact JWS with
 * jose), encrypts them as the standard's EncryptedMessage (JWE, RSA-OAEP-256 + A256GCM) to the
 * key the gateway publishes, publishes its own keys at `/.well-known/jwks.json` (which can be
 * made to misbehave), and receives the gateway's callbacks, checking each signature against the
 * gateway's published keys and opening encrypted ones with its own key.
 */
import { constants, createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, compactVerify, decodeProtectedHeader, exportJWK, FlattenedEncrypt, flattenedDecrypt, flattenedVerify } from 'jose';
import { pythonJson } from './python-json.js';

export type SignatureForm = 'string' | 'detached-jws' | 'compact-jws';
export type Algorithm = 'EdDSA' | 'RS256' | 'PS256' | 'ES256';

/** The signature string's algorithm names (HTTP message signatures'). */
const STRING_NAME: Record<Algorithm, string> = { EdDSA: 'ed25519', RS256: 'rsa-sha256', PS256: 'rsa-pss-sha256', ES256: 'ecdsa-p256-sha256' };
const BY_STRING_NAME = Object.fromEntries(Object.entries(STRING_NAME).map(([alg, name]) => [name, alg as Algorithm]));

export function keyPair(algorithm: Algorithm): { privateKey: KeyObject; publicKey: KeyObject; publicPem: string; privatePem: string } {
  const { privateKey, publicKey } =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** node:crypto's parameters of a JWS algorithm (PSS with a 32-byte salt, ECDSA as r||s, as JWS has them). */
function cryptoParams(algorithm: Algorithm, key: KeyObject) {
  if (algorithm === 'EdDSA') return { digest: null, key };
  if (algorithm === 'PS256') return { digest: 'sha256', key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } };
  if (algorithm === 'ES256') return { digest: 'sha256', key: { key, dsaEncoding: 'ieee-p1363' as const } };
  return { digest: 'sha256', key };
}

/** The JSON a detached JWS covers: `{header, message}` compact, in the order sent, non-ASCII escaped (Python's json.dumps default). */
const detachedPayload = (header: unknown, message: unknown): string =>
  JSON.stringify({ header, message }).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export interface SignOptions {
  form: SignatureForm;
  algorithm: Algorithm;
  keyId: string;
  privateKey: KeyObject;
  senderId: string;
  /** Seconds; default now and now + 300. */
  created?: number;
  expires?: number;
  /** A JWS without iat/exp (dated by header.message_ts only). */
  undated?: boolean;
}

/** The signature of `{header, message}` in one of the three forms. */
export async function signMessage(header: unknown, message: unknown, options: SignOptions): Promise<string> {
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const expires = options.expires ?? created + 300;
  const { algorithm } = options;
  if (options.form === 'string') {
    const digest = createHash('sha256').update(pythonJson({ header, message })).digest('base64');
    const params = cryptoParams(algorithm, options.privateKey);
    const signature = sign(params.digest, Buffer.from(`(created): ${created}\n(expires): ${expires}\ndigest: ${digest}`), params.key).toString('base64');
    const name = STRING_NAME[algorithm];
    return `Signature: namespace="dci", kidId="${options.senderId}|${options.keyId}|${name}", algorithm="${name}", created="${created}", expires="${expires}", headers="(created) (expires) digest", signature="${signature}"`;
  }
  const payload = options.form === 'detached-jws' ? detachedPayload(header, message) : JSON.stringify({ header, message });
  const jws = await new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: algorithm, kid: options.keyId, ...(options.undated ? {} : { iat: created, exp: expires }) })
    .sign(options.privateKey);
  if (options.form === 'compact-jws') return jws;
  const [protectedPart, , signaturePart] = jws.split('.');
  return `${protectedPart}..${signaturePart}`;
}

/** The standard's EncryptedMessage of `message`, to an RSA key (RSA-OAEP-256 + A256GCM). */
export async function encryptMessage(message: unknown, key: KeyObject, kid: string) {
  const jwe = await new FlattenedEncrypt(new TextEncoder().encode(JSON.stringify(message)))
    .setUnprotectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid })
    .encrypt(key);
  return { header: { ...jwe.unprotected, ...jwe.header }, ciphertext: jwe.ciphertext, encrypted_key: jwe.encrypted_key, iv: jwe.iv, tag: jwe.tag };
}

export interface ReceivedCallback {
  path: string;
  /** The body as it came. */
  raw: any;
  /** The message, decrypted when it came encrypted. */
  message: any;
  header: any;
  encrypted: boolean;
  form: SignatureForm | 'none';
  algorithm?: string;
  signatureValid: boolean;
  receivedAt: number;
}

export interface SpMisOptions {
  senderId: string;
  form: SignatureForm;
  algorithm: Algorithm;
  keyId?: string;
  /** Encrypt requests to the gateway's published `enc` key. */
  encrypt?: boolean;
}

/** What the SP-MIS's `/.well-known/jwks.json` answers: its keys, garbage, a redirect elsewhere, or a key set too large. */
export type KeySetMode = 'keys' | 'garbage' | 'redirect' | 'huge';

export class SpMis {
  readonly signing: ReturnType<typeof keyPair>;
  readonly encryption = keyPair('RS256');
  readonly keyId: string;
  readonly received: ReceivedCallback[] = [];
  keySetMode: KeySetMode = 'keys';
  /** Times its key set was fetched. */
  keySetFetches = 0;
  private server: Server | undefined;
  private port = 0;
  private gatewayKeys = new Map<string, { key: KeyObject; use?: string; alg?: string }>();
  private waiters: Array<() => void> = [];

  constructor(readonly options: SpMisOptions) {
    this.signing = keyPair(options.algorithm);
    this.keyId = options.keyId ?? `${options.senderId}-key-1`;
  }

  get senderId(): string {
    return this.options.senderId;
  }
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  /** Registered with the gateway as the sender's callbackUrl. */
  get callbackUrl(): string {
    return `${this.origin}/spmis`;
  }
  get jwksUrl(): string {
    return `${this.origin}/.well-known/jwks.json`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method === 'GET' && request.url === '/.well-known/jwks.json') {
          void this.serveKeySet(response);
          return;
        }
        let body: any;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          response.writeHead(400).end();
          return;
        }
        void this.open(body).then((opened) => {
          this.received.push({ path: request.url ?? '', raw: body, receivedAt: Date.now(), ...opened });
          for (const wake of this.waiters.splice(0)) wake();
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ message: { ack_status: 'ACK', timestamp: new Date().toISOString(), correlation_id: opened.message?.correlation_id ?? '' } }));
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
  }

  private async serveKeySet(response: import('node:http').ServerResponse): Promise<void> {
    this.keySetFetches++;
    if (this.keySetMode === 'garbage') return void response.writeHead(200, { 'content-type': 'application/json' }).end('<html>not a key set</html>');
    if (this.keySetMode === 'redirect') return void response.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere.json' }).end();
    const keys = [
      { ...(await exportJWK(this.signing.publicKey)), kid: this.keyId, use: 'sig', alg: this.options.algorithm },
      { ...(await exportJWK(this.encryption.publicKey)), kid: `${this.senderId}-enc`, use: 'enc', alg: 'RSA-OAEP-256' },
    ];
    const body = JSON.stringify({ keys, ...(this.keySetMode === 'huge' ? { padding: 'x'.repeat(200_000) } : {}) });
    response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(body);
  }

  /** Loads the keys the gateway publishes (signing keys by kid, its encryption key). */
  async trust(gatewayJwksUrl: string): Promise<void> {
    const jwks = (await (await fetch(gatewayJwksUrl)).json()) as { keys: Array<Record<string, string>> };
    this.gatewayKeys = new Map(jwks.keys.map((jwk) => [jwk.kid!, { key: createPublicKey({ key: jwk as any, format: 'jwk' }), use: jwk.use, alg: jwk.alg }]));
  }

  /** The gateway's published encryption key. */
  gatewayEncryptionKey(): { kid: string; key: KeyObject } {
    const found = [...this.gatewayKeys].find(([, key]) => key.use === 'enc');
    if (!found) throw new Error('the gateway publishes no encryption key');
    return { kid: found[0], key: found[1].key };
  }

  /** A signed (and, when the SP-MIS encrypts, encrypted) envelope; `sign` overrides the signing options (a wrong key, an old date). */
  async envelope(
    action: string,
    message: Record<string, unknown>,
    header: Record<string, unknown> = {},
    options: { sign?: Partial<SignOptions>; encryptTo?: { kid: string; key: KeyObject }; tamper?: boolean; plain?: boolean } = {},
  ): Promise<{ signature: string; header: Record<string, unknown>; message: unknown }> {
    const encryptTo = options.plain ? undefined : (options.encryptTo ?? (this.options.encrypt ? this.gatewayEncryptionKey() : undefined));
    const fullHeader = {
      version: '1.0.0',
      message_id: `msg-${Date.now()}-${Math.random().toString(36).slice(2)}`,
      message_ts: new Date().toISOString(),
      action,
      sender_id: this.senderId,
      receiver_id: 'partner-test-registry',
      total_count: 1,
      is_msg_encrypted: encryptTo !== undefined,
      ...header,
    };
    let sent: unknown = message;
    if (encryptTo) {
      const encrypted = await encryptMessage(message, encryptTo.key, encryptTo.kid);
      if (options.tamper) encrypted.ciphertext = flipFirst(encrypted.ciphertext);
      sent = encrypted;
    }
    const signature = await signMessage(fullHeader, sent, {
      form: this.options.form,
      algorithm: this.options.algorithm,
      keyId: this.keyId,
      privateKey: this.signing.privateKey,
      senderId: this.senderId,
      ...options.sign,
    });
    return { signature, header: fullHeader, message: sent };
  }

  /** Checks a message from the gateway: its signature (any form) against the gateway's published keys, then opens it. */
  async open(body: any): Promise<Omit<ReceivedCallback, 'path' | 'raw' | 'receivedAt'>> {
    const signature = typeof body?.signature === 'string' ? body.signature : '';
    const check = await this.checkSignature(signature, body?.header, body?.message).catch(() => ({ form: 'none' as const, valid: false }));
    const encrypted = body?.header?.is_msg_encrypted === true;
    let message = body?.message;
    if (encrypted) {
      const { plaintext } = await flattenedDecrypt(message, this.encryption.privateKey);
      message = JSON.parse(new TextDecoder().decode(plaintext));
    }
    return {
      header: body?.header,
      message,
      encrypted,
      form: check.form,
      ...('algorithm' in check ? { algorithm: check.algorithm } : {}),
      signatureValid: check.valid,
    };
  }

  private async checkSignature(
    signature: string,
    header: unknown,
    message: unknown,
  ): Promise<{ form: SignatureForm | 'none'; algorithm?: string; valid: boolean }> {
    if (signature === '') return { form: 'none', valid: false };
    if (signature.startsWith('Signature:')) {
      const params = Object.fromEntries([...signature.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const algorithm = BY_STRING_NAME[String(params.algorithm)];
      const key = this.gatewayKeys.get(String(params.kidId ?? '').split('|')[1] ?? '')?.key;
      if (!algorithm || !key) return { form: 'string', valid: false };
      const digest = createHash('sha256').update(pythonJson({ header, message })).digest('base64');
      const params2 = cryptoParams(algorithm, key);
      const data = Buffer.from(`(created): ${params.created}\n(expires): ${params.expires}\ndigest: ${digest}`);
      return { form: 'string', algorithm, valid: verify(params2.digest, data, params2.key, Buffer.from(String(params.signature), 'base64')) };
    }
    const protectedHeader = decodeProtectedHeader(signature);
    const key = this.gatewayKeys.get(String(protectedHeader.kid))?.key;
    if (!key) return { form: 'none', valid: false };
    const [protectedPart, payloadPart, signaturePart] = signature.split('.');
    if (payloadPart === '') {
      const payload = Buffer.from(detachedPayload(header, message)).toString('base64url');
      await flattenedVerify({ protected: protectedPart!, payload, signature: signaturePart! }, key);
      return { form: 'detached-jws', algorithm: protectedHeader.alg!, valid: true };
    }
    const { payload } = await compactVerify(signature, key);
    const signed = JSON.parse(new TextDecoder().decode(payload));
    const same = pythonJson(signed) === pythonJson({ header, message });
    return { form: 'compact-jws', algorithm: protectedHeader.alg!, valid: same };
  }

  /** The first callback on `path` matching the predicate, waiting for it up to `timeoutMs`. */
  async waitFor(path: string, predicate: (callback: ReceivedCallback) => boolean, timeoutMs = 15_000): Promise<ReceivedCallback> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((c) => c.path === path && predicate(c));
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `${this.senderId}: no callback on ${path} within ${timeoutMs} ms (received: ${JSON.stringify(this.received.map((c) => [c.message?.correlation_id, c.signatureValid, c.form, c.encrypted])).slice(0, 2000)} ${this.received.map((c) => c.path).join(', ') || 'none'})`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** The ciphertext with its first character changed (still base64url). */
const flipFirst = (text: string): string => `${text[0] === 'A' ? 'B' : 'A'}${text.slice(1)}`;
