import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { matchesQuery, type ClaimedJob, type DciJob, type DciTransaction, type DciTransactionStore, type TransactionQuery } from './transactions.js';
import { guarded } from '../state/redis-client.js';

const GUARANTEE = 'the async DCI transaction';

/**
 * Claims up to ARGV[3] jobs due by ARGV[1]. `due` scores a waiting job by its due time and a
 * claimed one by its lease's end, so a job whose worker died becomes due again by itself.
 * Each claim gets a token of its own (ARGV[4] joined to the job id), kept in `leases`.
 */
const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local job = redis.call('HGET', KEYS[2], id)
  if job then
    local lease = ARGV[4] .. ':' .. id
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), id)
    redis.call('HSET', KEYS[3], id, lease)
    table.insert(out, job)
    table.insert(out, lease)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`;

/** Reschedules (ARGV[3] the job, ARGV[4] its due time) or completes (ARGV[3] empty) a job whose lease ARGV[2] is still current. */
const SETTLE = `
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
  redis.call('ZADD', KEYS[1], tonumber(ARGV[4]), ARGV[1])
end
return 1
`;

interface Scripts {
  dciClaim(due: string, jobs: string, leases: string, nowMs: number, leaseMs: number, limit: number, nonce: string): Promise<string[]>;
  dciSettle(due: string, jobs: string, leases: string, id: string, lease: string, job: string, dueAt: number): Promise<number>;
}

const DUE = 'dci:due';
const JOBS = 'dci:jobs';
const LEASES = 'dci:leases';
const txnKey = (correlationId: string) => `dci:txn:${correlationId}`;
const senderKey = (senderId: string) => `dci:sender:${Buffer.from(senderId).toString('base64url')}`;
/** Transactions read per round trip when a sender's are searched. */
const BATCH = 500;

/**
 * Async DCI transactions and their pending work in the shared Redis: they survive a restart
 * and every replica sees them. A transaction is one JSON value that expires `retentionMs`
 * after its last change (a pending one is changed at every attempt of its work, so it stays
 * while there is any); a sender's transactions are listed in a sorted set by arrival. Jobs
 * never expire: a job is removed only by the worker holding its current lease.
 *
 * Claims use the caller's clock (as the in-memory store does): replicas' clocks must agree
 * to well within a lease (NTP does). A worker that dies after delivering but before completing
 * leaves its job to be claimed again when the lease ends: callbacks are delivered at least once.
 */
export class RedisTransactionStore implements DciTransactionStore {
  readonly durable = true;
  private readonly redis: Redis & Scripts;

  constructor(
    redis: Redis,
    private readonly retentionMs: number,
  ) {
    redis.defineCommand('dciClaim', { numberOfKeys: 3, lua: CLAIM });
    redis.defineCommand('dciSettle', { numberOfKeys: 3, lua: SETTLE });
    this.redis = redis as Redis & Scripts;
  }

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

  /** Read, change, write back: only the worker holding the transaction's job lease changes it. */
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

  async enqueue(job: DciJob): Promise<void> {
    await guarded(GUARANTEE, () => this.redis.multi().hset(JOBS, job.id, JSON.stringify(job)).zadd(DUE, job.dueAt, job.id).exec().then(failedStep));
  }

  async claimDue(nowMs: number, leaseMs: number, limit: number): Promise<ClaimedJob[]> {
    const reply = await guarded(GUARANTEE, () => this.redis.dciClaim(DUE, JOBS, LEASES, nowMs, leaseMs, limit, randomUUID()));
    const claimed: ClaimedJob[] = [];
    for (let i = 0; i < reply.length; i += 2) claimed.push({ ...(JSON.parse(reply[i]!) as DciJob), lease: reply[i + 1]! });
    return claimed;
  }

  async reschedule(job: ClaimedJob): Promise<boolean> {
    const { lease, ...unclaimed } = job;
    return (await guarded(GUARANTEE, () => this.redis.dciSettle(DUE, JOBS, LEASES, job.id, lease, JSON.stringify(unclaimed), job.dueAt))) === 1;
  }

  async complete(job: ClaimedJob): Promise<boolean> {
    return (await guarded(GUARANTEE, () => this.redis.dciSettle(DUE, JOBS, LEASES, job.id, job.lease, '', 0))) === 1;
  }

  async pendingJobs(): Promise<number> {
    return guarded(GUARANTEE, () => this.redis.hlen(JOBS));
  }
}

/** MULTI's replies: a failed step is an error of the whole write. */
function failedStep(results: Array<[Error | null, unknown]> | null): void {
  const failure = results?.find(([err]) => err)?.[0];
  if (failure) throw failure;
  if (results === null) throw new Error('the Redis transaction was aborted');
}
