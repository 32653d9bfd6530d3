import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ROLE_GET, ROLE_POST, type Role } from '../../config/auth.js';
import { isOdooError, type OdooError } from '../../odoo/errors.js';
import type { OdooConnection, OdooCredentials } from '../../odoo/types.js';
import { odooRetryAfter } from '../odoo-errors.js';
import type { Principal } from '../principal.js';
import { HttpProblem } from '../problem.js';
import { REALM } from './problems.js';
import type { Authenticator } from './types.js';

/** The groups OpenG2P's `g2p_registry_rest_api` declares (and never checks): the gateway does. */
export const REST_API_GROUPS: Record<Role, string> = {
  [ROLE_GET]: 'g2p_registry_rest_api.group_g2p_rest_api_get',
  [ROLE_POST]: 'g2p_registry_rest_api.group_g2p_rest_api_post',
};

export interface BasicAuthOptions {
  /** How long a verified login/password is trusted without asking Odoo again. */
  cacheTtlMs: number;
  /** How long the caller's group membership is reused. */
  rolesCacheTtlMs: number;
  /** Whether "Rest API POST" also grants reading (`auth.postImpliesGet`). */
  postImpliesGet: boolean;
  /** Most credentials remembered at once; the oldest are forgotten first. */
  maxEntries?: number;
  now?: () => number;
  /** Runs before each Odoo login check (never for a remembered one): throws to refuse it (the failed-authentication budget). */
  beforeOdooCheck?: (request: FastifyRequest, identity: string) => Promise<void>;
  /** The field scopes an Odoo login holds (none: every field). */
  fieldScopesOf?: (login: string) => string[];
}

/** The identity a Basic guess is counted against in the failed-authentication budget. */
export const basicIdentity = (login: string): string => `odoo-login:${login.toLowerCase()}`;

interface Verified {
  expiresAt: number;
}

interface Roles {
  roles: ReadonlySet<Role>;
  expiresAt: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

/** 401 for Basic credentials Odoo refused (or that do not parse): the challenge says Basic. */
export function basicRefused(reason: string): HttpProblem {
  return new HttpProblem({
    status: 401,
    detail: `The Odoo login and password were refused: ${reason}.`,
    headers: { 'www-authenticate': `Basic realm="${REALM}", charset="UTF-8"` },
  });
}

function odooUnreachable(err: OdooError): HttpProblem {
  return new HttpProblem({
    status: 503,
    detail: 'The registry cannot be reached to check the Odoo login; retry later.',
    headers: { 'retry-after': odooRetryAfter(err) },
  });
}

/** `Basic base64(login:password)` (RFC 7617): the password may hold colons, the login may not. */
export function parseBasicCredentials(credentials: string): OdooCredentials | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credentials)) return undefined;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { login: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * HTTP Basic with an Odoo login and password or API key, as OpenG2P's REST module takes it.
 * Odoo hashes passwords slowly (~650 ms a check on the recorded server), so a successful check
 * is remembered for `cacheTtlMs`, keyed by an HMAC of the credentials under a random
 * per-process key: neither the password nor an offline-guessable hash of it is ever kept.
 * Roles are the caller's membership of OpenG2P's Rest API GET/POST groups, read from Odoo as
 * the caller and cached for `rolesCacheTtlMs`; the caller then acts in Odoo as itself.
 */
export function createBasicAuthenticator(odoo: OdooConnection, options: BasicAuthOptions): Authenticator {
  const salt = randomBytes(32);
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const verified = new Map<string, Verified>();
  const roles = new Map<string, Roles>();
  const pending = new Map<string, Promise<Principal>>();

  const keyOf = (c: OdooCredentials) => createHmac('sha256', salt).update(c.login).update('\u0000').update(c.secret).digest('base64url');

  function remember<T extends { expiresAt: number }>(map: Map<string, T>, key: string, value: T): void {
    map.delete(key);
    if (map.size >= maxEntries) map.delete(map.keys().next().value!);
    map.set(key, value);
  }

  function fresh<T extends { expiresAt: number }>(map: Map<string, T>, key: string): T | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt > now()) return entry;
    if (entry) map.delete(key);
    return undefined;
  }

  async function verify(request: FastifyRequest, key: string, credentials: OdooCredentials): Promise<void> {
    if (fresh(verified, key)) return;
    await options.beforeOdooCheck?.(request, basicIdentity(credentials.login));
    try {
      await odoo.authenticate(credentials);
    } catch (err) {
      throw problemFor(err);
    }
    remember(verified, key, { expiresAt: now() + options.cacheTtlMs });
  }

  async function rolesOf(key: string, credentials: OdooCredentials): Promise<ReadonlySet<Role>> {
    const cached = fresh(roles, key);
    if (cached) return cached.roles;
    const client = odoo.as(credentials);
    // Odoo 17's has_group is an @api.model method: the xml id alone, answered for the caller.
    const inGroup = (role: Role) => client.executeKw<boolean>('res.users', 'has_group', [REST_API_GROUPS[role]]);
    let member: boolean[];
    try {
      member = await Promise.all([inGroup(ROLE_GET), inGroup(ROLE_POST)]);
    } catch (err) {
      throw problemFor(err);
    }
    const set = new Set<Role>();
    if (member[0] === true || (options.postImpliesGet && member[1] === true)) set.add(ROLE_GET);
    if (member[1] === true) set.add(ROLE_POST);
    remember(roles, key, { roles: set, expiresAt: now() + options.rolesCacheTtlMs });
    return set;
  }

  async function authenticate(request: FastifyRequest, key: string, credentials: OdooCredentials): Promise<Principal> {
    await verify(request, key, credentials);
    const granted = await rolesOf(key, credentials);
    return principalOf(credentials, granted);
  }

  function principalOf(credentials: OdooCredentials, granted: ReadonlySet<Role>): Principal {
    const fieldScopes = options.fieldScopesOf?.(credentials.login) ?? [];
    return { sub: credentials.login, roles: granted, via: 'basic', odooCredentials: credentials, ...(fieldScopes.length > 0 ? { fieldScopes } : {}) };
  }

  return {
    scheme: 'Basic',
    identityOf(raw) {
      const credentials = parseBasicCredentials(raw);
      return credentials ? basicIdentity(credentials.login) : undefined;
    },
    known(raw) {
      const credentials = parseBasicCredentials(raw);
      if (!credentials) return undefined;
      const key = keyOf(credentials);
      const granted = fresh(verified, key) && fresh(roles, key);
      return granted ? principalOf(credentials, granted.roles) : undefined;
    },
    async authenticate(request, raw) {
      const credentials = parseBasicCredentials(raw);
      if (!credentials) throw basicRefused('the credentials are not base64 of "login:password"');
      const key = keyOf(credentials);
      // Concurrent first calls with the same credentials share one Odoo check.
      let running = pending.get(key);
      if (!running) {
        running = authenticate(request, key, credentials).finally(() => pending.delete(key));
        pending.set(key, running);
      }
      return running;
    },
  };
}

/** Odoo's answer to a check, as the caller should see it: refused (401) or not checkable now (503). */
function problemFor(err: unknown): HttpProblem {
  if (isOdooError(err)) {
    if (err.kind === 'access_denied') return basicRefused('wrong login or password');
    if (err.isTransport) return odooUnreachable(err);
  }
  return new HttpProblem({ status: 502, detail: 'The registry failed to check the Odoo login.' });
}
