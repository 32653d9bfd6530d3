import { randomUUID } from 'node:crypto';
import type { OdooClient } from '../odoo/types.js';
import type { FieldView } from '../registry/field-scope.js';
import type { DciSettings } from '../config/dci.js';
import {
  requestEnvelopeSchema,
  searchItemSchema,
  type RequestEnvelope,
  type ResponseEnvelope,
  type ResponseHeader,
  type SearchResponseItem,
} from './envelope.js';
import { isItemTimestamp, itemRejection, type DciMessages } from './messages.js';
import { isPlainObject } from './query.js';
import type { DciQueryRunner } from './query-runner.js';
import { SearchRejection } from './rejection.js';
import { dciDisclosure, searchAnswerRecords, type DciDisclosure } from './disclosure.js';

export interface DciSearchOptions {
  settings: DciSettings;
  /** Envelopes, signatures, the replay guard and response headers. */
  messages: DciMessages;
  runner: DciQueryRunner;
  now?: () => number;
}

/**
 * The DCI Social Registry search: each search request of an accepted message run against the
 * registry on its own (the query runner), so one rejected request does not take the others
 * down. The message itself is checked by DciMessages.
 */
export class DciSearchService {
  private readonly settings: DciSettings;
  private readonly messages: DciMessages;
  private readonly runner: DciQueryRunner;
  private readonly now: () => Date;

  constructor(options: DciSearchOptions) {
    this.settings = options.settings;
    this.messages = options.messages;
    this.runner = options.runner;
    const now = options.now ?? Date.now;
    this.now = () => new Date(now());
  }

  /**
   * Answers one request body; throws DciMessageError for messages refused as a whole. `view`:
   * the caller's field scopes, which cut the records and the searches it may run. `disclose`
   * is told what the answer discloses (its audit line), before it is sealed for the receiver.
   */
  async search(
    body: unknown,
    odoo: () => OdooClient,
    options: { signal?: AbortSignal; expectedSender?: string; view?: FieldView; disclose?: (disclosure: DciDisclosure) => void } = {},
  ): Promise<ResponseEnvelope> {
    const envelope = await this.messages.accept(body, requestEnvelopeSchema, options.expectedSender);
    const rejection = await this.messages.headerRejection(envelope, 'search');
    const answer = rejection
      ? this.respond(envelope, { status: 'rjct', status_reason_code: rejection.code, status_reason_message: rejection.message, completed_count: 0 }, [])
      : await this.answer(envelope, odoo, { ...options, forgetOnFailure: true });
    options.disclose?.(dciDisclosure(searchAnswerRecords(answer.message), options.view));
    return this.messages.signed(answer);
  }

  /**
   * Runs each search request of an accepted message; the answer is in the clear and unsigned
   * (sealed for its receiver when sent: `DciMessages.signed`). `forgetOnFailure`: when Odoo cannot be
   * reached the message is forgotten by the duplicate check, so the sender's retry is not
   * called a duplicate (the async routes retry it themselves instead).
   */
  async answer(
    envelope: RequestEnvelope,
    odoo: () => OdooClient,
    options: { signal?: AbortSignal; correlationId?: string; forgetOnFailure?: boolean; view?: FieldView } = {},
  ): Promise<ResponseEnvelope> {
    const { header, message } = envelope;
    const items = message.search_request;
    const signal = options.signal;
    const references = new Map<string, number>();
    items.forEach((item, index) => {
      const ref = isPlainObject(item) && typeof item.reference_id === 'string' ? item.reference_id : '';
      if (ref !== '' && !references.has(ref)) references.set(ref, index);
    });
    let answers: SearchResponseItem[];
    try {
      const client = odoo();
      answers = await Promise.all(items.map((item, index) => this.answerItem(item, index, references, client, signal, options.view)));
    } catch (err) {
      // If the store cannot forget it either, the sender's retry is refused as a duplicate until the window ends: never answered twice.
      if (options.forgetOnFailure) await this.messages.forget(header).catch(() => undefined);
      throw err;
    }
    const succeeded = answers.some((answer) => answer.status === 'succ');
    return this.respond(envelope, { status: succeeded ? 'succ' : 'rjct', completed_count: answers.length }, answers, options.correlationId);
  }

