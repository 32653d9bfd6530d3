import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { request } from 'undici';
import { outboundDispatcher } from '../outbound/http-agent.js';
import { defaultAlgorithm, keyFits, type JwsAlgorithm } from './signature.js';

export interface RemoteKeySetOptions {
  url: string;
  /** How long a fetched key set is used before it is fetched again. */
  cacheTtlMs: number;
  /** Fetches (for an unknown `kid` or after a failure) at most once per this interval. */
  minRefetchIntervalMs: number;
  timeoutMs: number;
  /** A larger answer is refused unread. */
  maxBytes: number;
  now?: () => number;
}

interface PublishedKey {
  kid?: string;
  use?: string;
  alg?: string;
  key: KeyObject;
}

/** The sender's JWKS URL answered something other than a key set: logged, the message refused with err.signature.invalid. */
export class KeySetFetchError extends Error {}

/**
 * A sender's keys published at its `jwksUrl`: fetched through the outbound dispatcher, no
 * redirect followed (a redirect could lead anywhere), the answer bounded in size and time,
 * cached, and fetched again for a `kid` it does not hold, at most once per interval, so
 * messages with made-up key ids cannot turn the gateway against the sender's server.
 */
export class RemoteKeySet {
  private keys: PublishedKey[] = [];
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastError: KeySetFetchError | undefined;
  private inFlight: Promise<void> | undefined;
  /** Times the URL was fetched (for tests and metrics). */
  fetchCount = 0;

  constructor(private readonly options: RemoteKeySetOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The published keys with a `use` of `use` (or none), fetched first when stale; `kid` unknown: fetched again when allowed. */
  async find(use: 'sig' | 'enc', match: (key: PublishedKey) => boolean): Promise<PublishedKey | undefined> {
    if (this.now() - this.fetchedAt >= this.options.cacheTtlMs) await this.refresh();
    const pick = () => this.keys.find((key) => (key.use === undefined || key.use === use) && match(key));
    let found = pick();
    if (!found && this.now() - this.lastAttemptAt >= this.options.minRefetchIntervalMs) {
      await this.refresh();
      found = pick();
    }
    if (!found && this.keys.length === 0 && this.lastError) throw this.lastError;
    return found;
  }

  private refresh(): Promise<void> {
    if (this.now() - this.lastAttemptAt < this.options.minRefetchIntervalMs) return Promise.resolve();
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttemptAt = this.now();
    this.fetchCount++;
    try {
      this.keys = parseKeySet(await this.download());
      this.fetchedAt = this.lastAttemptAt;
      this.lastError = undefined;
    } catch (err) {
      // The keys fetched before stay in use while the sender's server misbehaves.
      this.lastError = err instanceof KeySetFetchError ? err : new KeySetFetchError(`${(err as Error).message}`);
    }
  }

  private async download(): Promise<unknown> {
    const { url, timeoutMs, maxBytes } = this.options;
    const response = await request(url, {
      method: 'GET',
      dispatcher: outboundDispatcher(),
      headers: { accept: 'application/jwk-set+json, application/json' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((err: Error) => {
      throw new KeySetFetchError(
        `the key set at ${url} could not be fetched (${err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : err.message})`,
      );
    });
    if (response.statusCode !== 200) {
      await response.body.dump().catch(() => undefined);
      throw new KeySetFetchError(`the key set at ${url} answered HTTP ${response.statusCode}, not 200 (redirects are not followed)`);
    }
    const declared = Number(response.headers['content-length']);
    if (declared > maxBytes) {
      await response.body.dump().catch(() => undefined);
      throw new KeySetFetchError(`the key set at ${url} is larger than ${maxBytes} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        response.body.destroy();
        throw new KeySetFetchError(`the key set at ${url} is larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new KeySetFetchError(`the key set at ${url} is not JSON`);
    }
  }
}

/** The usable public keys of a JWK Set: asymmetric keys of an accepted kind; symmetric and private members ignored. */
function parseKeySet(body: unknown): PublishedKey[] {
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new KeySetFetchError('the key set holds no "keys" array');
  return keys.flatMap((entry) => {
    const jwk = entry as JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown };
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') return [];
    try {
      // Only the public members: a published private key must not become one the gateway holds.
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicMembers } = jwk;
      const key = createPublicKey({ key: publicMembers, format: 'jwk' });
      if (!defaultAlgorithm(key)) return [];
      return [
        {
          key,
          ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}),
          ...(typeof jwk.use === 'string' ? { use: jwk.use } : {}),
          ...(typeof jwk.alg === 'string' ? { alg: jwk.alg } : {}),
        },
      ];
    } catch {
      return [];
    }
  });
}

/**
 * The keys one sender signs with and encrypts to: its configured PEM keys by key id, then the
 * key set at its `jwksUrl`. A signature naming no key id is matched only when exactly one
 * configured key fits its algorithm.
 */
export class SenderKeys {
  constructor(
    private readonly pemKeys: ReadonlyMap<string, KeyObject>,
    private readonly remote: RemoteKeySet | undefined,
    private readonly encryptionPem: KeyObject | undefined,
  ) {}

  async signingKey(keyId: string | undefined, algorithm: JwsAlgorithm): Promise<KeyObject | undefined> {
    if (keyId !== undefined) {
      const local = this.pemKeys.get(keyId);
      if (local) return local;
    } else {
      const fitting = [...this.pemKeys.values()].filter((key) => keyFits(key, algorithm));
      if (fitting.length === 1) return fitting[0];
      if (fitting.length > 1) return undefined;
    }
    if (!this.remote) return undefined;
    const found = await this.remote.find(
      'sig',
      (key) => (keyId === undefined || key.kid === keyId) && (key.alg === undefined || key.alg === algorithm) && keyFits(key.key, algorithm),
    );
    return found?.key;
  }

  /** The RSA key answers to this sender are encrypted to: the configured one, else the key set's `use: "enc"` RSA key. */
  async encryptionKey(): Promise<{ key: KeyObject; kid?: string } | undefined> {
    if (this.encryptionPem) return { key: this.encryptionPem };
    if (!this.remote) return undefined;
    const found = await this.remote.find('enc', (key) => key.use === 'enc' && key.key.asymmetricKeyType === 'rsa');
    return found ? { key: found.key, ...(found.kid ? { kid: found.kid } : {}) } : undefined;
  }

  get hasKeys(): boolean {
    return this.pemKeys.size > 0 || this.remote !== undefined;
  }
}
