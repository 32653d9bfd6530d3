/**
 * The surface the rest of the gateway sees of Odoo. Knows the wire's vocabulary (models,
 * methods, domains, contexts) and nothing about registrants.
 */

/** An Odoo domain in prefix notation: terms `[field, operator, value]` and the operators '&', '|', '!'. */
export type OdooDomain = ReadonlyArray<string | readonly [string, string, unknown]>;

export interface OdooContext {
  lang?: string;
  tz?: string;
  active_test?: boolean;
  [key: string]: unknown;
}

/** Login and password or API key of one Odoo account the gateway acts as. */
export interface OdooCredentials {
  login: string;
  secret: string;
}

export interface CallOptions {
  context?: OdooContext;
  signal?: AbortSignal;
  /**
   * A read (idempotent method) that may share the Odoo call of an identical one already in
   * flight for the same account, started after the connection's last write finished, while
   * the circuit breaker is closed. Each caller gets its own copy of the answer.
   */
  shareInFlight?: boolean;
}

export interface SearchOptions extends CallOptions {
  offset?: number;
  limit?: number;
  order?: string;
  /** `web_search_read` only: count at most this many matches for `length` (Odoo's `count_limit`). */
  countLimit?: number;
}

/** Odoo 17 `web_read` / `web_search_read` field specification: `{field: {fields: {...}, limit, order, context}}`. */
export type WebSpecification = Record<string, { fields?: WebSpecification; limit?: number; order?: string; context?: OdooContext } | Record<string, never>>;

export interface OdooVersion {
  server_version: string;
  server_version_info: unknown[];
  server_serie: string;
  protocol_version: number;
}

export type OdooRecord = Record<string, unknown> & { id: number };

/** One Odoo account's view of the server: every call authenticates as that account. */
export interface OdooClient {
  readonly login: string;
  /** uid of the account (authenticates on first use, then cached). */
  uid(signal?: AbortSignal): Promise<number>;
  version(signal?: AbortSignal): Promise<OdooVersion>;
  /** True when the server has Odoo 17's `web_read` / `web_search_read` (else fall back to batched `read`s). */
  supportsWebRead(signal?: AbortSignal): Promise<boolean>;
  executeKw<T = unknown>(model: string, method: string, args: unknown[], kwargs?: Record<string, unknown>, opts?: CallOptions): Promise<T>;
  search(model: string, domain: OdooDomain, opts?: SearchOptions): Promise<number[]>;
  searchCount(model: string, domain: OdooDomain, opts?: CallOptions): Promise<number>;
  searchRead<T extends OdooRecord = OdooRecord>(model: string, domain: OdooDomain, fields: string[], opts?: SearchOptions): Promise<T[]>;
  read<T extends OdooRecord = OdooRecord>(model: string, ids: number[], fields: string[], opts?: CallOptions): Promise<T[]>;
  webRead<T extends OdooRecord = OdooRecord>(model: string, ids: number[], specification: WebSpecification, opts?: CallOptions): Promise<T[]>;
  webSearchRead<T extends OdooRecord = OdooRecord>(
    model: string,
    domain: OdooDomain,
    specification: WebSpecification,
    opts?: SearchOptions,
  ): Promise<{ length: number; records: T[] }>;
  create(model: string, values: Record<string, unknown>, opts?: CallOptions): Promise<number>;
  createMany(model: string, values: Record<string, unknown>[], opts?: CallOptions): Promise<number[]>;
  write(model: string, ids: number[], values: Record<string, unknown>, opts?: CallOptions): Promise<true>;
  unlink(model: string, ids: number[], opts?: CallOptions): Promise<true>;
  fieldsGet(model: string, attributes?: string[], opts?: CallOptions): Promise<Record<string, Record<string, unknown>>>;
  nameSearch(model: string, name: string, opts?: SearchOptions & { domain?: OdooDomain; operator?: string }): Promise<Array<[number, string]>>;
  readGroup(
    model: string,
    domain: OdooDomain,
    fields: string[],
    groupby: string[],
    opts?: SearchOptions & { lazy?: boolean },
  ): Promise<Array<Record<string, unknown>>>;
}

/** A configured Odoo server: shared transport, pool, breaker and limits; hands out per-account clients. */
export interface OdooConnection {
  /** A client acting as the given account. Clients for the same login share their cached uid and session. */
  as(credentials: OdooCredentials): OdooClient;
  /** Checks a login and password/API key against Odoo; resolves to the uid, or rejects with AccessDeniedError. */
  authenticate(credentials: OdooCredentials, signal?: AbortSignal): Promise<number>;
  readonly breakerState: 'closed' | 'open' | 'half-open';
  /** Calls to Odoo on the wire right now (for metrics). */
  readonly inFlight: number;
  /** Calls waiting for a free slot under `maxConcurrent`. */
  readonly queued: number;
  /** Closes the HTTP connection (the given one too, when `http` was passed). */
  close(): Promise<void>;
}
