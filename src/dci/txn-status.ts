import { randomUUID } from 'node:crypto';
import type { TxnStatusEnvelope, TxnStatusItem, TxnStatusResponseEnvelope } from './envelope.js';
import type { DciMessages } from './messages.js';
import { subscriptionInfo, type DciSubscriptionStore } from './subscription-store.js';
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
  service: DciMessages,
  correlationId: string = randomUUID(),
  subscriptions?: DciSubscriptionStore,
): Promise<TxnStatusResponseEnvelope> {
  const { header, message } = envelope;
  const request = message.txnstatus_request;
  const values = Array.isArray(request.attribute_value) ? request.attribute_value : [request.attribute_value];
  if (request.txn_type !== 'search') return subscriptionStatus(envelope, values, store, service, correlationId, subscriptions);
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
    case 'subscription_code_list':
      found = [];
      items = [];
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
    : {
        status: 'rjct' as const,
        status_reason_message: `No async search of sender ${header.sender_id} matches ${request.attribute_type} ${values.join(', ').slice(0, 200)}.`,
        completed_count: 0,
      };
  const meta = txn ? { delivery: deliveryMeta(txn) } : undefined;
  const responseHeader = service.responseHeader(header, 'txn-on-status', { ...status, total_count: 1, ...(meta ? { meta } : {}) });
  return service.signed({
    header: responseHeader,
    message: {
      transaction_id: message.transaction_id,
      correlation_id: correlationId,
      txnstatus_response: {
        txn_type: 'search' as const,
        txn_status: {
          transaction_id: txn?.transactionId ?? (request.attribute_type === 'transaction_id' ? values[0]! : ''),
          correlation_id: txn?.correlationId ?? '',
          search_response: items,
        },
      },
    },
  });
}

type SubscriptionTxnType = 'subscribe' | 'unsubscribe';

/**
 * The status of a subscribe or unsubscribe message: what its on-subscribe / on-unsubscribe
 * callback said, as it said it (by transaction_id, correlation_id, or the subscribe items'
 * reference ids), or the state now of the subscriptions named (subscription_code_list):
 * subscribed, unsubscribed (by this sender), or unknown (as are other senders' codes).
 */
async function subscriptionStatus(
  envelope: TxnStatusEnvelope,
  values: string[],
  store: DciTransactionStore,
  service: DciMessages,
  correlationId: string,
  subscriptions: DciSubscriptionStore | undefined,
): Promise<TxnStatusResponseEnvelope> {
  const { header, message } = envelope;
  const request = message.txnstatus_request;
  const kind = request.txn_type as SubscriptionTxnType;
  const sender = header.sender_id;
  const now = new Date().toISOString();
  let txn: DciTransaction | undefined;
  let answer: Record<string, unknown> | undefined;
  let known = 0;
  switch (request.attribute_type) {
    case 'transaction_id':
    case 'correlation_id': {
      const query = request.attribute_type === 'transaction_id' ? { transactionId: values[0]! } : { correlationId: values[0]! };
      txn = (await store.findTransactions(sender, { kind, ...query }))[0];
      answer = txn?.answer;
      known = answer ? 1 : 0;
      break;
    }
    case 'reference_id_list': {
      if (kind === 'unsubscribe') break;
      const found = await store.findTransactions(sender, { kind, referenceIds: values });
      const responses = found.flatMap((t) => (t.answer?.subscribe_response as Array<{ reference_id: string }> | undefined) ?? []);
      const items = values.map(
        (ref) =>
          responses.find((item) => item.reference_id === ref) ??
          unknownItem(ref, now, 'rjct.reference_id.invalid', 'No subscribe message of this sender holds this reference_id.'),
      );
      known = values.filter((ref) => responses.some((item) => item.reference_id === ref)).length;
      answer = { transaction_id: found[0]?.transactionId ?? '', correlation_id: found[0]?.correlationId ?? '', subscribe_response: items };
      break;
    }
    case 'subscription_code_list': {
      const states = await codeStates(sender, values, store, subscriptions);
      known = states.filter((state) => state.info).length;
      answer =
        kind === 'subscribe'
          ? {
              transaction_id: message.transaction_id,
              correlation_id: correlationId,
              subscribe_response: states.map(({ code, referenceId, info }) =>
                info
                  ? { reference_id: referenceId, timestamp: info.timestamp, status: 'succ', subscriptions: [info] }
                  : unknownItem(code, now, 'rjct.reference_id.invalid', `No subscription ${code} of this sender.`),
              ),
            }
          : unsubscribeAnswer(message.transaction_id, correlationId, now, states);
      break;
    }
  }
  const reason =
    kind === 'unsubscribe' && request.attribute_type === 'reference_id_list'
      ? 'An unsubscribe message has no reference ids: ask by transaction_id, correlation_id or subscription_code_list.'
      : `No ${kind} message of sender ${sender} matches ${request.attribute_type} ${values.join(', ').slice(0, 200)}.`;
  const status = known > 0 ? { status: 'succ' as const, completed_count: 1 } : { status: 'rjct' as const, status_reason_message: reason, completed_count: 0 };
  const responseHeader = service.responseHeader(header, 'txn-on-status', {
    ...status,
    total_count: 1,
    ...(txn ? { meta: { delivery: deliveryMeta(txn) } } : {}),
  });
  const empty =
    kind === 'subscribe'
      ? { transaction_id: request.attribute_type === 'transaction_id' ? values[0]! : '', correlation_id: '', subscribe_response: [] }
      : {
          transaction_id: request.attribute_type === 'transaction_id' ? values[0]! : '',
          correlation_id: '',
          timestamp: now,
          status: 'rjct',
          status_reason_message: reason,
          subscription_status: [],
        };
  return service.signed({
    header: responseHeader,
    message: {
      transaction_id: message.transaction_id,
      correlation_id: correlationId,
      txnstatus_response: { txn_type: kind === 'subscribe' ? ('on-subscribe' as const) : ('on-unsubscribe' as const), txn_status: answer ?? empty },
    },
  });
}

