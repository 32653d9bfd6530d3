import type { Dispatcher } from 'undici';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { errors, FlattenedEncrypt, flattenedDecrypt } from 'jose';
import { z } from 'zod';
import type { DciSettings, SignatureForm } from '../config/dci.js';
import { jwsFormOf, signJws, verifyJwsSignature } from './jws.js';
import { DciMessageError } from './rejection.js';
import { KeySetFetchError, RemoteKeySet } from '../outbound/key-set.js';
import { SenderKeys } from './sender-keys.js';
import {
  defaultAlgorithm,
  keyFits,
  loadPublicKeys,
  loadSigningKey,
  signatureString,
  verifyMessageSignature,
  type JwsAlgorithm,
  type SigningKey,
} from './signature.js';

/** How a request came: its signature's form and algorithm (when signed) and whether its message was encrypted. */
export interface RequestSecurity {
  form?: SignatureForm;
  algorithm?: JwsAlgorithm;
  encrypted: boolean;
}

/** The key management and content encryption of DCI's EncryptedMessage (RSA-OAEP-256 + A256GCM, as OpenCRVS uses). */
const KEY_ALGORITHM = 'RSA-OAEP-256';
const CONTENT_ALGORITHM = 'A256GCM';

/**
 * The standard's EncryptedMessage: a flattened JWE whose `header` holds alg, enc and kid (its
 * unprotected header); a `protected` header, when a sender adds one, is honoured too.
 */
const encryptedMessageSchema = z.object({
  header: z.object({ alg: z.string(), enc: z.string(), kid: z.string() }).passthrough(),
  protected: z.string().optional(),
  ciphertext: z.string().min(1),
  encrypted_key: z.string().min(1),
  iv: z.string().min(1),
  tag: z.string().min(1),
});

export interface MessageSecurityOptions {
  settings: DciSettings;
  /** What senders' key sets (`jwksUrl`) are fetched through: the outbound dispatcher. */
  dispatcher: Dispatcher;
  now?: () => number;
}

/**
 * What the three signature forms and the optional encryption mean for one message: a
 * request's signature checked in whichever form it comes (the signature string, a detached or a
 * compact JWS), its EncryptedMessage opened with the gateway's key; an answer signed in the form
 * its receiver uses, and encrypted to it when it asked encrypted (or always must be).
 */
export class MessageSecurity {
  private readonly settings: DciSettings;
  private readonly now: () => number;
  private readonly senders = new Map<string, SenderKeys>();
  private readonly signingKeys = new Map<string, SigningKey>();
  private readonly decryptionKey: { key: KeyObject; kid: string } | undefined;
  /** The form and encryption of each sender's latest request: what its callbacks default to. */
  private readonly latest = new Map<string, RequestSecurity>();

  constructor(options: MessageSecurityOptions) {
    this.settings = options.settings;
    this.now = options.now ?? Date.now;
    const { settings } = this;
    if (settings.signingKey) this.signingKeys.set(settings.keyId, loadSigningKey(settings.signingKey, settings.keyId, 'dci.signingKey'));
    for (const [keyId, pem] of Object.entries(settings.additionalSigningKeys)) {
      if (!settings.signingKey) throw new Error('dci.additionalSigningKeys needs dci.signingKey');
      this.signingKeys.set(keyId, loadSigningKey(pem, keyId, `dci.additionalSigningKeys.${keyId}`));
    }
    if (settings.decryptionKey) {
      const key = createPrivateKey(settings.decryptionKey);
      if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
        throw new Error('dci.decryptionKey must be an RSA private key of 2048 bits or more');
      this.decryptionKey = { key, kid: settings.decryptionKeyId };
    }
    for (const [senderId, sender] of Object.entries(settings.senders)) {
      const where = `dci.senders.${senderId}`;
      if (sender.answerKeyId !== undefined && !this.signingKeys.has(sender.answerKeyId))
        throw new Error(`${where}.answerKeyId: no signing key "${sender.answerKeyId}"`);
      if (sender.encryption === 'required' && !this.decryptionKey) throw new Error(`${where}.encryption "required" needs dci.decryptionKey`);
      let encryptionKey: KeyObject | undefined;
      if (sender.encryptionKey) {
        encryptionKey = createPublicKey(sender.encryptionKey);
        if (encryptionKey.asymmetricKeyType !== 'rsa') throw new Error(`${where}.encryptionKey must be an RSA public key`);
      }
      const remote = sender.jwksUrl
        ? new RemoteKeySet({ url: sender.jwksUrl, dispatcher: options.dispatcher, ...settings.senderKeySets, now: this.now })
        : undefined;
      this.senders.set(senderId, new SenderKeys(loadPublicKeys(sender.publicKeys, `${where}.publicKeys`), remote, encryptionKey));
    }
  }

