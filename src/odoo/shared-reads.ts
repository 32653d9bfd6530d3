import { OdooError } from './errors.js';
import { raceAbort } from './resilience.js';

interface Flight {
  promise: Promise<unknown>;
  /** Only when the first caller can give up: a caller that cannot stays a waiter to the end, so the call is never aborted. */
  controller: AbortController | undefined;
  /** Callers waiting for it; when the last one gives up, the call is aborted. */
  waiters: number;
  generation: number;
}

/**
 * Single flight for identical reads: a read asked for while the same one (same account, same
 * model, method, arguments and context) is on the wire waits for that call's answer instead of
 * sending its own. Nothing is kept once the call has answered, so no answer outlives its call,
 * and a read never joins one that started before the connection's latest write finished (the
 * writer's next read must see its write). Each caller but the first gets its own deep copy,
 * so what one caller does with its records cannot reach another.
 */
export class SharedReads {
  private readonly flights = new WeakMap<object, Map<string, Flight>>();
  private generation = 0;

  /** A write ended (successfully or not: it may have happened): later reads start afresh. */
  noteWrite(): void {
    this.generation++;
  }

  run<T>(account: object, key: string, signal: AbortSignal | undefined, call: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    let byKey = this.flights.get(account);
    if (!byKey) this.flights.set(account, (byKey = new Map<string, Flight>()));
    const existing = byKey.get(key);
    if (existing && existing.generation === this.generation) return this.wait(byKey, key, existing, signal, true) as Promise<T>;
    const controller = signal ? new AbortController() : undefined;
    const flight: Flight = { promise: call(controller?.signal), controller, waiters: 0, generation: this.generation };
    byKey.set(key, flight);
    const forget = () => {
      if (byKey.get(key) === flight) byKey.delete(key);
    };
    flight.promise.then(forget, forget);
    return this.wait(byKey, key, flight, signal, false) as Promise<T>;
  }

  private wait(byKey: Map<string, Flight>, key: string, flight: Flight, signal: AbortSignal | undefined, copy: boolean): Promise<unknown> {
    flight.waiters++;
    // Registered before the first caller's own continuation runs, so copies are taken before it could touch the answer.
    const answer = copy ? flight.promise.then((value) => structuredClone(value)) : flight.promise;
    if (!signal) return answer;
    const leave = () => {
      if (--flight.waiters > 0) return;
      if (byKey.get(key) === flight) byKey.delete(key);
      flight.controller?.abort(signal.reason);
    };
    return raceAbort(answer, signal, { onAbort: leave, reasonOf: callerAbort });
  }
}

/** As the HTTP connection reports a caller's abort: its own deadline is Odoo being too slow, anything else is the caller's reason. */
function callerAbort(reason: unknown): unknown {
  if (reason instanceof DOMException && reason.name === 'TimeoutError') {
    return new OdooError({ kind: 'timeout', message: "Odoo did not answer before the caller's deadline", cause: reason });
  }
  return reason;
}
