import type { HeaderReasonCode, TxnStatusItem } from './envelope.js';

/**
 * What the async routes keep between a request and its answer: one transaction per accepted
 * async message (its status, per reference, and its delivery; the work itself is a job of the
 * outbound engine's pool). Behind an interface so a shared, durable store (Redis)
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
  /** Whether transactions survive a restart of this process. */
  readonly durable: boolean;
  putTransaction(txn: DciTransaction): Promise<void>;
  getTransaction(correlationId: string): Promise<DciTransaction | undefined>;
  /** Changes some fields of a transaction (one worker owns a transaction at a time: the lock of its job in the pool). */
  updateTransaction(correlationId: string, changes: Partial<Omit<DciTransaction, 'correlationId'>>): Promise<DciTransaction | undefined>;
  /** A sender's transactions matching the query, newest first. */
  findTransactions(senderId: string, query: TransactionQuery): Promise<DciTransaction[]>;
}

/**
 * The store of a single gateway process: nothing survives a restart (the gateway warns at
 * start-up). Finished transactions are dropped after the retention period, and the oldest
 * beyond `maxTransactions`.
 */
export class InMemoryTransactionStore implements DciTransactionStore {
  readonly durable = false;
  private readonly transactions = new Map<string, DciTransaction>();

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