  /** Whether answers are signed at all (a signing key is configured). */
  get signs(): boolean {
    return this.signingKeys.size > 0;
  }

  /**
   * Checks a request as it came (`raw`: the JSON as sent, before its schema drops anything): the
   * signature, then the encryption. Returns the message in the clear. A sender that must sign is
   * refused without a valid signature; a signature sent by a sender whose keys are known is
   * always checked, even where not required. Throws DciMessageError.
   */
  async open(raw: {
    signature?: unknown;
    header: { sender_id: string; is_msg_encrypted?: unknown };
    message: unknown;
  }): Promise<{ message: unknown; security: RequestSecurity }> {
    const senderId = raw.header.sender_id;
    const sender = this.settings.senders[senderId];
    const keys = this.senders.get(senderId);
    const required = sender?.requireSignature ?? this.settings.requireSignatureByDefault;
    const signature = typeof raw.signature === 'string' ? raw.signature : undefined;
    const present = (signature ?? '').trim() !== '';
    const security: RequestSecurity = { encrypted: raw.header.is_msg_encrypted === true };
    if (required || (present && keys?.hasKeys)) {
      const form: SignatureForm | undefined = !present ? undefined : (jwsFormOf(signature!) ?? 'string');
      const input = {
        signature,
        senderId,
        header: raw.header,
        message: raw.message,
        keyFor: (keyId: string | undefined, algorithm: JwsAlgorithm) => (keys ? keys.signingKey(keyId, algorithm) : Promise.resolve(undefined)),
        nowSeconds: Math.floor(this.now() / 1000),
        maxLifetimeSeconds: this.settings.signatureExpirySeconds,
        clockSkewSeconds: this.settings.signatureClockSkewSeconds,
      };
      let check;
      try {
        check = form === undefined || form === 'string' ? await verifyMessageSignature(input) : await verifyJwsSignature(form, input);
      } catch (err) {
        if (err instanceof KeySetFetchError) throw new DciMessageError('err.signature.invalid', `The sender's keys could not be read: ${err.message}.`);
        throw err;
      }
      if (!check.ok) throw new DciMessageError(check.code, check.reason);
      security.form = form;
      security.algorithm = check.algorithm;
    }
    if (!security.encrypted) {
      if (sender?.encryption === 'required')
        throw new DciMessageError('err.encryption.invalid', 'This sender must encrypt its messages (header.is_msg_encrypted, an EncryptedMessage).');
      return { message: raw.message, security };
    }
    return { message: await this.decrypt(raw.message, senderId), security };
  }

  /** Remembers how a sender's latest accepted request came: what its callbacks are answered in by default. */
  remember(senderId: string, security: RequestSecurity): void {
    // Listed senders only: a sender_id made up by an unlisted caller must not grow this map (and has no callbacks).
    if (this.senders.has(senderId)) this.latest.set(senderId, security);
  }

  private async decrypt(message: unknown, senderId: string): Promise<unknown> {
    if (!this.decryptionKey) throw new DciMessageError('err.encryption.invalid', 'This registry accepts no encrypted messages (it has no decryption key).');
    const parsed = encryptedMessageSchema.safeParse(message);
    if (!parsed.success)
      throw new DciMessageError(
        'err.encryption.invalid',
        'header.is_msg_encrypted is set but the message is not an EncryptedMessage (header, ciphertext, encrypted_key, iv, tag).',
      );
    const jwe = parsed.data;
    if (jwe.header.kid !== this.decryptionKey.kid)
      throw new DciMessageError(
        'err.encryption.invalid',
        `The message is encrypted to key "${jwe.header.kid}", not to this registry's "${this.decryptionKey.kid}".`,
      );
    if (jwe.header.alg !== KEY_ALGORITHM || jwe.header.enc !== CONTENT_ALGORITHM)
      throw new DciMessageError('err.encryption.invalid', `Only ${KEY_ALGORITHM} with ${CONTENT_ALGORITHM} is accepted.`);
    // Every encryption is answered encrypted, so the sender must have a key to encrypt to.
    if (!(await this.encryptionKeyOf(senderId)))
      throw new DciMessageError('err.encryption.invalid', 'No key to encrypt the answer to is known for this sender.');
    try {
      const { plaintext } = await flattenedDecrypt(
        {
          ...(jwe.protected ? { protected: jwe.protected } : {}),
          header: jwe.header,
          ciphertext: jwe.ciphertext,
          encrypted_key: jwe.encrypted_key,
          iv: jwe.iv,
          tag: jwe.tag,
        },
        this.decryptionKey.key,
        { keyManagementAlgorithms: [KEY_ALGORITHM], contentEncryptionAlgorithms: [CONTENT_ALGORITHM] },
      );
      return JSON.parse(new TextDecoder().decode(plaintext)) as unknown;
    } catch (err) {
      if (err instanceof errors.JOSEError || err instanceof SyntaxError)
        throw new DciMessageError('err.encryption.invalid', "The message cannot be decrypted with this registry's key (wrong key, or altered in transit).");
      throw err;
    }
  }

