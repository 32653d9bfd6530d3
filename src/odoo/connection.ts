import { accessDenied, isOdooError, OdooError } from './errors.js';
import { OdooHttp } from './http.js';
import { odooConnectionOptionsSchema, type OdooConnectionHooks, type OdooConnectionOptions, type OdooConnectionSettings } from './options.js';
import { backoffDelay, CircuitBreaker, ConcurrencyLimit, raceAbort, sleep, type BreakerState, type CallOutcome } from './resilience.js';
import { createTransport, webSessionAuthenticate, type OdooService, type OdooTransport, type WireResult } from './transport.js';
import type { OdooConnection, OdooCredentials, OdooVersion } from './types.js';
import { OdooAccountClient } from './client.js';
import { SharedReads } from './shared-reads.js';
import { redactOdooDebug } from '../logging.js';

/** Methods that change nothing, so a transport failure may be retried without risk of doing a write twice. */
const IDEMPOTENT_METHODS = new Set([
  'version', 'authenticate', 'login', 'search', 'search_read', 'search_count', 'read', 'web_read', 'web_search_read',
  'fields_get', 'name_search', 'read_group', 'default_get', 'check_access_rights', 'name_get',
]);

export interface InvokeOptions {
  signal?: AbortSignal;
  sessionId?: string;
  model?: string;
  /** Allow retries on transport failure (reads only). */
  idempotent: boolean;
}

/** Per-login state shared by every client of the same account: uid, session, and whether the web login refused it. */
export interface AccountState {
  readonly login: string;
  secret: string;
  uid?: number;
  sessionId?: string;
  /** /web/session/authenticate said AccessDenied (an API key): use plain calls without cookie. */
  webLoginRefused: boolean;
  pendingLogin?: Promise<number>;
}

export class OdooConnectionImpl implements OdooConnection {
  readonly settings: OdooConnectionSettings;
  readonly transport: OdooTransport;
  private readonly http: OdooHttp;
  private readonly breaker: CircuitBreaker;
  private readonly limit: ConcurrencyLimit;
  readonly hooks: OdooConnectionHooks;
  private readonly accounts = new Map<string, AccountState>();
  /** Identical reads in flight share one call (see CallOptions.shareInFlight). */
  readonly sharedReads = new SharedReads();
  private versionPromise: Promise<OdooVersion> | undefined;
  private majorVersion: number | undefined;

