import { OdooError } from './errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';
/** `neutral`: the caller aborted, which says nothing about Odoo's health. */
export type CallOutcome = 'success' | 'failure' | 'neutral';

/**
 * Fails fast while Odoo is down. `failureThreshold` transport failures in a row open it; after
 * `resetAfterMs` one probe call is let through (half-open): its success closes the breaker,
 * its failure opens it again. Business errors (faults) prove Odoo is up and count as success.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAt = 0;
  private opened = false;
  private probeInFlight = false;

  constructor(
    private readonly failureThreshold: number,
    private readonly resetAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (!this.opened) return 'closed';
    return this.now() - this.openedAt >= this.resetAfterMs ? 'half-open' : 'open';
  }

  /** Throws `unavailable` when the call may not go out; otherwise returns a function to report the outcome. */
  admit(): (outcome: CallOutcome) => void {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.probeInFlight)) {
      throw new OdooError({ kind: 'unavailable', message: 'Odoo is unavailable (circuit open)', retryAfterMs: this.remainingOpenMs() });
    }
    const isProbe = state === 'half-open';
    if (isProbe) this.probeInFlight = true;
    let reported = false;
    return (outcome: CallOutcome) => {
      if (reported) return;
      reported = true;
      if (isProbe) this.probeInFlight = false;
      if (outcome === 'failure') this.recordFailure(isProbe);
      else if (outcome === 'success') this.recordSuccess();
    };
  }

  /** Milliseconds until the next probe may go out: 0 while closed, or half-open with the probe out. */
  remainingOpenMs(): number {
    if (!this.opened) return 0;
    return Math.max(0, this.openedAt + this.resetAfterMs - this.now());
  }

  private recordFailure(wasProbe: boolean): void {
    this.consecutiveFailures++;
    if (wasProbe || this.consecutiveFailures >= this.failureThreshold) {
      this.opened = true;
      this.openedAt = this.now();
    }
  }

  private recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.opened = false;
  }
}

/** A counting semaphore: at most `limit` calls to Odoo in flight, the rest wait in order. */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

/** Exponential backoff with full jitter: a random delay in [base·2^attempt / 2, base·2^attempt]. */
export function backoffDelay(attempt: number, baseMs: number): number {
  const ceiling = baseMs * 2 ** attempt;
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The promise's outcome, or a rejection as soon as the caller's signal aborts (with
 * `reasonOf(signal.reason)`); `onAbort` runs when the caller gives up first. The promise itself
 * goes on: what it holds is shared with others (a login, a shared read).
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  options: { onAbort?: () => void; reasonOf?: (reason: unknown) => unknown } = {},
): Promise<T> {
  if (!signal) return promise;
  const reasonOf = options.reasonOf ?? ((reason: unknown) => reason);
  if (signal.aborted) {
    options.onAbort?.();
    promise.catch(() => undefined);
    return Promise.reject(reasonOf(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      options.onAbort?.();
      reject(reasonOf(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
