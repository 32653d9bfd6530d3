import type { CallPipeline } from './call-pipeline.js';
import type { OdooVersion } from './types.js';

/**
 * The server's version: `common.version()`, asked at most once per connection, or learned for
 * free from a web login's answer. Decides what the ORM offers (Odoo 17's `web_read`).
 */
export class ServerVersion {
  private pending: Promise<OdooVersion> | undefined;
  private major: number | undefined;

  constructor(private readonly pipeline: Pick<CallPipeline, 'invoke'>) {}

  /** Whether the major version is known yet (from `get` or `note`). */
  get known(): boolean {
    return this.major !== undefined;
  }

  get(signal?: AbortSignal): Promise<OdooVersion> {
    if (!this.pending) {
      const pending = this.pipeline.invoke('common', 'version', [], { signal, idempotent: true }).then((value) => {
        const version = value as OdooVersion;
        this.note(version.server_version_info);
        return version;
      });
      this.pending = pending;
      pending.catch(() => {
        if (this.pending === pending) this.pending = undefined;
      });
    }
    return this.pending;
  }

  /** Records `server_version_info` seen elsewhere (a web login's answer). */
  note(info: unknown[] | undefined): void {
    if (Array.isArray(info) && typeof info[0] === 'number') this.major = info[0];
  }

  /** Odoo 17 added `web_read` / `web_search_read`; older servers need batched reads. */
  async supportsWebRead(signal?: AbortSignal): Promise<boolean> {
    if (this.major === undefined) await this.get(signal);
    return (this.major ?? 0) >= 17;
  }
}
