import type { FastifyBaseLogger } from 'fastify';

export interface RefusalLogSettings {
  /** Length of one aggregation window. */
  windowMs: number;
  /** Refusals per client address logged in full in each window; the rest are counted. */
  linesPerWindow: number;
}

interface Tally {
  count: number;
  logged: number;
  since: number;
  reasons: Map<string, number>;
}

/** Most addresses tallied at once; refusals of further ones go to one shared tally. */
const MAX_ADDRESSES = 10_000;
const MAX_REASONS = 20;
const OTHERS = '(other addresses)';

/**
 * Refused requests (authentication failed, budget spent) logged per client address: the first
 * few of each window in full, then counted, and one summary line per address when the window
 * ends. A flood of bad credentials costs a few lines a minute, not several lines a request.
 * While an address is being counted, its requests' own lines (Fastify's incoming/completed
 * lines, the audit line) are left out too: `quiet` says so.
 */
export class RefusalLog {
  private tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | undefined;
  private readonly unloggedRequests = new WeakSet<object>();

  constructor(
    private readonly settings: RefusalLogSettings,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts the summaries. */
  start(): void {
    this.timer ??= setInterval(() => this.flush(), this.settings.windowMs);
    this.timer.unref();
  }

  /** Logs what is still counted and stops. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }

  /** Whether this address's refusals are being counted rather than logged now. */
  quiet(address: string): boolean {
    const tally = this.tallies.get(address) ?? this.tallies.get(OTHERS);
    return tally !== undefined && tally.logged >= this.settings.linesPerWindow;
  }

  /** Whether a request's own lines are left out: it was a refusal counted, not logged, or its address is being counted. */
  quietRequest(request: { ip: string }): boolean {
    return this.unloggedRequests.has(request) || this.quiet(request.ip);
  }

  /** Whether this request was a refusal counted rather than logged (its audit line is left out too). */
  unlogged(request: object): boolean {
    return this.unloggedRequests.has(request);
  }

  /** Records a refused request; true when it is to be logged in full (the first few of its address's window). */
  noteRequest(request: { ip: string }, reason: string): boolean {
    const logged = this.note(request.ip, reason);
    if (!logged) this.unloggedRequests.add(request);
    return logged;
  }

  /** Records one refusal; true when it is to be logged in full (the first few of the window). */
  note(address: string, reason: string): boolean {
    const key = this.tallies.has(address) || this.tallies.size < MAX_ADDRESSES ? address : OTHERS;
    let tally = this.tallies.get(key);
    if (!tally) {
      tally = { count: 0, logged: 0, since: this.now(), reasons: new Map() };
      this.tallies.set(key, tally);
    }
    tally.count++;
    if (tally.reasons.has(reason) || tally.reasons.size < MAX_REASONS) tally.reasons.set(reason, (tally.reasons.get(reason) ?? 0) + 1);
    if (tally.logged >= this.settings.linesPerWindow) return false;
    tally.logged++;
    return true;
  }

  /** One summary line per address with refusals that were counted but not logged. */
  flush(): void {
    const tallies = this.tallies;
    this.tallies = new Map();
    for (const [address, tally] of tallies) {
      if (tally.count <= tally.logged) continue;
      this.log.warn(
        {
          refusals: {
            address,
            count: tally.count,
            not_logged: tally.count - tally.logged,
            since: new Date(tally.since).toISOString(),
            reasons: Object.fromEntries(tally.reasons),
          },
        },
        'requests refused (summary)',
      );
    }
  }
}
