import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { MemoryFailureCounter, type FailureCount, type FailureCounter } from '../../state/failure-counter.js';
import { HttpProblem } from '../problem.js';

export interface FailedAuthSettings {
  enabled: boolean;
  windowMs: number;
  maxPerAddress: number;
  maxPerIdentity: number;
}

/** Most addresses/identities this process remembers as blocked; the oldest go first beyond. */
const MAX_BLOCKED = 50_000;

/** 429 for a caller past its failed-authentication budget, with the seconds until its window ends. */
export function tooManyFailures(retryAfterMs: number): HttpProblem {
  const retryAfter = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  return new HttpProblem({
    status: 429,
    title: 'Too Many Requests',
    detail: `Too many failed authentications from this address or for this login; retry in ${retryAfter} s.`,
    headers: { 'retry-after': retryAfter },
  });
}

/**
 * The failed-authentication budget: failed Basic logins, bearer tokens, client secrets at the
 * token endpoint and DCI signatures count against the client address and, where the request
 * names one, the identity tried (an Odoo login, an OAuth client id, a DCI sender). Past either
 * budget the caller is answered 429 with Retry-After until the window that filled it ends.
 *
 * Counts are kept in the state store (Redis with several replicas). What this process learnt
 * to be blocked is also remembered here, so a flood is refused without any I/O or signature
 * check; before a check that costs the registry (an Odoo login, ~650 ms of its CPU) the shared
 * counts are read, so a guesser meets one budget across replicas. While the store cannot be
 * reached the budget is this process's own (never no budget at all).
 *
 * Bearer tokens count per address only: guessing a signature is hopeless, and the claims of a
 * forged token are the forger's choice, so counting them against an identity would let anyone
 * lock a client out.
 */
export class FailedAuthBudget {
  private readonly blockedUntil = new Map<string, number>();
  private readonly fallback = new MemoryFailureCounter();
  private warnedAt = -Infinity;

  constructor(
    readonly settings: FailedAuthSettings,
    private readonly counter: FailureCounter,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  private keys(request: FastifyRequest, identity: string | undefined): Array<[string, number]> {
    const keys: Array<[string, number]> = [[`address:${request.ip}`, this.settings.maxPerAddress]];
    if (identity !== undefined) keys.push([`identity:${identity}`, this.settings.maxPerIdentity]);
    return keys;
  }

  /** Without I/O: the 429 when this process already knows the address or identity is past its budget. */
  knownBlocked(request: FastifyRequest, identity?: string): HttpProblem | undefined {
    if (!this.settings.enabled) return undefined;
    const now = this.now();
    let until = 0;
    for (const [key] of this.keys(request, identity)) {
      const blocked = this.blockedUntil.get(key);
      if (blocked === undefined) continue;
      if (blocked > now) until = Math.max(until, blocked);
      else this.blockedUntil.delete(key);
    }
    return until > now ? tooManyFailures(until - now) : undefined;
  }

  /** Reads the shared counts (before a costly check): throws the 429 when a budget is spent. */
  async assertOpen(request: FastifyRequest, identity?: string): Promise<void> {
    if (!this.settings.enabled) return;
    const known = this.knownBlocked(request, identity);
    if (known) throw known;
    for (const [key, max] of this.keys(request, identity)) {
      const count = await this.counted(key, (counter) => counter.peek(key));
      if (count.count >= max) {
        this.block(key, count.resetMs);
        throw tooManyFailures(count.resetMs);
      }
    }
  }

  /** Counts one failed authentication against the address and the identity. */
  async fail(request: FastifyRequest, identity?: string): Promise<void> {
    if (!this.settings.enabled) return;
    for (const [key, max] of this.keys(request, identity)) {
      const count = await this.counted(key, (counter) => counter.add(key, this.settings.windowMs));
      if (count.count >= max) this.block(key, count.resetMs);
    }
  }

  private block(key: string, resetMs: number): void {
    this.blockedUntil.delete(key);
    if (this.blockedUntil.size >= MAX_BLOCKED) this.blockedUntil.delete(this.blockedUntil.keys().next().value!);
    this.blockedUntil.set(key, this.now() + resetMs);
  }

  private async counted(key: string, step: (counter: FailureCounter) => Promise<FailureCount>): Promise<FailureCount> {
    try {
      return await step(this.counter);
    } catch (err) {
      if (this.now() - this.warnedAt > 60_000) {
        this.warnedAt = this.now();
        this.log.warn({ err }, 'failed-authentication budget: the shared store cannot be reached; counting in this process');
      }
      return step(this.fallback);
    }
  }
}