  private async encryptionKeyOf(senderId: string): Promise<{ key: KeyObject; kid?: string } | undefined> {
    try {
      return await this.senders.get(senderId)?.encryptionKey();
    } catch (err) {
      if (err instanceof KeySetFetchError) return undefined;
      throw err;
    }
  }

  /**
   * An answer to `receiverId`, encrypted when `request` (or, without it, the receiver's latest
   * request) was encrypted or the receiver must encrypt, then signed in the form the receiver's
   * configuration names, else the form of that request, else the signature string. Unsigned
   * when the gateway has no signing key.
   */
  async seal<E extends { header: unknown; message?: unknown }>(
    envelope: E,
    receiverId: string | undefined,
    request?: RequestSecurity,
  ): Promise<E & { signature?: string }> {
    const sender = receiverId === undefined ? undefined : this.settings.senders[receiverId];
    const asked = request ?? (receiverId === undefined ? undefined : this.latest.get(receiverId));
    let { header, message } = envelope as { header: unknown; message: unknown };
    // An envelope encrypted already (a queued answer signed anew at each delivery attempt) is only signed again.
    const encryptedAlready = (header as { is_msg_encrypted?: unknown }).is_msg_encrypted === true;
    if (receiverId !== undefined && !encryptedAlready && (asked?.encrypted || sender?.encryption === 'required')) {
      const to = await this.encryptionKeyOf(receiverId);
      if (!to) throw new Error(`dci: no key to encrypt to sender ${receiverId}`);
      const jwe = await new FlattenedEncrypt(new TextEncoder().encode(JSON.stringify(message)))
        .setUnprotectedHeader({ alg: KEY_ALGORITHM, enc: CONTENT_ALGORITHM, kid: to.kid ?? `${receiverId}-enc` })
        .encrypt(to.key);
      message = { header: { ...jwe.unprotected, ...jwe.header }, ciphertext: jwe.ciphertext, encrypted_key: jwe.encrypted_key, iv: jwe.iv, tag: jwe.tag };
      header = { ...(header as object), is_msg_encrypted: true };
    }
    const key = this.signingKeys.get(sender?.answerKeyId ?? this.settings.keyId);
    if (!key) return { header, message } as E;
    const form = sender?.signatureForm ?? asked?.form ?? 'string';
    const algorithm = asked?.algorithm && asked.algorithm !== 'EdDSA' && keyFits(key.publicKey, asked.algorithm) ? asked.algorithm : this.algorithmOf(key);
    const created = Math.floor(this.now() / 1000);
    const expires = created + this.settings.signatureExpirySeconds;
    const signature =
      form === 'string'
        ? signatureString(key, algorithm, this.settings.registryId, header, message, created, expires)
        : await signJws(form, key, algorithm, header, message, created, expires);
    return { signature, header, message } as E & { signature: string };
  }

  private algorithmOf(key: SigningKey): JwsAlgorithm {
    const algorithm = defaultAlgorithm(key.publicKey)!;
    return algorithm === 'RS256' ? this.settings.rsaSignatureAlgorithm : algorithm;
  }

  /** The gateway's public keys as JWKs for /.well-known/jwks.json: every signing key (`use: "sig"`) and the decryption key (`use: "enc"`). */
  publicJwks(): Array<Record<string, string>> {
    const keys: Array<Record<string, string>> = [];
    for (const key of this.signingKeys.values()) keys.push({ ...publicMembers(key.publicKey), kid: key.keyId, use: 'sig', alg: this.algorithmOf(key) });
    if (this.decryptionKey)
      keys.push({ ...publicMembers(createPublicKey(this.decryptionKey.key)), kid: this.decryptionKey.kid, use: 'enc', alg: KEY_ALGORITHM });
    return keys;
  }
}

/** A public key's JWK members (kty and its parameters), nothing else. */
function publicMembers(key: KeyObject): Record<string, string> {
  const { kty, crv, x, y, n, e } = key.export({ format: 'jwk' });
  return Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
