import type { InvokeOptions } from './call-pipeline.js';
import { publishOdooCall } from './diagnostics.js';
import { isOdooError } from './errors.js';
import type { BreakerState } from './resilience.js';
import type { OdooService, WireResult } from './rpc-protocols.js';
import type { SharedReads } from './shared-reads.js';
import type { CallOptions, OdooClient, OdooDomain, OdooRecord, OdooVersion, SearchOptions, WebSpecification } from './types.js';

/** One account's login as a client uses it (kept by sessions.ts, shared by the account's clients). */
export interface AccountSession {
  readonly login: string;
  readonly secret: string;
  /** The session cookie to send with a call, if there is one. */
  readonly sessionId: string | undefined;
  /** The account's uid, logging in first if needed. */
  uid(signal?: AbortSignal): Promise<number>;
  renewSession(sessionId: string): void;
  /** Forgets uid and session so the next call logs in again. */
  forget(): void;
}

/** How a client's calls reach Odoo (call-pipeline.ts): breaker, bound and retries included. */
export interface CallSender {
  readonly breakerState: BreakerState;
  call(service: OdooService, method: string, args: unknown[], options: InvokeOptions): Promise<WireResult>;
}

/** What a client asks about the server (server-version.ts). */
export interface ServerFacts {
  get(signal?: AbortSignal): Promise<OdooVersion>;
  supportsWebRead(signal?: AbortSignal): Promise<boolean>;
}

/** What the clients of one connection share. */
export interface ClientContext {
  /** The connection's `name`, for the diagnostics channel. */
  name: string | undefined;
  db: string;
  calls: CallSender;
  server: ServerFacts;
  /** Identical reads in flight share one call (see CallOptions.shareInFlight). */
  sharedReads: Pick<SharedReads, 'run' | 'noteWrite'>;
}

/** Methods that change nothing, so a transport failure may be retried without risk of doing a write twice. */
const IDEMPOTENT_METHODS = new Set([
  'version',
  'authenticate',
  'login',
  'search',
  'search_read',
  'search_count',
  'read',
  'web_read',
  'web_search_read',
  'fields_get',
  'name_search',
  'read_group',
  'default_get',
  'check_access_rights',
  'name_get',
]);

/** One Odoo account's typed view of `execute_kw`. Undefined options are left out of the call. */
export class OdooAccountClient implements OdooClient {
  constructor(
    private readonly context: ClientContext,
    private readonly session: AccountSession,
  ) {}

  get login(): string {
    return this.session.login;
  }

  uid(signal?: AbortSignal): Promise<number> {
    return this.session.uid(signal);
  }

  version(signal?: AbortSignal): Promise<OdooVersion> {
    return this.context.server.get(signal);
  }

  /** True on Odoo 17+, where `webRead` / `webSearchRead` exist; otherwise use batched `read`s. */
  async supportsWebRead(signal?: AbortSignal): Promise<boolean> {
    await this.uid(signal);
    return this.context.server.supportsWebRead(signal);
  }