  constructor(options: OdooConnectionOptions) {
    const { name, logger, onCall, ...settings } = options;
    this.settings = odooConnectionOptionsSchema.parse(settings);
    this.hooks = { name, logger, onCall };
    this.http = new OdooHttp(this.settings.url, this.settings.maxConcurrent);
    this.transport = createTransport(this.settings.protocol, this.http);
    this.breaker = new CircuitBreaker(this.settings.breaker.failureThreshold, this.settings.breaker.resetAfterMs);
    this.limit = new ConcurrencyLimit(this.settings.maxConcurrent);
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** Calls currently on the wire (for metrics). */
  get inFlight(): number {
    return this.limit.inFlight;
  }

  /** Calls waiting for a free slot under `maxConcurrent`. */
  get queued(): number {
    return this.limit.queued;
  }

  retryAfterSeconds(): number {
    return this.breaker.retryAfterSeconds();
  }

  as(credentials: OdooCredentials): OdooAccountClient {
    return new OdooAccountClient(this, this.account(credentials));
  }

  async authenticate(credentials: OdooCredentials, signal?: AbortSignal): Promise<number> {
    const uid = await this.invoke('common', 'authenticate', [this.settings.db, credentials.login, credentials.secret, {}], { signal, idempotent: true });
    if (typeof uid !== 'number' || uid <= 0) throw accessDenied();
    return uid;
  }

  /** `common.version()`, asked once per connection. */
  version(signal?: AbortSignal): Promise<OdooVersion> {
    if (!this.versionPromise) {
      const pending = this.invoke('common', 'version', [], { signal, idempotent: true }).then((value) => {
        const version = value as OdooVersion;
        this.noteVersionInfo(version.server_version_info);
        return version;
      });
      this.versionPromise = pending;
      pending.catch(() => {
        if (this.versionPromise === pending) this.versionPromise = undefined;
      });
    }
    return this.versionPromise;
  }

  /** Odoo 17 added `web_read` / `web_search_read`; older servers need batched reads. */
  async supportsWebRead(signal?: AbortSignal): Promise<boolean> {
    if (this.majorVersion === undefined) await this.version(signal);
    return (this.majorVersion ?? 0) >= 17;
  }

  /**
   * The account's uid, logging in once (single flight). With session cookies on, a password
   * login goes through /web/session/authenticate, which also yields the cookie and the server
   * version; an API key is refused there, so that account falls back to `common.authenticate`.
   */
  ensureLogin(account: AccountState, signal?: AbortSignal): Promise<number> {
    if (account.uid !== undefined) return Promise.resolve(account.uid);
    if (!account.pendingLogin) {
      // The shared login is bounded by timeoutMs, not by the first caller's signal: one caller
      // giving up must not fail the others waiting on the same login.
      const pending = this.login(account).finally(() => {
        if (account.pendingLogin === pending) account.pendingLogin = undefined;
      });
      account.pendingLogin = pending;
    }
    return raceAbort(account.pendingLogin, signal);
  }

  /** Forgets uid and session so the next call logs in again (after AccessDenied or an expired session). */
  forgetLogin(account: AccountState): void {
    account.uid = undefined;
    account.sessionId = undefined;
  }

  private async login(account: AccountState): Promise<number> {
    if (this.settings.sessionCookie && !account.webLoginRefused) {
      const session = await this.webLogin(account);
      if (session) return session;
    }
    const [uid] = await Promise.all([
      this.authenticate({ login: account.login, secret: account.secret }),
      this.majorVersion === undefined ? this.version() : undefined,
    ]);
    account.uid = uid;
    return uid;
  }

  private async webLogin(account: AccountState): Promise<number | undefined> {
    const started = performance.now();
    const admit = this.admit('/web/session/authenticate', undefined, started);
    try {
      const session = await this.limit.run(() =>
        webSessionAuthenticate(this.http, this.settings.db, account.login, account.secret, { timeoutMs: this.settings.timeoutMs }),
      );
      admit('success');
      this.report('/web/session/authenticate', undefined, started, 'ok');
      if (!session) {
        account.webLoginRefused = true;
        return undefined;
      }
      account.uid = session.uid;
      account.sessionId = session.sessionId;
      this.noteVersionInfo(session.serverVersionInfo);
      return session.uid;
    } catch (err) {
      admit(outcomeOf(err));
      this.report('/web/session/authenticate', undefined, started, kindOf(err));
      if (isOdooError(err) && err.kind === 'access_denied') {
        // Wrong password or an API key: only common.authenticate can tell, and accepts keys.
        account.webLoginRefused = true;
        return undefined;
      }
      throw err;
    }
  }

  /**
   * One RPC under the breaker and the concurrency bound, retried with backoff only when it is
   * idempotent and failed in transport (a create or write that timed out may have happened).
   */
  async invoke(service: OdooService, method: string, args: unknown[], options: InvokeOptions): Promise<unknown> {
    const result = await this.invokeRaw(service, method, args, options);
    return result.value;
  }

  async invokeRaw(service: OdooService, method: string, args: unknown[], options: InvokeOptions): Promise<WireResult> {
    if (options.idempotent) return this.invokeAttempts(service, method, args, options);
    try {
      return await this.invokeAttempts(service, method, args, options);
    } finally {
      this.sharedReads.noteWrite();
    }
  }

  private async invokeAttempts(service: OdooService, method: string, args: unknown[], options: InvokeOptions): Promise<WireResult> {
    const retries = options.idempotent ? this.settings.readRetries : 0;
    const label = service === 'object' ? (args[4] as string) : method;
    const timeoutMs = this.settings.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const admit = this.admit(label, options.model, started);
      // timeoutMs bounds the whole attempt, the wait for a free slot included: behind a hung
      // Odoo, queued calls (and retries, which queue again) would otherwise wait for many
      // timeouts in turn and the caller's answer would come far past the deadline.
      const deadline = AbortSignal.timeout(timeoutMs);
      const queueSignal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
      let sent = false;
      try {
        const result = await this.limit.run(() => {
          sent = true;
          const remainingMs = Math.max(1, Math.round(timeoutMs - (performance.now() - started)));
          return this.transport.call(service, method, args, { timeoutMs: remainingMs, deadline, signal: options.signal, sessionId: options.sessionId });
        }, queueSignal);
        admit('success');
        this.report(label, options.model, started, 'ok');
        return result;
      } catch (caught) {
        let err = caught;
        if (!sent && deadline.aborted && !options.signal?.aborted) {
          // Never sent: says nothing about Odoo's health (neutral for the breaker) and is not retried.
          err = new OdooError({ kind: 'timeout', message: `No Odoo connection became free within ${timeoutMs} ms`, cause: caught });
          admit('neutral');
          this.report(label, options.model, started, 'timeout');
          this.logFailure(err, label, options.model);
          throw err;
        }
        const outcome = outcomeOf(err);
        admit(outcome);
        this.report(label, options.model, started, kindOf(err));
        if (outcome !== 'failure' || attempt >= retries || options.signal?.aborted) {
          this.logFailure(err, label, options.model);
          throw err;
        }
        this.hooks.logger?.warn({ model: options.model, method: label, attempt: attempt + 1, kind: kindOf(err) }, 'odoo call failed in transport, retrying');
        await sleep(backoffDelay(attempt, this.settings.retryBaseDelayMs), options.signal);
      }
    }
  }

