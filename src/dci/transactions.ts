import { randomUUID } from 'node:crypto';
import type { HeaderReasonCode, TxnStatusItem } from './envelope.js';

/**
 * What the async routes keep between a request and its answer: one transaction per accepted
 * async search (its status, per reference, and its delivery), and the work still to do (jobs:
 * run a search, deliver a callback). Behind an interface so a shared, durable store (Redis)
 * can replace the in-memory one without changing the callers; every method is async for that
 * reason, and records are plain JSON.
 */

export type TxnStatus = 'rcvd' | 'pdng' | 'succ' | 'rjct';
/** What a transaction was: an async search (the default, and all records written before subscriptions were kept), a subscribe or an unsubscribe message. */
export type DciTxnKind = 'search' | 'subscribe' | 'unsubscribe';
export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface DeliveryRecord {
  state: DeliveryState;
  attempts: number;
  /** The last failure, without the answer's content: status code, timeout or network error. */
  lastError?: string;
  deliveredAt?: string;
}

export interface DciTransaction {
  /** This registry's id for the transaction (the ACK's correlation_id). */
  correlationId: string;
  senderId: string;
  transactionId: string;
  messageId: string;
  receivedAt: string;
  updatedAt: string;
  status: TxnStatus;
  statusReasonCode?: HeaderReasonCode;
  statusReasonMessage?: string;
  /** Absent: a search. */
  kind?: Exclude<DciTxnKind, 'search'>;
  /** One per search (or subscribe) request item, in the request's order. */
  items: TxnStatusItem[];
  /** A subscribe / unsubscribe transaction: the message of its on-subscribe / on-unsubscribe callback, as sent (a status request is answered with it). */
  answer?: Record<string, unknown>;
  /** The on-search callback (never a URL outside the sender's registered callback URL). */
  callbackUrl: string;
  delivery?: DeliveryRecord;
}

/** Run the search of a transaction (its request is kept here until then, and only until then). */
export interface SearchJob {
  id: string;
  kind: 'search';
  correlationId: string;
  /** `{header, message}` of the request as received (the signature was checked on receipt). */
  request: { header: unknown; message: unknown };
  attempts: number;
  dueAt: number;
}

/** Post a signed answer to a callback; `correlationId` names the transaction whose delivery it is, if any. */
export interface DeliveryJob {
  id: string;
  kind: 'deliver';
  correlationId?: string;
  url: string;
  body: unknown;
  attempts: number;
  dueAt: number;
}

export type DciJob = SearchJob | DeliveryJob;

/**
 * A job as a claim hands it out: `lease` names this claim. Rescheduling or completing it with
 * a lease that ran out (and may have been claimed again since) does nothing, so a worker that
 * paused past its lease cannot undo the work of the one that took the job over.
 */
export type ClaimedJob<J extends DciJob = DciJob> = J & { lease: string };

export interface TransactionQuery {
  /** Only transactions of this kind; searches when absent. */
  kind?: DciTxnKind;
  transactionId?: string;
  correlationId?: string;
  referenceIds?: readonly string[];
}

/** Whether a sender's transaction answers the query (both stores filter with it). */
export function matchesQuery(txn: DciTransaction, query: TransactionQuery): boolean {
  if ((txn.kind ?? 'search') !== (query.kind ?? 'search')) return false;
  if (query.transactionId !== undefined && txn.transactionId !== query.transactionId) return false;
  if (query.correlationId !== undefined && txn.correlationId !== query.correlationId) return false;
  if (query.referenceIds !== undefined && !txn.items.some((item) => query.referenceIds!.includes(item.reference_id))) return false;
  return true;
}