  /**
   * `execute_kw` as this account. The session cookie rides along when there is one. On an
   * expired session (only possible where the cookie is the authentication, i.e. call_kw) it
   * logs in again once and repeats the call: Odoo refused it before running anything. On
   * AccessDenied the cached login is dropped so a rotated password is picked up next time.
   */
  async executeKw<T = unknown>(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}, opts: CallOptions = {}): Promise<T> {
    const callKwargs = opts.context ? { ...kwargs, context: { ...(kwargs.context as object | undefined), ...opts.context } } : kwargs;
    const idempotent = IDEMPOTENT_METHODS.has(method);
    // Only while Odoo is healthy: a half-open breaker lets exactly one probe through, and the
    // requests it turns away must not ride on that probe.
    if (opts.shareInFlight && idempotent && this.context.calls.breakerState === 'closed') {
      const key = JSON.stringify([model, method, args, callKwargs]);
      return this.context.sharedReads.run(this.session, key, opts.signal, (signal) => this.send<T>(model, method, args, callKwargs, idempotent, signal));
    }
    return this.send<T>(model, method, args, callKwargs, idempotent, opts.signal);
  }

  private async send<T>(
    model: string,
    method: string,
    args: unknown[],
    callKwargs: Record<string, unknown>,
    idempotent: boolean,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    publishOdooCall(() => ({ connection: this.context.name, model, method, args, kwargs: callKwargs }));
    for (let relogin = 0; ; relogin++) {
      const uid = await this.session.uid(signal);
      const sessionId = this.session.sessionId;
      try {
        const result = await this.callOnce([this.context.db, uid, this.session.secret, model, method, args, callKwargs], {
          signal,
          sessionId,
          model,
          idempotent,
        });
        if (sessionId && result.newSessionId) this.session.renewSession(result.newSessionId);
        return result.value as T;
      } catch (err) {
        if (isOdooError(err) && err.kind === 'session_expired' && relogin === 0) {
          this.session.forget();
          continue;
        }
        if (isOdooError(err) && err.kind === 'access_denied') this.session.forget();
        throw err;
      }
    }
  }

  /** A write ends the sharing of reads started before it, whatever its outcome (it may have happened). */
  private async callOnce(executeKwArgs: unknown[], options: InvokeOptions): Promise<WireResult> {
    if (options.idempotent) return this.context.calls.call('object', 'execute_kw', executeKwArgs, options);
    try {
      return await this.context.calls.call('object', 'execute_kw', executeKwArgs, options);
    } finally {
      this.context.sharedReads.noteWrite();
    }
  }

  search(model: string, domain: OdooDomain, opts: SearchOptions = {}): Promise<number[]> {
    return this.executeKw(model, 'search', [domain], paging(opts), opts);
  }

  searchCount(model: string, domain: OdooDomain, opts: CallOptions = {}): Promise<number> {
    return this.executeKw(model, 'search_count', [domain], {}, opts);
  }

  searchRead<T extends OdooRecord = OdooRecord>(model: string, domain: OdooDomain, fields: string[], opts: SearchOptions = {}): Promise<T[]> {
    return this.executeKw(model, 'search_read', [domain], { fields, ...paging(opts) }, opts);
  }

  read<T extends OdooRecord = OdooRecord>(model: string, ids: number[], fields: string[], opts: CallOptions = {}): Promise<T[]> {
    return this.executeKw(model, 'read', [ids], { fields }, opts);
  }

  webRead<T extends OdooRecord = OdooRecord>(model: string, ids: number[], specification: WebSpecification, opts: CallOptions = {}): Promise<T[]> {
    return this.executeKw(model, 'web_read', [ids], { specification }, opts);
  }

  webSearchRead<T extends OdooRecord = OdooRecord>(
    model: string,
    domain: OdooDomain,
    specification: WebSpecification,
    opts: SearchOptions = {},
  ): Promise<{ length: number; records: T[] }> {
    return this.executeKw(model, 'web_search_read', [], { domain, specification, ...paging(opts), ...definedOnly({ count_limit: opts.countLimit }) }, opts);
  }

  create(model: string, values: Record<string, unknown>, opts: CallOptions = {}): Promise<number> {
    return this.executeKw(model, 'create', [values], {}, opts);
  }

  /** One `create` with a list of values: one transaction, all or nothing. */
  createMany(model: string, values: Record<string, unknown>[], opts: CallOptions = {}): Promise<number[]> {
    return this.executeKw(model, 'create', [values], {}, opts);
  }

  write(model: string, ids: number[], values: Record<string, unknown>, opts: CallOptions = {}): Promise<true> {
    return this.executeKw(model, 'write', [ids, values], {}, opts);
  }

  unlink(model: string, ids: number[], opts: CallOptions = {}): Promise<true> {
    return this.executeKw(model, 'unlink', [ids], {}, opts);
  }

  fieldsGet(model: string, attributes?: string[], opts: CallOptions = {}): Promise<Record<string, Record<string, unknown>>> {
    return this.executeKw(model, 'fields_get', [], attributes ? { attributes } : {}, opts);
  }

  nameSearch(model: string, name: string, opts: SearchOptions & { domain?: OdooDomain; operator?: string } = {}): Promise<Array<[number, string]>> {
    return this.executeKw(model, 'name_search', [name], definedOnly({ args: opts.domain, operator: opts.operator, limit: opts.limit }), opts);
  }

  readGroup(
    model: string,
    domain: OdooDomain,
    fields: string[],
    groupby: string[],
    opts: SearchOptions & { lazy?: boolean } = {},
  ): Promise<Array<Record<string, unknown>>> {
    const kwargs = definedOnly({ offset: opts.offset, limit: opts.limit, orderby: opts.order, lazy: opts.lazy });
    return this.executeKw(model, 'read_group', [domain, fields, groupby], kwargs, opts);
  }
}

function paging(opts: SearchOptions): Record<string, unknown> {
  return definedOnly({ offset: opts.offset, limit: opts.limit, order: opts.order });
}

function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}
