import type { CallPipeline } from './call-pipeline.js';
import { accessDenied, isOdooError } from './errors.js';
import type { HttpConnection } from './http-connection.js';
import { raceAbort } from './resilience.js';
import { webSessionAuthenticate } from './rpc-protocols.js';
import type { ServerVersion } from './server-version.js';
import type { OdooConnectionSettings } from './settings.js';
import type { OdooCredentials } from './types.js';

export type SessionSettings = Pick<OdooConnectionSettings, 'db' | 'sessionCookie' | 'timeoutMs'>;

/**
 * The logins of the accounts a connection acts as: one uid (and web session) per account,
 * logged in once and shared by every client of that account. With session cookies on, a
 * password login goes through /web/session/authenticate, which also yields the cookie and the
 * server version; an API key is refused there, so that account falls back to
 * `common.authenticate`.
 */
export class OdooSessions {
  private readonly accounts = new Map<string, AccountLogin>();

  constructor(
    private readonly settings: SessionSettings,
    private readonly http: HttpConnection,
    private readonly pipeline: Pick<CallPipeline, 'invoke' | 'once'>,
    private readonly version: ServerVersion,
  ) {}

  /** The account's login; the same one for every client with this login and secret. */
  account(credentials: OdooCredentials): AccountLogin {
    const existing = this.accounts.get(credentials.login);
    if (existing && existing.secret === credentials.secret) return existing;
    const fresh = new AccountLogin(credentials.login, credentials.secret, this);
    this.accounts.set(credentials.login, fresh);
    return fresh;
  }

  /** Checks a login and password or API key with `common.authenticate`: the uid, or AccessDenied. */
  async authenticate(credentials: OdooCredentials, signal?: AbortSignal): Promise<number> {
    const uid = await this.pipeline.invoke('common', 'authenticate', [this.settings.db, credentials.login, credentials.secret, {}], {
      signal,
      idempotent: true,
    });
    if (typeof uid !== 'number' || uid <= 0) throw accessDenied();
    return uid;
  }

  get sendsCookie(): boolean {
    return this.settings.sessionCookie;
  }

  /** Logs the account in (its uid), noting its web session and the server version on the way. */
  async logIn(account: AccountLogin): Promise<number> {
    if (this.settings.sessionCookie && !account.webLoginRefused) {
      const uid = await this.webLogin(account);
      if (uid) return uid;
    }
    const [uid] = await Promise.all([this.authenticate({ login: account.login, secret: account.secret }), this.version.known ? undefined : this.version.get()]);
    account.knownUid = uid;
    return uid;
  }

  private async webLogin(account: AccountLogin): Promise<number | undefined> {
    let session;
    try {
      session = await this.pipeline.once('/web/session/authenticate', () =>
        webSessionAuthenticate(this.http, this.settings.db, account.login, account.secret, { timeoutMs: this.settings.timeoutMs }),
      );
    } catch (err) {
      if (isOdooError(err) && err.kind === 'access_denied') {
        // Wrong password or an API key: only common.authenticate can tell, and accepts keys.
        account.webLoginRefused = true;
        return undefined;
      }
      throw err;
    }
    if (!session) {
      account.webLoginRefused = true;
      return undefined;
    }
    account.knownUid = session.uid;
    account.cookie = session.sessionId;
    this.version.note(session.serverVersionInfo);
    return session.uid;
  }
}

/** One account's login state: uid, web session, and whether the web login refused it. */
export class AccountLogin {
  knownUid: number | undefined;
  cookie: string | undefined;
  /** /web/session/authenticate said AccessDenied (an API key): use plain calls without cookie. */
  webLoginRefused = false;
  private pendingLogin: Promise<number> | undefined;

  constructor(
    readonly login: string,
    readonly secret: string,
    private readonly sessions: OdooSessions,
  ) {}

  /** The session cookie to send with a call, when cookies are on and the account has a web session. */
  get sessionId(): string | undefined {
    return this.sessions.sendsCookie ? this.cookie : undefined;
  }

  /** The account's uid, logging in once (single flight). */
  uid(signal?: AbortSignal): Promise<number> {
    if (this.knownUid !== undefined) return Promise.resolve(this.knownUid);
    if (!this.pendingLogin) {
      // The shared login is bounded by timeoutMs, not by the first caller's signal: one caller
      // giving up must not fail the others waiting on the same login.
      const pending = this.sessions.logIn(this).finally(() => {
        if (this.pendingLogin === pending) this.pendingLogin = undefined;
      });
      this.pendingLogin = pending;
    }
    return raceAbort(this.pendingLogin, signal);
  }

  /** Odoo set a new session id on a reply (it rotates sessions on some routes). */
  renewSession(sessionId: string): void {
    this.cookie = sessionId;
  }

  /** Forgets uid and session so the next call logs in again (after AccessDenied or an expired session). */
  forget(): void {
    this.knownUid = undefined;
    this.cookie = undefined;
  }
}