  private async answerItem(
    raw: unknown,
    index: number,
    references: Map<string, number>,
    client: OdooClient,
    signal?: AbortSignal,
    view?: FieldView,
  ): Promise<SearchResponseItem> {
    const referenceId = isPlainObject(raw) && typeof raw.reference_id === 'string' ? raw.reference_id : '';
    const base = { reference_id: referenceId, timestamp: this.now().toISOString() };
    const reject = (rejection: SearchRejection): SearchResponseItem => ({
      ...base,
      status: 'rjct',
      status_reason_code: rejection.code,
      status_reason_message: rejection.message.slice(0, 999),
    });
    const parsed = searchItemSchema.safeParse(raw);
    if (!parsed.success) {
      const { code, message } = itemRejection(parsed.error, 'search_request', () => 'rjct.search_criteria.invalid');
      return reject(new SearchRejection(code, message));
    }
    const item = parsed.data;
    const locale = dciLocale(item.locale);
    if (referenceId !== '' && references.get(referenceId) !== index) {
      return reject(new SearchRejection('rjct.reference_id.duplicate', `reference_id ${referenceId} appears more than once in this message.`));
    }
    if (!isItemTimestamp(item.timestamp)) {
      return reject(new SearchRejection('rjct.timestamp.invalid', 'timestamp must be an ISO 8601 date-time.'));
    }
    try {
      const { search, domain } = await this.runner.compile(item.search_criteria, client, signal, view);
      const offset = (search.pageNumber - 1) * search.pageSize;
      const { total, records } = await this.runner.fetch(
        client,
        search.entity,
        domain,
        {
          offset,
          limit: search.pageSize,
          order: search.order,
          // Counting stops one past the most this registry answers: on a large registry a full count of a broad search costs more than the page.
          countLimit: this.settings.maxTotalCount + 1,
          ...(signal ? { signal } : {}),
        },
        view,
      );
      if (total > this.settings.maxTotalCount) {
        throw new SearchRejection(
          'rjct.search.too_many_records_found',
          `More than ${this.settings.maxTotalCount} registrants match; this registry answers at most ${this.settings.maxTotalCount}: narrow the search.`,
        );
      }
      return {
        ...base,
        status: 'succ',
        data: { version: '1.0.0', reg_records: records.map((record) => this.runner.toRecord(search.entity, record, view)) },
        pagination: { page_size: search.pageSize, page_number: search.pageNumber, total_count: total },
        ...(locale ? { locale } : {}),
      };
    } catch (err) {
      if (err instanceof SearchRejection) return reject(err);
      throw err;
    }
  }

  private respond(
    envelope: RequestEnvelope,
    status: Pick<ResponseHeader, 'status' | 'status_reason_code' | 'status_reason_message' | 'completed_count'>,
    answers: SearchResponseItem[],
    correlationId: string = randomUUID(),
  ): ResponseEnvelope {
    const header = this.messages.responseHeader(envelope.header, 'on-search', { ...status, total_count: envelope.message.search_request.length });
    const message = { transaction_id: envelope.message.transaction_id, correlation_id: correlationId, search_response: answers };
    return { header, message };
  }
}

const TWO_TO_THREE: Record<string, string> = { en: 'eng', fr: 'fra', es: 'spa', pt: 'por', ar: 'ara', sw: 'swa', am: 'amh', hi: 'hin', tl: 'tgl', id: 'ind' };

/** The response's locale is ISO 639-3 (`^[a-z]{3}$`): "eng" stays, "en", "EN/GB" and "en-GB" become "eng", anything else is left out. */
function dciLocale(locale: string | undefined): string | undefined {
  if (!locale) return undefined;
  const language = locale.trim().toLowerCase().split(/[-_/]/)[0] ?? '';
  if (/^[a-z]{3}$/.test(language)) return language;
  // Own keys only: `constructor` must not find what every object inherits.
  return Object.hasOwn(TWO_TO_THREE, language) ? TWO_TO_THREE[language] : undefined;
}
