import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { request, type Dispatcher } from 'undici';

export interface RemoteKeySetOptions {
  url: string;
  /** The outbound dispatcher (`outboundDispatcher`): where the gateway may connect. */
  dispatcher: Dispatcher;
  /** How long a fetched key set is used before it is fetched again. */
  cacheTtlMs: number;
  /** Fetches (for an unknown `kid` or after a failure) at most once per this interval. */
  minRefetchIntervalMs: number;
  timeoutMs: number;
  /** A larger answer is refused unread. */
  maxBytes: number;
  now?: () => number;
}

export interface PublishedKey {
  kid?: string;
  use?: string;
  alg?: string;
  key: KeyObject;
}

/** A JWKS URL that could not be read (unreachable, not 200, too large, not a key set) while no keys were fetched before. */
export class KeySetFetchError extends Error {}

/**
 * Public keys published at a JWKS URL (an OIDC issuer's, a DCI sender's): fetched through the
 * outbound dispatcher, no redirect followed (a redirect could lead anywhere), the answer
 * bounded in size and time, cached, and fetched again when the key asked for is not in it, at
 * most once per interval, so requests with made-up key ids cannot turn the gateway into a load
 * generator against the publisher. A failed fetch keeps the keys fetched before.
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

  /**
   * The key `choose` picks among the published keys whose `use` is `use` (or unset), fetched
   * first when stale, and fetched again (when allowed) if it picks none.
   */
  async find(use: 'sig' | 'enc', choose: (candidates: PublishedKey[]) => PublishedKey | undefined): Promise<PublishedKey | undefined> {
    if (this.now() - this.fetchedAt >= this.options.cacheTtlMs) await this.refresh();
    const pick = () => choose(this.keys.filter((key) => key.use === undefined || key.use === use));
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
      this.keys = parseKeySet(await this.download(), this.options.url);
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
      dispatcher: this.options.dispatcher,
      headers: { accept: 'application/jwk-set+json, application/json' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((err: Error) => {
      throw new KeySetFetchError(`JWKS ${url} could not be fetched (${err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : err.message})`);
    });
    if (response.statusCode !== 200) {
      await response.body.dump().catch(() => undefined);
      throw new KeySetFetchError(`JWKS ${url} answered HTTP ${response.statusCode}, not 200 (redirects are not followed)`);
    }
    const declared = Number(response.headers['content-length']);
    if (declared > maxBytes) {
      await response.body.dump().catch(() => undefined);
      throw new KeySetFetchError(`JWKS ${url} is larger than ${maxBytes} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        response.body.destroy();
        throw new KeySetFetchError(`JWKS ${url} is larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new KeySetFetchError(`JWKS ${url} is not JSON`);
    }
  }
}

/** The public keys of a JWK Set: RSA, EC and OKP keys; symmetric keys (HS/RS confusion) and private members ignored. */
function parseKeySet(body: unknown, url: string): PublishedKey[] {
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new KeySetFetchError(`JWKS ${url} holds no "keys" array`);
  return keys.flatMap((entry) => {
    const jwk = entry as JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown };
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') return [];
    try {
      // Only the public members: a published private key must not become one the gateway holds.
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicMembers } = jwk;
      const key = createPublicKey({ key: publicMembers, format: 'jwk' });
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