  isIdempotent(method: string): boolean {
    return IDEMPOTENT_METHODS.has(method);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private account(credentials: OdooCredentials): AccountState {
    const existing = this.accounts.get(credentials.login);
    if (existing && existing.secret === credentials.secret) return existing;
    const fresh: AccountState = { login: credentials.login, secret: credentials.secret, webLoginRefused: false };
    this.accounts.set(credentials.login, fresh);
    return fresh;
  }

  private noteVersionInfo(info: unknown[] | undefined): void {
    if (Array.isArray(info) && typeof info[0] === 'number') this.majorVersion = info[0];
  }

  /** Breaker admission; a fast failure while open is reported to `onCall` like any other outcome. */
  private admit(method: string, model: string | undefined, started: number): (outcome: CallOutcome) => void {
    try {
      return this.breaker.admit();
    } catch (err) {
      this.report(method, model, started, kindOf(err));
      throw err;
    }
  }

  private report(method: string, model: string | undefined, started: number, outcome: string): void {
    this.hooks.onCall?.({ model, method, durationMs: performance.now() - started, outcome });
  }

  private logFailure(err: unknown, method: string, model: string | undefined): void {
    const logger = this.hooks.logger;
    if (!logger || !isOdooError(err)) return;
    const debug = err.debug === undefined ? undefined : redactOdooDebug(err.debug);
    const entry = { model, method, kind: err.kind, odooClass: err.odooClass, httpStatus: err.httpStatus, debug };
    // Server and transport failures carry the gateway's own wording; a refusal carries Odoo's
    // business message, which quotes the caller's values (the caller gets it in the problem).
    if (err.kind === 'server_error' || err.isTransport) logger.error(entry, `odoo call failed: ${err.message}`);
    else logger.debug(entry, 'odoo refused the call');
  }
}


/** How a call's end counts for the breaker: transport failures open it, a caller's abort says nothing. */
function outcomeOf(err: unknown): 'success' | 'failure' | 'neutral' {
  if (err instanceof OdooError) return err.isTransport ? 'failure' : 'success';
  return 'neutral';
}

function kindOf(err: unknown): string {
  return err instanceof OdooError ? err.kind : 'aborted';
}
