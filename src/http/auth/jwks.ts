import type { Dispatcher } from 'undici';
import { KeySetFetchError, RemoteKeySet } from '../../outbound/key-set.js';

export interface JwksKeyStoreOptions {
  url: string;
  /** The outbound dispatcher the key set is fetched through. */
  dispatcher: Dispatcher;
  /** How long a fetched key set is trusted before it is fetched again. */
  cacheTtlMs: number;
  /** An unknown `kid` refetches the set at most once per this interval. */
  minRefetchIntervalMs: number;
  fetchTimeoutMs?: number;
  /** Injectable clock, so the refetch rate limit can be tested without waiting. */
  now?: () => number;
}

/** An issuer's JWKS could not be read and no keys of it are known. */
export { KeySetFetchError as JwksFetchError };

/** Larger key sets are refused: an issuer publishes a handful of keys. */
const MAX_JWKS_BYTES = 262_144;

/**
 * The public keys of an OIDC issuer, from its JWKS URL (the outbound key set: cached, no
 * redirect followed, bounded; a token signed with a key it does not hold refetches it once,
 * rate-limited, so tokens with made-up `kid`s cannot turn the gateway into a load generator
 * against the issuer). get-jwks refetches on every unknown kid, which is why the store is our own.
 */
export class JwksKeyStore {
  private readonly keys: RemoteKeySet;
  /** Keys as SPKI PEM (what @fastify/jwt caches verifiers by), made once per key. */
  private readonly pems = new WeakMap<object, string>();

  constructor(options: JwksKeyStoreOptions) {
    this.keys = new RemoteKeySet({
      url: options.url,
      dispatcher: options.dispatcher,
      cacheTtlMs: options.cacheTtlMs,
      minRefetchIntervalMs: options.minRefetchIntervalMs,
      timeoutMs: options.fetchTimeoutMs ?? 5000,
      maxBytes: MAX_JWKS_BYTES,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** Number of times the JWKS URL was fetched (for metrics and tests). */
  get fetchCount(): number {
    return this.keys.fetchCount;
  }

  /** The key for a token header, or undefined when the issuer does not (or no longer) publish it. */
  async keyFor({ kid, alg }: { kid?: string; alg?: string }): Promise<string | undefined> {
    const found = await this.keys.find('sig', (keys) => {
      const fitting = keys.filter((k) => alg === undefined || k.alg === undefined || k.alg === alg);
      if (kid !== undefined) return fitting.find((k) => k.kid === kid);
      // A token without kid can only be matched when the issuer publishes a single key.
      return fitting.length === 1 ? fitting[0] : undefined;
    });
    if (!found) return undefined;
    let pem = this.pems.get(found);
    if (pem === undefined) {
      pem = found.key.export({ type: 'spki', format: 'pem' }).toString();
      this.pems.set(found, pem);
    }
    return pem;
  }
}
