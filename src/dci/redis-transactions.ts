import type { Redis } from 'ioredis';
import { matchesQuery, type DciTransaction, type DciTransactionStore, type TransactionQuery } from './transactions.js';
import { guarded } from '../state/redis-client.js';

const GUARANTEE = 'the async DCI transaction';

const txnKey = (correlationId: string) => `dci:txn:${correlationId}`;
const senderKey = (senderId: string) => `dci:sender:${Buffer.from(senderId).toString('base64url')}`;
/** Transactions read per round trip when a sender's are searched. */
const BATCH = 500;

/**
 * Async DCI transactions in the shared Redis: they survive a restart and every replica sees
 * them. A transaction is one JSON value that expires `retentionMs` after its last change (a
 * pending one is changed at every attempt of its work, so it stays while there is any); a
 * sender's transactions are listed in a sorted set by arrival. Their work is kept by the
 * outbound engine's job pool.
 */
export class RedisTransactionStore implements DciTransactionStore {
  readonly durable = true;
  constructor(
    private readonly redis: Redis,
    private readonly retentionMs: number,
  ) {}

  async putTransaction(txn: DciTransaction): Promise<void> {
    await guarded(GUARANTEE, () =>
      this.redis
        .multi()
        .set(txnKey(txn.correlationId), JSON.stringify(txn), 'PX', this.retentionMs)
        .zadd(senderKey(txn.senderId), Date.parse(txn.receivedAt), txn.correlationId)
        .pexpire(senderKey(txn.senderId), this.retentionMs)
        .exec()
        .then(failedStep),
    );
  }

  async getTransaction(correlationId: string): Promise<DciTransaction | undefined> {
    const raw = await guarded(GUARANTEE, () => this.redis.get(txnKey(correlationId)));
    return raw === null ? undefined : (JSON.parse(raw) as DciTransaction);
  }

  /** Read, change, write back: only the worker holding the lock of the transaction's job changes it. */
  async updateTransaction(correlationId: string, changes: Partial<Omit<DciTransaction, 'correlationId'>>): Promise<DciTransaction | undefined> {
    const txn = await this.getTransaction(correlationId);
    if (!txn) return undefined;
    const updated = { ...txn, ...structuredClone(changes) };
    // XX: a transaction that expired meanwhile is not brought back half-written.
    await guarded(GUARANTEE, () => this.redis.set(txnKey(correlationId), JSON.stringify(updated), 'PX', this.retentionMs, 'XX'));
    await guarded(GUARANTEE, () => this.redis.pexpire(senderKey(txn.senderId), this.retentionMs));
    return updated;
  }

  async findTransactions(senderId: string, query: TransactionQuery): Promise<DciTransaction[]> {
    const key = senderKey(senderId);
    const ids = await guarded(GUARANTEE, () => this.redis.zrevrange(key, 0, -1));
    const found: DciTransaction[] = [];
    const expired: string[] = [];
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = ids.slice(start, start + BATCH);
      const values = await guarded(GUARANTEE, () => this.redis.mget(batch.map(txnKey)));
      values.forEach((raw, i) => {
        if (raw === null) return void expired.push(batch[i]!);
        const txn = JSON.parse(raw) as DciTransaction;
        if (matchesQuery(txn, query)) found.push(txn);
      });
    }
    // Entries of expired transactions are dropped when met; failing to drop them costs nothing.
    if (expired.length > 0) await this.redis.zrem(key, ...expired).catch(() => undefined);
    return found;
  }
}

/** MULTI's replies: a failed step is an error of the whole write. */
function failedStep(results: Array<[Error | null, unknown]> | null): void {
  const failure = results?.find(([err]) => err)?.[0];
  if (failure) throw failure;
  if (results === null) throw new Error('the Redis transaction was aborted');
}
