/**
 * Remembers (sender, message_id) pairs for a window so a replayed or re-sent message is
 * refused (rjct.message_id.duplicate). In memory for one process; shared in Redis when several
 * replicas serve one registry (src/state/redis.ts), so a replay landing on another replica is
 * refused too.
 */
export interface MessageReplayGuard {
  /** True the first time a message id is seen within the window (and records it); false for a duplicate. */
  firstSighting(senderId: string, messageId: string, nowMs: number): Promise<boolean>;
  /** Forgets a message that could not be answered (Odoo down), so the sender's retry is not called a duplicate. */
  forget(senderId: string, messageId: string): Promise<void>;
}

export const replayKey = (senderId: string, messageId: string): string => `${senderId}\u0000${messageId}`;

export class MemoryReplayGuard implements MessageReplayGuard {
  /** Insertion order is expiry order (the window is constant), so pruning stops at the first live entry. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  async firstSighting(senderId: string, messageId: string, nowMs: number): Promise<boolean> {
    this.prune(nowMs);
    const key = replayKey(senderId, messageId);
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, nowMs + this.windowMs);
    return true;
  }

  async forget(senderId: string, messageId: string): Promise<void> {
    this.seen.delete(replayKey(senderId, messageId));
  }

  private prune(nowMs: number): void {
    for (const [key, expiresAt] of this.seen) {
      if (expiresAt > nowMs) break;
      this.seen.delete(key);
    }
  }
}
