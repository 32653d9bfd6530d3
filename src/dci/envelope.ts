import { z } from 'zod';

/**
 * The DCI envelope `{signature, header, message}` of `POST /registry/sync/search`, written from
 * social_api_v1.0.0.yaml (MsgHeader_V1.0.0, SearchRequest, MsgCallbackHeader_V1.0.0,
 * SearchResponse). Requests are read leniently where the standard's own samples are loose
 * (counts sent as numeric strings, `meta: ""`); responses are held to the letter.
 */

/** An integer, or a string of digits: the samples send `total_count: "1"`. */
export const integerLike = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\s*-?\d+\s*$/)
    .transform((s) => Number.parseInt(s, 10)),
]);

const isoDatetime = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date-time');

export const requestHeaderSchema = z.object({
  version: z.string().optional(),
  message_id: z.string().min(1),
  message_ts: isoDatetime,
  action: z.string(),
  sender_id: z.string().min(1),
  sender_uri: z.string().optional(),
  receiver_id: z.string().optional(),
  total_count: integerLike,
  is_msg_encrypted: z.boolean().optional(),
  meta: z.unknown().optional(),
});

/** A request envelope `{signature, header, message}` around the given message schema. */
export const envelopeOf = <M extends z.ZodType>(message: M) =>
  z.object({
    signature: z.string().optional(),
    header: requestHeaderSchema,
    message,
  });

/** Items stay `unknown` here: each is validated on its own so one bad item does not sink the others. */
export const requestEnvelopeSchema = envelopeOf(
  z.object({
    transaction_id: z.string().max(99),
    search_request: z.array(z.unknown()).min(1),
  }),
);

export type RequestEnvelope = z.output<typeof requestEnvelopeSchema>;

export const TXN_ATTRIBUTE_TYPES = ['transaction_id', 'reference_id_list', 'correlation_id', 'subscription_code_list'] as const;

/** TxnStatusRequest: the status of earlier searches, subscribes and unsubscribes, by transaction id, reference ids, correlation id or subscription codes. */
export const txnStatusEnvelopeSchema = envelopeOf(
  z.object({
    transaction_id: z.string().max(99),
    txnstatus_request: z.object({
      reference_id: z.string(),
      txn_type: z.enum(['search', 'subscribe', 'unsubscribe'], { error: 'txn_type: one of "search", "subscribe", "unsubscribe"' }),
      attribute_type: z.enum(TXN_ATTRIBUTE_TYPES),
      attribute_value: z.union([z.string().min(1).max(99), z.array(z.string().min(1).max(99)).min(1).max(1000)]),
      locale: z.string().optional(),
    }),
  }),
);
export type TxnStatusEnvelope = z.output<typeof txnStatusEnvelopeSchema>;
export type RequestHeader = z.output<typeof requestHeaderSchema>;

const expressionSchema = z.object({
  attribute_name: z.string().min(1),
  operator: z.string().min(1),
  attribute_value: z.unknown(),
});

/** A predicate list item; the samples send `seq_num: ""`, `condition: ""` and `expression2: ""` for "none". */
export const predicateSchema = z
  .object({
    seq_num: z
      .union([
        z.number(),
        z.literal(''),
        z
          .string()
          .regex(/^\d+(\.\d+)?$/)
          .transform(Number),
      ])
      .optional(),
    expression1: expressionSchema,
    condition: z.union([z.enum(['and', 'or', 'not']), z.literal('')]).optional(),
    expression2: z.union([expressionSchema, z.literal('')]).optional(),
  })
  .catchall(z.unknown());

export type Predicate = z.output<typeof predicateSchema>;
export type PredicateExpression = z.output<typeof expressionSchema>;

/** What every request item carries beside its criteria (search_request, subscribe_request). */
export const requestItemSchema = z.object({
  reference_id: z.string(),
  timestamp: z.string(),
  locale: z.string().optional(),
});

export const searchItemSchema = requestItemSchema.extend({
  search_criteria: z.object({
    version: z.string().optional(),
    reg_event_type: z.string().optional(),
    query_type: z.string(),
    response_entity: z.string().optional(),
    query: z.unknown(),
    sort: z.array(z.object({ attribute_name: z.string(), sort_order: z.string().optional() })).optional(),
    pagination: z.object({ page_size: z.unknown(), page_number: z.unknown().optional() }).optional(),
    consent: z.unknown().optional(),
    authorize: z.unknown().optional(),
  }),
});

export type SearchItem = z.output<typeof searchItemSchema>;

// ---- response --------------------------------------------------------------------------------

export const SEARCH_REASON_CODES = [
  'rjct.reference_id.invalid',
  'rjct.reference_id.duplicate',
  'rjct.timestamp.invalid',
  'rjct.search_criteria.invalid',
  'rjct.filter.invalid',
  'rjct.sort.invalid',
  'rjct.pagination.invalid',
  'rjct.search.too_many_records_found',
] as const;
export type SearchReasonCode = (typeof SEARCH_REASON_CODES)[number];

