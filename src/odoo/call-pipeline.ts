import { isOdooError, OdooError } from './errors.js';
import type { OdooConnectionHooks, OdooConnectionSettings } from './settings.js';
import { backoffDelay, CircuitBreaker, ConcurrencyLimit, sleep, type BreakerState, type CallOutcome } from './resilience.js';
import type { OdooService, RpcProtocol, WireResult } from './rpc-protocols.js';
import { redactOdooDebug } from '../logging.js';

export interface InvokeOptions {
  signal?: AbortSignal;
  sessionId?: string;
  model?: string;
  /** Allow retries on transport failure (reads only). */
  idempotent: boolean;
}

export type PipelineSettings = Pick<OdooConnectionSettings, 'timeoutMs' | 'maxConcurrent' | 'readRetries' | 'retryBaseDelayMs' | 'breaker'>;

/**
 * What every call to Odoo goes through on its way to the RPC protocol: the circuit breaker,
 * the bound on calls in flight, the per-attempt deadline, retries of reads that failed in
 * transport, and the `onCall` report and failure log of each attempt.
 */
export class CallPipeline {
  private readonly breaker: CircuitBreaker;
  private readonly limit: ConcurrencyLimit;

  constructor(
    private readonly protocol: RpcProtocol,
    private readonly settings: PipelineSettings,
    private readonly hooks: OdooConnectionHooks,
  ) {
    this.breaker = new CircuitBreaker(settings.breaker.failureThreshold, settings.breaker.resetAfterMs);
    this.limit = new ConcurrencyLimit(settings.maxConcurrent);
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** Calls currently on the wire (for metrics). */
  get inFlight(): number {
    return this.limit.inFlight;
  }

  /** Calls waiting for a free slot under `maxConcurrent`. */
  get queued(): number {
    return this.limit.queued;
  }

  /** `call`'s value alone. */
  async invoke(service: OdooService, method: string, args: unknown[], options: InvokeOptions): Promise<unknown> {
    const result = await this.call(service, method, args, options);
    return result.value;
  }

  /**
   * One RPC under the breaker and the concurrency bound, retried with backoff only when it is
   * idempotent and failed in transport (a create or write that timed out may have happened).
   */
  async call(service: OdooService, method: string, args: unknown[], options: InvokeOptions): Promise<WireResult> {
    const retries = options.idempotent ? this.settings.readRetries : 0;
    const label = service === 'object' ? (args[4] as string) : method;
    const timeoutMs = this.settings.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const admit = this.admit(label, options.model, started);
      // timeoutMs bounds the whole attempt, the wait for a free slot included: behind a hung
      // Odoo, queued calls (and retries, which queue again) would otherwise wait for many
      // timeouts in turn and the caller's answer would come far past the deadline.
      const deadline = AbortSignal.timeout(timeoutMs);
      const queueSignal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
      let sent = false;
      try {
        const result = await this.limit.run(() => {
          sent = true;
          const remainingMs = Math.max(1, Math.round(timeoutMs - (performance.now() - started)));
          return this.protocol.call(service, method, args, { timeoutMs: remainingMs, deadline, signal: options.signal, sessionId: options.sessionId });
        }, queueSignal);
        admit('success');
        this.report(label, options.model, started, 'ok');
        return result;
      } catch (caught) {
        let err = caught;
        if (!sent && deadline.aborted && !options.signal?.aborted) {
          // Never sent: says nothing about Odoo's health (neutral for the breaker) and is not retried.
          err = new OdooError({ kind: 'timeout', message: `No Odoo connection became free within ${timeoutMs} ms`, cause: caught });
          admit('neutral');
          this.report(label, options.model, started, 'timeout');
          this.logFailure(err, label, options.model);
          throw err;
        }
        const outcome = outcomeOf(err);
        admit(outcome);
        this.report(label, options.model, started, kindOf(err));
        if (outcome !== 'failure' || attempt >= retries || options.signal?.aborted) {
          this.logFailure(err, label, options.model);
          throw this.withBreakerWait(err);
        }
        this.hooks.logger?.warn({ model: options.model, method: label, attempt: attempt + 1, kind: kindOf(err) }, 'odoo call failed in transport, retrying');
        await sleep(backoffDelay(attempt, this.settings.retryBaseDelayMs), options.signal);
      }
    }
  }

  /**
   * One exchange outside the RPC protocol (the web login), under the same breaker and bound,
   * reported to `onCall` under `label`; never retried, its failures left to the caller to log.
   */
  async once<T>(label: string, exchange: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const admit = this.admit(label, undefined, started);
    try {
      const result = await this.limit.run(exchange);
      admit('success');
      this.report(label, undefined, started, 'ok');
      return result;
    } catch (err) {
      admit(outcomeOf(err));
      this.report(label, undefined, started, kindOf(err));
      throw this.withBreakerWait(err);
    }
  }

  /** A failure that left the breaker open tells its caller when Odoo will be tried again, as the refusals after it do. */
  private withBreakerWait(err: unknown): unknown {
    const waitMs = this.breaker.remainingOpenMs();
    if (err instanceof OdooError && err.isTransport && err.retryAfterMs === undefined && waitMs > 0) err.retryAfterMs = waitMs;
    return err;
  }

  /** Breaker admission; a fast failure while open is reported to `onCall` like any other outcome. */
  private admit(method: string, model: string | undefined, started: number): (outcome: CallOutcome) => void {
    try {
      return this.breaker.admit();
    } catch (err) {
      this.report(method, model, started, kindOf(err));
      throw err;
    }
  }

  private report(method: string, model: string | undefined, started: number, outcome: string): void {
    this.hooks.onCall?.({ model, method, durationMs: performance.now() - started, outcome });
  }

  private logFailure(err: unknown, method: string, model: string | undefined): void {
    const logger = this.hooks.logger;
    if (!logger || !isOdooError(err)) return;
    const debug = err.debug === undefined ? undefined : redactOdooDebug(err.debug);
    const entry = { model, method, kind: err.kind, odooClass: err.odooClass, httpStatus: err.httpStatus, debug };
    // Server and transport failures carry the gateway's own wording; a refusal carries Odoo's
    // business message, which quotes the caller's values (the caller gets it in the problem).
    if (err.kind === 'server_error' || err.isTransport) logger.error(entry, `odoo call failed: ${err.message}`);
    else logger.debug(entry, 'odoo refused the call');
  }
}

/** How a call's end counts for the breaker: transport failures open it, a caller's abort says nothing. */
function outcomeOf(err: unknown): 'success' | 'failure' | 'neutral' {
  if (err instanceof OdooError) return err.isTransport ? 'failure' : 'success';
  return 'neutral';
}

function kindOf(err: unknown): string {
  return err instanceof OdooError ? err.kind : 'aborted';
}
