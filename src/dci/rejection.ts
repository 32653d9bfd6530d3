import type { SearchReasonCode } from './envelope.js';

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
