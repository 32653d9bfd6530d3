import { randomBytes } from 'node:crypto';

/** Odoo's default session lifetime (Max-Age of the session_id cookie): 7 days. */
export const DEFAULT_SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

export interface SimSession {
  id: string;
  db: string;
  /** null for the anonymous session Odoo hands out after /web/session/destroy. */
  uid: number | null;
  login: string | null;
  expiresAt: number;
}

/**
 * The server-side session store behind the `session_id` cookie. A session slides: each use
 * pushes its expiry forward by the TTL, as Odoo's file store does with the file's mtime.
 */
export class SessionStore {
  private readonly sessions = new Map<string, SimSession>();

  constructor(private readonly ttlMs: number = DEFAULT_SESSION_TTL_MS) {}

  create(db: string, uid: number | null, login: string | null): SimSession {
    // 40 URL-safe characters, the length of the real server's session ids.
    const id = randomBytes(30).toString('base64url');
    const session: SimSession = { id, db, uid, login, expiresAt: Date.now() + this.ttlMs };
    this.sessions.set(id, session);
    return session;
  }

  /** The live session for a cookie value, or undefined when unknown or expired. */
  get(id: string | undefined): SimSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    session.expiresAt = Date.now() + this.ttlMs;
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  /** Makes every existing session expired (control API: tests of re-authentication). */
  expireAll(): void {
    this.sessions.clear();
  }

  /** The Set-Cookie value Odoo sends: Expires one year ahead, Max-Age 7 days. */
  cookie(session: SimSession): string {
    const expires = new Date(Date.now() + ONE_YEAR_MS).toUTCString();
    return `session_id=${session.id}; Expires=${expires}; Max-Age=${Math.round(DEFAULT_SESSION_TTL_MS / 1000)}; HttpOnly; Path=/`;
  }

  /** The cookie Odoo clears on logout (company selection). */
  static clearCidsCookie(): string {
    const expires = new Date(Date.now() + ONE_YEAR_MS).toUTCString();
    return `cids=; Expires=${expires}; Max-Age=0; Path=/`;
  }
}

/** The session_id value of a Cookie header. */
export function sessionIdFromCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === 'session_id') return part.slice(eq + 1).trim();
  }
  return undefined;
}
