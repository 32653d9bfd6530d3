// Background work the gateway runs besides requests: DCI deliveries, the change detector, webhook queues.

/**
 * A round of background work (claim due jobs, read a change feed, refresh queues) run again
 * and again, one round at a time, `intervalMs()` after the previous one ended. `kick` runs the
 * next round now instead of waiting; `stop` waits for a round in progress. Its timers never
 * keep the process alive. A round handles its own failures; one that throws anyway goes to
 * `onError` and the loop goes on.
 */
export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = true;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly intervalMs: () => number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** True once `stop` was called: a round that loops on its own ends early. */
  get stopped(): boolean {
    return this.stopping;
  }

  start(): void {
    this.stopping = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** New work: run a round now rather than at the next poll (a round in progress finds it anyway). */
  kick(): void {
    if (!this.stopping && !this.running) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running ??= this.round()
        .catch(this.onError)
        .finally(() => {
          this.running = undefined;
          if (!this.stopping) this.schedule(this.intervalMs());
        });
    }, delayMs);
    this.timer.unref();
  }
}

/**
 * The wait before attempt `attempt + 1` of a background delivery (attempt counts from 1):
 * doubled after each failure from `baseMs`, capped at `maxMs`, ±20 % so receivers coming back
 * are not hit by every sender's retries at the same instant.
 */
export function retryDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.round(Math.min(maxMs, baseMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4));
}
