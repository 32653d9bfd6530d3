/**
 * Remembers (sender, message_id) pairs for a window so a replayed or re-sent message is
 * refused (rjct.message_id.duplicate). In memory, per gateway instance: behind several
 * replicas a replay that lands on another one is not caught (a signature's short expiry bounds it).
 */
export class ReplayGuard {
  /** Insertion order is expiry order (the window is constant), so pruning stops at the first live entry. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /** True the first time a message id is seen within the window (and records it); false for a duplicate. */
  firstSighting(senderId: string, messageId: string, nowMs: number): boolean {
    this.prune(nowMs);
    const key = `${senderId}\u0000${messageId}`;
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, nowMs + this.windowMs);
    return true;
  }

  /** Forgets a message that could not be answered (Odoo down), so the sender's retry is not called a duplicate. */
  forget(senderId: string, messageId: string): void {
    this.seen.delete(`${senderId}\u0000${messageId}`);
  }

  private prune(nowMs: number): void {
    for (const [key, expiresAt] of this.seen) {
      if (expiresAt > nowMs) break;
      this.seen.delete(key);
    }
  }
}
