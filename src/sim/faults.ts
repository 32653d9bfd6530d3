import { OdooSimError } from './exceptions.js';

/** Which calls a fault applies to; an empty match applies to every RPC. */
export interface CallMatch {
  /** ORM model (execute_kw / call_kw). */
  model?: string;
  /** ORM method for object calls (e.g. 'search_read'), else the service method (e.g. 'authenticate'). */
  method?: string;
}

export interface MatchableCall {
  method: string;
  model?: string;
  objectMethod?: string;
}

/** What the server must do with one call, decided before it runs. */
export type FaultAction =
  | { kind: 'none' }
  /** Answer with this Odoo server error instead of running the call. */
  | { kind: 'error'; error: OdooSimError }
  /** Send the headers and half of the real body, then cut the connection. */
  | { kind: 'truncate' }
  /** Answer 502 with a proxy's HTML page instead of running the call. */
  | { kind: 'proxy-html' }
  /** Run the call (its effect is committed), then destroy the socket before any reply. */
  | { kind: 'commit-then-drop' };

export type OutageMode = 'refuse' | 'hang';

/** Server errors a real Odoo produces under load; one is picked for each injected failure. */
const RANDOM_SERVER_ERRORS: [string, string][] = [
  ['psycopg2.errors.SerializationFailure', 'could not serialize access due to concurrent update\n'],
  [
    'psycopg2.OperationalError',
    'server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.\n',
  ],
  ['psycopg2.errors.LockNotAvailable', 'could not obtain lock on row in relation "res_partner"\n'],
  ['builtins.MemoryError', ''],
];

interface Rule<T> {
  match: CallMatch;
  value: T;
}

function matches(match: CallMatch, call: MatchableCall): boolean {
  if (match.model !== undefined && match.model !== call.model) return false;
  if (match.method !== undefined && match.method !== (call.objectMethod ?? call.method)) return false;
  return true;
}

/** mulberry32: small, seeded, reproducible across runs. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hooks the server gives the controller so outages act on the real listening socket. */
export interface OutageHooks {
  stopListening(): Promise<void>;
  resumeListening(): Promise<void>;
  releaseHungRequests(): void;
}

/**
 * Fault injection for tests of the gateway's resilience. Every fault acts over the real
 * socket: the gateway sees exactly what a slow, failing or unreachable Odoo would show it.
 */
export class FaultController {
  private latencies: Rule<number>[] = [];
  private rates: Rule<number>[] = [];
  private actions: Rule<{ kind: 'truncate' | 'proxy-html' | 'commit-then-drop'; remaining: number }>[] = [];
  private random: () => number;
  private outageMode: OutageMode | undefined;

  constructor(
    private readonly hooks: OutageHooks,
    private readonly seed = 1,
  ) {
    this.random = seededRandom(seed);
  }

  /** Delays matching calls by `ms` before they run. */
  addLatency(ms: number, match: CallMatch = {}): void {
    this.latencies.push({ match, value: ms });
  }

  /** Makes matching calls fail with a random Odoo server error with this probability (0..1), seeded. */
  setFaultRate(probability: number, match: CallMatch = {}, seed?: number): void {
    if (seed !== undefined) this.random = seededRandom(seed);
    this.rates.push({ match, value: probability });
  }

  /** The next `times` matching calls get a truncated body (headers announce the full length). */
  truncateBodies(match: CallMatch = {}, times = Infinity): void {
    this.actions.push({ match, value: { kind: 'truncate', remaining: times } });
  }

  /** The next `times` matching calls get a 502 HTML page, as a reverse proxy would send. */
  proxyHtml(match: CallMatch = {}, times = Infinity): void {
    this.actions.push({ match, value: { kind: 'proxy-html', remaining: times } });
  }

  /** The next `times` matching calls run and commit, then the connection drops without a reply. */
  commitThenDrop(match: CallMatch = {}, times = 1): void {
    this.actions.push({ match, value: { kind: 'commit-then-drop', remaining: times } });
  }

  /** `refuse`: the listening socket closes (connection refused); `hang`: requests are accepted and never answered. */
  async outage(mode: OutageMode): Promise<void> {
    if (this.outageMode === mode) return;
    await this.endOutage();
    this.outageMode = mode;
    if (mode === 'refuse') await this.hooks.stopListening();
  }

  get currentOutage(): OutageMode | undefined {
    return this.outageMode;
  }

  /** Removes every fault and ends any outage. */
  async clear(): Promise<void> {
    this.latencies = [];
    this.rates = [];
    this.actions = [];
    this.random = seededRandom(this.seed);
    await this.endOutage();
  }

  private async endOutage(): Promise<void> {
    const mode = this.outageMode;
    this.outageMode = undefined;
    if (mode === 'refuse') await this.hooks.resumeListening();
    if (mode === 'hang') this.hooks.releaseHungRequests();
  }

  /** Total added latency for a call. */
  latencyFor(call: MatchableCall): number {
    let total = 0;
    for (const rule of this.latencies) if (matches(rule.match, call)) total += rule.value;
    return total;
  }

  /** Decides what happens to one call; consumes counted faults. */
  actionFor(call: MatchableCall): FaultAction {
    for (const rule of this.actions) {
      if (rule.value.remaining > 0 && matches(rule.match, call)) {
        rule.value.remaining--;
        return { kind: rule.value.kind };
      }
    }
    for (const rule of this.rates) {
      if (matches(rule.match, call) && this.random() < rule.value) {
        const [pythonClass, message] = RANDOM_SERVER_ERRORS[Math.floor(this.random() * RANDOM_SERVER_ERRORS.length)]!;
        return { kind: 'error', error: new OdooSimError(pythonClass, message) };
      }
    }
    return { kind: 'none' };
  }
}
