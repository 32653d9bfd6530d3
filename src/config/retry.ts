import { z } from 'zod';

/**
 * The backoff of everything the gateway sends out and retries (webhooks and DCI subscription
 * notifications, DCI callbacks): wait `retryBaseMs` before the second attempt, doubled after each
 * failure (±20 % jitter), up to `retryMaxMs`. One schema, each section with its own defaults.
 */
export const retryBackoffFields = (baseMs: number) => ({
  retryBaseMs: z.number().int().min(10).default(baseMs),
  retryMaxMs: z.number().int().min(10).default(300_000),
});
