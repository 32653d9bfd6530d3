import { randomUUID } from 'node:crypto';
import type { TxnStatusEnvelope, TxnStatusItem, TxnStatusResponseEnvelope } from './envelope.js';
import type { DciSearchService } from './search.js';
import type { DciTransaction, DciTransactionStore } from './transactions.js';

/**
 * Answers a TxnStatusRequest from the transaction store: the sender's own transactions only,
 * by transaction_id, correlation_id or reference ids. Each search request shows its status
 * (rcvd, pdng, succ, rjct with the reason); the delivery of the answer (pending, delivered,
 * failed, attempts, last error) is in the header's `meta.delivery`. Records are never
 * included: a status says where a search stands, its answer travels on the callback.
 */
export async function transactionStatus(
  envelope: TxnStatusEnvelope,
  store: DciTransactionStore,
  service: DciSearchService,
  correlationId: string = randomUUID(),
): Promise<TxnStatusResponseEnvelope> {
  const { header, message } = envelope;
  const request = message.txnstatus_request;
  const values = Array.isArray(request.attribute_value) ? request.attribute_value : [request.attribute_value];
  let found: DciTransaction[];
  let items: TxnStatusItem[];
  switch (request.attribute_type) {
    case 'transaction_id':
      found = (await store.findTransactions(header.sender_id, { transactionId: values[0]! })).slice(0, 1);
      items = found[0]?.items ?? [];
      break;
    case 'correlation_id':
      found = await store.findTransactions(header.sender_id, { correlationId: values[0]! });
      items = found[0]?.items ?? [];
      break;
    case 'reference_id_list': {
      found = await store.findTransactions(header.sender_id, { referenceIds: values });
      // Each reference from the newest transaction that holds it; references nobody holds are named as unknown.
      items = values.map(
        (ref) =>
          found.flatMap((txn) => txn.items).find((item) => item.reference_id === ref) ?? {
            reference_id: ref,
            timestamp: new Date().toISOString(),
            status: 'rjct',
            status_reason_code: 'rjct.reference_id.invalid',
            status_reason_message: 'No async search of this sender holds this reference_id.',
          },
      );
      break;
    }
  }
  const txn = found[0];
  const status = txn
    ? { status: 'succ' as const, completed_count: 1 }
    : { status: 'rjct' as const, status_reason_message: `No async search of sender ${header.sender_id} matches ${request.attribute_type} ${values.join(', ').slice(0, 200)}.`, completed_count: 0 };
  const meta = txn ? { delivery: deliveryMeta(txn) } : undefined;
  const responseHeader = service.responseHeader(header, 'txn-on-status', { ...status, total_count: 1, ...(meta ? { meta } : {}) });
  return service.signed({
    header: responseHeader,
    message: {
      transaction_id: message.transaction_id,
      correlation_id: correlationId,
      txnstatus_response: {
        txn_type: 'search' as const,
        txn_status: { transaction_id: txn?.transactionId ?? (request.attribute_type === 'transaction_id' ? values[0]! : ''), correlation_id: txn?.correlationId ?? '', search_response: items },
      },
    },
  });
}

function deliveryMeta(txn: DciTransaction): Record<string, unknown> {
  const delivery = txn.delivery;
  return {
    correlation_id: txn.correlationId,
    state: delivery?.state ?? (txn.status === 'rcvd' || txn.status === 'pdng' ? 'awaiting_search' : 'none'),
    attempts: delivery?.attempts ?? 0,
    ...(delivery?.lastError ? { last_error: delivery.lastError } : {}),
    ...(delivery?.deliveredAt ? { delivered_at: delivery.deliveredAt } : {}),
  };
}
