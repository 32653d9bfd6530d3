import type { ErrorCode, SearchReasonCode } from './envelope.js';

/** A message refused as a whole before any work (envelope, sender, signature, encryption): answered with an ERR acknowledgement. */
export class DciMessageError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DciMessageError';
  }
}

/** One search request of a message cannot be answered: it is answered with `status: "rjct"` and this reason. */
export class SearchRejection extends Error {
  constructor(
    readonly code: SearchReasonCode,
    message: string,
  ) {
    super(message);
    this.name = 'SearchRejection';
  }
}

export const rejectFilter = (message: string) => new SearchRejection('rjct.filter.invalid', message);
export const rejectCriteria = (message: string) => new SearchRejection('rjct.search_criteria.invalid', message);