interface CodeState {
  code: string;
  referenceId: string;
  /** SubscriptionInfo (status subscribe or unsubscribe); absent: no subscription of this sender has this code. */
  info?: Record<string, unknown> & { timestamp: string };
}

/** Held now: subscribed; removed by an unsubscribe of this sender still kept: unsubscribed; else unknown. */
async function codeStates(sender: string, codes: string[], store: DciTransactionStore, subscriptions: DciSubscriptionStore | undefined): Promise<CodeState[]> {
  let unsubscribes: DciTransaction[] | undefined;
  let subscribes: DciTransaction[] | undefined;
  const states: CodeState[] = [];
  for (const code of codes) {
    const held = await subscriptions?.get(code);
    if (held && held.senderId === sender) {
      states.push({ code, referenceId: held.referenceId, info: subscriptionInfo(held) });
      continue;
    }
    unsubscribes ??= await store.findTransactions(sender, { kind: 'unsubscribe' });
    const removal = unsubscribes.find((t) => ((t.answer?.subscription_status as Array<{ code: string }> | undefined) ?? []).some((s) => s.code === code));
    if (!removal) {
      states.push({ code, referenceId: code });
      continue;
    }
    subscribes ??= await store.findTransactions(sender, { kind: 'subscribe' });
    const made = subscribes
      .flatMap((t) => (t.answer?.subscribe_response as Array<{ reference_id: string; subscriptions?: Array<Record<string, unknown>> }> | undefined) ?? [])
      .flatMap((item) => (item.subscriptions ?? []).map((info) => ({ referenceId: item.reference_id, info })))
      .find(({ info }) => info.code === code);
    const timestamp = typeof removal.answer?.timestamp === 'string' ? removal.answer.timestamp : removal.updatedAt;
    states.push({
      code,
      referenceId: made?.referenceId ?? code,
      info: { ...(made?.info ?? { version: '1.0.0', code, subscription_code: code }), status: 'unsubscribe', timestamp },
    });
  }
  return states;
}

/** UnSubscribeResponse of the codes' states: known ones listed; unknown ones make it rjct, named in the reason. */
function unsubscribeAnswer(transactionId: string, correlationId: string, now: string, states: CodeState[]): Record<string, unknown> {
  const unknown = states.filter((state) => !state.info).map((state) => state.code);
  return {
    transaction_id: transactionId,
    correlation_id: correlationId,
    timestamp: now,
    status: unknown.length ? 'rjct' : 'succ',
    ...(unknown.length
      ? { status_reason_code: 'rjct.subscription_code.invalid', status_reason_message: `No subscription of this sender: ${unknown.join(', ')}`.slice(0, 999) }
      : {}),
    subscription_status: states.flatMap((state) => (state.info ? [{ code: state.code, status: state.info.status }] : [])),
  };
}

function unknownItem(referenceId: string, timestamp: string, code: string, reason: string) {
  return { reference_id: referenceId, timestamp, status: 'rjct', status_reason_code: code, status_reason_message: reason };
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