export interface DciTransactionStore {
  /** Whether transactions and jobs survive a restart of this process. */
  readonly durable: boolean;
  putTransaction(txn: DciTransaction): Promise<void>;
  getTransaction(correlationId: string): Promise<DciTransaction | undefined>;
  /** Changes some fields of a transaction (one worker owns a transaction at a time: its job's lease). */
  updateTransaction(correlationId: string, changes: Partial<Omit<DciTransaction, 'correlationId'>>): Promise<DciTransaction | undefined>;
  /** A sender's transactions matching the query, newest first. */
  findTransactions(senderId: string, query: TransactionQuery): Promise<DciTransaction[]>;
  enqueue(job: DciJob): Promise<void>;
  /** Jobs due by `nowMs`, leased for `leaseMs` (invisible to other claims meanwhile), oldest due first. */
  claimDue(nowMs: number, leaseMs: number, limit: number): Promise<ClaimedJob[]>;
  /** Puts a claimed job back for a later attempt; false (and nothing changed) when its lease is no longer current. */
  reschedule(job: ClaimedJob): Promise<boolean>;
  /** Removes a claimed job; false (and nothing changed) when its lease is no longer current. */
  complete(job: ClaimedJob): Promise<boolean>;
  pendingJobs(): Promise<number>;
}

/**
 * The store of a single gateway process: nothing survives a restart (the gateway warns at
 * start-up). Finished transactions are dropped after the retention period, and the oldest
 * beyond `maxTransactions`.
 */
export class InMemoryTransactionStore implements DciTransactionStore {
  readonly durable = false;
  private readonly transactions = new Map<string, DciTransaction>();
  private readonly jobs = new Map<string, { job: DciJob; leasedUntil: number; lease?: string }>();

  constructor(
    private readonly retentionMs: number,
    private readonly maxTransactions = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async putTransaction(txn: DciTransaction): Promise<void> {
    this.prune();
    this.transactions.set(txn.correlationId, structuredClone(txn));
  }

  async getTransaction(correlationId: string): Promise<DciTransaction | undefined> {
    const txn = this.transactions.get(correlationId);
    return txn && structuredClone(txn);
  }

  async updateTransaction(correlationId: string, changes: Partial<Omit<DciTransaction, 'correlationId'>>): Promise<DciTransaction | undefined> {
    const txn = this.transactions.get(correlationId);
    if (!txn) return undefined;
    Object.assign(txn, structuredClone(changes));
    return structuredClone(txn);
  }

  async findTransactions(senderId: string, query: TransactionQuery): Promise<DciTransaction[]> {
    this.prune();
    const found: DciTransaction[] = [];
    for (const txn of this.transactions.values()) {
      if (txn.senderId !== senderId || !matchesQuery(txn, query)) continue;
      found.push(structuredClone(txn));
    }
    // Insertion order is arrival order.
    return found.reverse();
  }

  async enqueue(job: DciJob): Promise<void> {
    this.jobs.set(job.id, { job: structuredClone(job), leasedUntil: 0 });
  }

  async claimDue(nowMs: number, leaseMs: number, limit: number): Promise<ClaimedJob[]> {
    const due = [...this.jobs.values()].filter((entry) => entry.job.dueAt <= nowMs && entry.leasedUntil <= nowMs).sort((a, b) => a.job.dueAt - b.job.dueAt);
    return due.slice(0, limit).map((entry) => {
      entry.leasedUntil = nowMs + leaseMs;
      entry.lease = randomUUID();
      return { ...structuredClone(entry.job), lease: entry.lease };
    });
  }

  async reschedule(job: ClaimedJob): Promise<boolean> {
    if (this.jobs.get(job.id)?.lease !== job.lease) return false;
    const { lease: _lease, ...unclaimed } = job;
    this.jobs.set(job.id, { job: structuredClone(unclaimed) as DciJob, leasedUntil: 0 });
    return true;
  }

  async complete(job: ClaimedJob): Promise<boolean> {
    if (this.jobs.get(job.id)?.lease !== job.lease) return false;
    this.jobs.delete(job.id);
    return true;
  }

  async pendingJobs(): Promise<number> {
    return this.jobs.size;
  }

  /** Drops finished transactions past retention (and the oldest beyond the cap); pending ones stay. */
  private prune(): void {
    const cutoff = this.now() - this.retentionMs;
    for (const [id, txn] of this.transactions) {
      const finished = txn.status === 'succ' || txn.status === 'rjct';
      const over = this.transactions.size > this.maxTransactions;
      if (over || (finished && txn.delivery?.state !== 'pending' && Date.parse(txn.updatedAt) < cutoff)) this.transactions.delete(id);
      else if (Date.parse(txn.receivedAt) >= cutoff) break;
    }
  }
}
