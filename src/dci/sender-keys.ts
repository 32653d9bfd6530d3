import type { KeyObject } from 'node:crypto';
import type { RemoteKeySet } from '../outbound/key-set.js';
import { keyFits, type JwsAlgorithm } from './signature.js';

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
    const found = await this.remote.find('sig', (keys) =>
      keys.find((key) => (keyId === undefined || key.kid === keyId) && (key.alg === undefined || key.alg === algorithm) && keyFits(key.key, algorithm)),
    );
    return found?.key;
  }

  /** The RSA key answers to this sender are encrypted to: the configured one, else the key set's `use: "enc"` RSA key. */
  async encryptionKey(): Promise<{ key: KeyObject; kid?: string } | undefined> {
    if (this.encryptionPem) return { key: this.encryptionPem };
    if (!this.remote) return undefined;
    const found = await this.remote.find('enc', (keys) => keys.find((key) => key.use === 'enc' && key.key.asymmetricKeyType === 'rsa'));
    return found ? { key: found.key, ...(found.kid ? { kid: found.kid } : {}) } : undefined;
  }

  get hasKeys(): boolean {
    return this.pemKeys.size > 0 || this.remote !== undefined;
  }
}