export const HEADER_REASON_CODES = [
  'rjct.version.invalid',
  'rjct.message_id.duplicate',
  'rjct.message_ts.invalid',
  'rjct.action.invalid',
  'rjct.action.not_supported',
  'rjct.total_count.invalid',
  'rjct.total_count.limit_exceeded',
  'rjct.errors.too_many',
] as const;
export type HeaderReasonCode = (typeof HEADER_REASON_CODES)[number];

export const ERROR_CODES = [
  'err.request.bad',
  'err.request.unauthorized',
  'err.request.forbidden',
  'err.request.not_found',
  'err.request.timeout',
  'err.version.not_supported',
  'err.request.too_many_requests',
  'err.sender_id.invalid',
  'err.sender_uri.invalid',
  'err.receiver_id.invalid',
  'err.signature.missing',
  'err.signature.invalid',
  'err.encryption.invalid',
  'err.service.unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const status = z.enum(['rcvd', 'pdng', 'succ', 'rjct']);
const locale = z.string().regex(/^[a-z]{3,3}$/);

export const responseHeaderSchema = z.object({
  version: z.string().optional(),
  message_id: z.string(),
  message_ts: isoDatetime,
  action: z.enum(['on-search', 'txn-on-status', 'on-subscribe', 'on-unsubscribe', 'notify']),
  status,
  status_reason_code: z.enum(HEADER_REASON_CODES).optional(),
  status_reason_message: z.string().max(999).optional(),
  total_count: z.number().int().optional(),
  completed_count: z.number().int().optional(),
  sender_id: z.string().optional(),
  receiver_id: z.string().optional(),
  is_msg_encrypted: z.boolean().optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});

export const searchResponseItemSchema = z.object({
  reference_id: z.string(),
  timestamp: isoDatetime,
  status,
  status_reason_code: z.enum(SEARCH_REASON_CODES).optional(),
  status_reason_message: z.string().max(999).optional(),
  data: z.object({ version: z.string().optional(), reg_records: z.array(z.record(z.string(), z.unknown())) }).optional(),
  pagination: z.object({ page_size: z.number().int(), page_number: z.number().int(), total_count: z.number().int() }).optional(),
  locale: locale.optional(),
});

export const responseEnvelopeSchema = z.object({
  signature: z.string().optional(),
  header: responseHeaderSchema,
  message: z
    .object({
      transaction_id: z.string().max(99),
      correlation_id: z.string().max(99),
      search_response: z.array(searchResponseItemSchema),
    })
    .optional(),
});

export type ResponseEnvelope = z.output<typeof responseEnvelopeSchema>;
export type ResponseHeader = z.output<typeof responseHeaderSchema>;
export type SearchResponseItem = z.output<typeof searchResponseItemSchema>;

/** HTTP-layer error body (components/responses/HttpErrorResponse), with the standard's Error codes. */
export const httpErrorSchema = z.object({
  errors: z.array(z.object({ code: z.enum(ERROR_CODES), message: z.string().max(999) })).min(1),
});
export type HttpErrorBody = z.output<typeof httpErrorSchema>;

/** The acknowledgement of the async routes (components/responses/Response), and of envelope errors on every route. */
export const ackSchema = z.object({
  message: z.object({
    ack_status: z.enum(['ACK', 'NACK', 'ERR']),
    timestamp: isoDatetime,
    error: z.object({ code: z.enum(ERROR_CODES), message: z.string().max(999) }).optional(),
    correlation_id: z.string().max(99),
  }),
});
export type Ack = z.output<typeof ackSchema>;

/** One search request's state as the transaction status reports it (the txn_status `search_response` item). */
export const txnStatusItemSchema = searchResponseItemSchema.omit({ data: true, pagination: true });
export type TxnStatusItem = z.output<typeof txnStatusItemSchema>;

export const txnStatusResponseEnvelopeSchema = z.object({
  signature: z.string().optional(),
  header: responseHeaderSchema.extend({ action: z.literal('txn-on-status') }),
  message: z.object({
    transaction_id: z.string().max(99),
    correlation_id: z.string().max(99),
    txnstatus_response: z.union([
      z.object({
        txn_type: z.literal('search'),
        txn_status: z.object({ transaction_id: z.string().max(99), correlation_id: z.string().max(99), search_response: z.array(txnStatusItemSchema) }),
      }),
      // SubscribeResponse / UnSubscribeResponse: the callback's message as it was sent (see subscriptions.ts).
      z.object({ txn_type: z.enum(['on-subscribe', 'on-unsubscribe']), txn_status: z.record(z.string(), z.unknown()) }),
    ]),
  }),
});
export type TxnStatusResponseEnvelope = z.output<typeof txnStatusResponseEnvelopeSchema>;
