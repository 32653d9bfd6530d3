import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { fetch, type Dispatcher } from 'undici';

export interface JwksKeyStoreOptions {
  url: string;
  /** outboundDispatcher(config.outbound): the issuer's address passes the outbound policy. */
  dispatcher: Dispatcher;
  /** How long a fetched key set is trusted before it is fetched again. */
  cacheTtlMs: number;
  /** An unknown `kid` refetches the set at most once per this interval. */
  minRefetchIntervalMs: number;
  fetchTimeoutMs?: number;
  /** Injectable clock, so the refetch rate limit can be tested without waiting. */
  now?: () => number;
}

interface PublicKey {
  kid?: string;
  alg?: string;
  /** SPKI PEM: what @fastify/jwt caches verifiers by. */
  pem: string;
}

export class JwksFetchError extends Error {}

/**
 * The public keys of an OIDC issuer, fetched from its JWKS URL and cached. Key rotation: a
 * token signed with a key the cache does not know triggers one refetch, rate-limited so that
 * tokens with made-up `kid`s cannot turn the gateway into a load generator against the issuer.
 * (get-jwks refetches on every unknown kid, which is why this store is our own.)
 */
export class JwksKeyStore {
  private keys: PublicKey[] = [];
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  /** Number of times the JWKS URL was fetched (for metrics and tests). */
  fetchCount = 0;

  constructor(private readonly options: JwksKeyStoreOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The key for a token header, or undefined when the issuer does not (or no longer) publish it. */
  async keyFor(header: { kid?: string; alg?: string }): Promise<string | undefined> {
    if (this.now() - this.fetchedAt >= this.options.cacheTtlMs) await this.refresh();
    let key = this.find(header);
    if (!key && this.now() - this.lastAttemptAt >= this.options.minRefetchIntervalMs) {
      await this.refresh();
      key = this.find(header);
    }
    return key?.pem;
  }

  private find({ kid, alg }: { kid?: string; alg?: string }): PublicKey | undefined {
    const fitting = this.keys.filter((k) => alg === undefined || k.alg === undefined || k.alg === alg);
    if (kid !== undefined) return fitting.find((k) => k.kid === kid);
    // A token without kid can only be matched when the issuer publishes a single key.
    return fitting.length === 1 ? fitting[0] : undefined;
  }

  private refresh(): Promise<void> {
    // Concurrent requests with the same unknown kid share one fetch.
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttemptAt = this.now();
    this.fetchCount++;
    try {
      const response = await fetch(this.options.url, {
        headers: { accept: 'application/json' },
        dispatcher: this.options.dispatcher,
        signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 5000),
      });
      if (!response.ok) throw new JwksFetchError(`JWKS ${this.options.url} answered HTTP ${response.status}`);
      const body = (await response.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new JwksFetchError(`JWKS ${this.options.url} holds no "keys" array`);
      this.keys = body.keys.flatMap((jwk) => toPublicKey(jwk as JsonWebKey & { kid?: string; alg?: string; use?: string }));
      this.fetchedAt = this.lastAttemptAt;
    } catch (err) {
      // Keep serving the keys we have (stale beats nothing while the issuer hiccups).
      // fetch() reports every network failure (a refused address among them) as "fetch failed", the reason in its cause.
      const reason = ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
      if (this.keys.length === 0) throw err instanceof JwksFetchError ? err : new JwksFetchError(`JWKS ${this.options.url}: ${reason}`);
    }
  }
}

function toPublicKey(jwk: JsonWebKey & { kid?: string; alg?: string; use?: string }): PublicKey[] {
  if (jwk.use !== undefined && jwk.use !== 'sig') return [];
  // Symmetric keys have no place in a public key set; taking one would reopen HS/RS confusion.
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') return [];
  try {
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    return [{ kid: jwk.kid, alg: jwk.alg, pem }];
  } catch {
    return [];
  }
}
