/**
 * The sync feed's next page, read from Odoo while its caller is still taking the current one.
 * A feed is walked page after page, and each page costs Odoo most of its time (docs/scale.md):
 * reading page N+1 as soon as page N is answered keeps Odoo busy while the answer travels and the
 * caller handles it, so a walk runs at Odoo's own rate instead of Odoo's plus everyone else's.
 *
 * A held page is claimed once, by the request that names it exactly (its caller's account and
 * view, filters, position and page size), and only within `holdMs`; a page past `maxHeld` drops
 * the oldest. A failed read is forgotten: its claimer reads for itself (and meets the error then,
 * if it lasts). Nothing else ever sees a held page.
 */
export class ReadAhead<V> {
  private readonly held = new Map<string, { page: Promise<V | undefined>; timer: NodeJS.Timeout }>();

  constructor(private readonly options: { maxHeld: number; holdMs: number }) {}

  get enabled(): boolean {
    return this.options.maxHeld > 0;
  }

  /**
   * Starts reading the page `key` names, unless it is already held. Resolves once the read is on
   * its way: the caller's own page (mapping and serialising 500 records, ~10 ms) would otherwise
   * run first and hold the read back by as much.
   */
  async start(key: string, read: () => Promise<V>): Promise<void> {
    if (!this.enabled || this.held.has(key)) return;
    if (this.held.size >= this.options.maxHeld) this.drop(this.held.keys().next().value!);
    const page = read().catch(() => undefined);
    // unref: a held page never keeps the process alive; it is dropped when its time is up.
    const timer = setTimeout(() => this.drop(key), this.options.holdMs).unref();
    this.held.set(key, { page, timer });
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** The page `key` names if it was read ahead (waiting for it while its read is on the wire), once. */
  async claim(key: string): Promise<V | undefined> {
    const entry = this.held.get(key);
    if (!entry) return undefined;
    this.drop(key);
    return entry.page;
  }

  private drop(key: string): void {
    const entry = this.held.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.held.delete(key);
  }
}
