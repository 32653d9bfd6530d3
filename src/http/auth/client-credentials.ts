import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { ClientCredentialsConfig, IssuerConfig, Role } from '../../config/auth.js';
import type { RoleMapping } from '../../config/roles.js';
import { addRoleClaims } from './claims.js';
import { hashSecret, parseSecretHash, secretMatches, type SecretHash } from './secret-hash.js';

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

interface Client {
  id: string;
  secret: SecretHash;
  roles: Role[];
  scopes: string[];
  senderId?: string;
}

export type TokenRefusal = 'invalid_client' | 'invalid_scope';

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  /** A string, as the DCI authz schema (OAuth2ClientTokenResponse) writes it. */
  expires_in: string;
  scope: string;
}

/**
 * The gateway's own OAuth 2.0 client-credentials issuer: checks a client's secret against its
 * scrypt hash and signs short-lived EdDSA JWTs whose claims earn the client's roles under the
 * deployment's role mapping. The bearer authenticator accepts them through `issuerConfig()`,
 * like any configured issuer; `/.well-known/jwks.json` publishes `jwks()`.
 */
export class ClientTokenIssuer {
  private readonly clients = new Map<string, Client>();
  private readonly keys: SigningKey[];
  /** Checked when the client is unknown, so an unknown id costs as much time as a wrong secret. */
  private readonly dummy: Promise<SecretHash>;
  /** True when the key was made at start-up (tokens do not survive a restart). */
  readonly ephemeralKey: boolean;

  constructor(
    private readonly config: ClientCredentialsConfig,
    private readonly mapping: RoleMapping,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.ephemeralKey = config.signingKeys === undefined;
    const privateKeys = config.signingKeys?.map(({ kid, privateKey }) => ({ kid, key: createPrivateKey(privateKey) })) ?? [
      { kid: `ephemeral-${randomUUID().slice(0, 8)}`, key: generateKeyPairSync('ed25519').privateKey },
    ];
    this.keys = privateKeys.map(({ kid, key }) => {
      if (key.asymmetricKeyType !== 'ed25519') throw new Error(`auth.clientCredentials.signingKeys.${kid}: not an Ed25519 private key`);
      return { kid, privateKey: key, publicKey: createPublicKey(key) };
    });
    for (const [id, client] of Object.entries(config.clients)) {
      const secret = parseSecretHash(client.secretHash);
      if (!secret) throw new Error(`auth.clientCredentials.clients.${id}.secretHash: not a hash written by \`npm run hash-secret\``);
      // Refused at start-up rather than at the first token request.
      addRoleClaims({}, client.roles, mapping);
      this.clients.set(id, { id, secret, roles: client.roles, scopes: client.scopes, ...(client.senderId ? { senderId: client.senderId } : {}) });
    }
    const params = [...this.clients.values()][0]?.secret.params;
    this.dummy = hashSecret(randomUUID(), params).then((text) => parseSecretHash(text)!);
  }

  get issuer(): string {
    return this.config.issuer;
  }

  /** How the bearer authenticator trusts these tokens: EdDSA, every published key (current first). */
  issuerConfig(): IssuerConfig {
    return {
      issuer: this.config.issuer,
      audience: [this.config.audience],
      algorithms: ['EdDSA'],
      publicKeys: this.keys.map((k) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    };
  }

  /** The public keys as JWKs (OKP, Ed25519) for /.well-known/jwks.json. */
  jwks(): Array<Record<string, string>> {
    return this.keys.map(({ kid, publicKey }) => {
      const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string };
      return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, use: 'sig', alg: 'EdDSA' };
    });
  }

  /** The DCI sender a client's tokens are bound to, if any. */
  senderOf(clientId: string): string | undefined {
    return this.clients.get(clientId)?.senderId;
  }

  /**
   * A token for the client, or why not. The secret is always run through scrypt, against a
   * dummy hash when the client is unknown: timing tells nothing about which ids exist.
   */
  async issue(clientId: string, secret: string, requestedScope: string | undefined): Promise<IssuedToken | TokenRefusal> {
    const client = this.clients.get(clientId);
    const matches = await secretMatches(secret, client?.secret ?? (await this.dummy));
    if (!client || !matches) return 'invalid_client';
    const requested = requestedScope === undefined ? client.scopes : requestedScope.split(' ').filter(Boolean);
    if (requested.length === 0 || requested.some((scope) => !client.scopes.includes(scope))) return 'invalid_scope';
    const scope = [...new Set(requested)].join(' ');
    const now = this.now();
    const claims: Record<string, unknown> = {
      iss: this.config.issuer,
      aud: this.config.audience,
      sub: client.id,
      client_id: client.id,
      iat: now,
      nbf: now,
      exp: now + this.config.tokenTtlSeconds,
      jti: randomUUID(),
      scope,
    };
    addRoleClaims(claims, client.roles, this.mapping);
    return { access_token: this.sign(claims), token_type: 'Bearer', expires_in: String(this.config.tokenTtlSeconds), scope };
  }

  private sign(claims: Record<string, unknown>): string {
    const key = this.keys[0]!;
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'EdDSA', typ: 'JWT', kid: key.kid })}.${encode(claims)}`;
    return `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`;
  }
}
