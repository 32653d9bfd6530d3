import { createHash } from 'node:crypto';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isOdooError } from '../../odoo/errors.js';
import { DEFAULT_ODOO_TIMEOUT_MS } from '../../odoo/settings.js';
import type { IdempotencyStore, StoredResponse, Versioned } from '../../registry/index.js';
import { isRegistryError, RegistryError } from '../../registry/index.js';
import type { CachedRead } from '../../registry/record-cache.js';
import { HttpProblem } from '../problem.js';

/** An Odoo record id in a path: a positive PostgreSQL integer. */
const recordId = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31 - 1);
export const idParam = z.object({ id: recordId }).strict();
export const memberParams = z.object({ id: recordId, membership_id: recordId }).strict();

/** Query booleans arrive as text. */
export const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

export const limitQuery = z.coerce
  .number()
  .int()
  .min(1)
  .optional()
  .describe('Page size, at most api.maxPageSize (default 500); a larger one is refused with 400');
/** Sparse fieldsets: `?fields=name,phone_numbers.phone_no` (the record's `id` always comes along). */
export const fieldsQuery = z
  .string()
  .min(1)
  .max(2000)
  .optional()
  .describe(
    'Sparse fieldset: comma-separated fields to answer with (`name,phone_numbers.phone_no`; a nested list by `list.field`); `id` always comes along. ' +
      'Only these fields are read from the registry. A field that does not exist, or that your field scope does not show, is refused with 400 naming it.',
  );
export const fieldsOnlyQuery = z.object({ fields: fieldsQuery }).strict();

export const cursorQuery = z.string().min(1).max(8192).optional().describe('next_cursor of the previous page');

export const conditionalHeaders = z.object({ 'if-match': z.string().max(2000).optional() });
export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .describe('Makes the create safe to retry: a retry returns the first result'),
});

export const etagOf = (version: string): string => `"${version}"`;

/** The versions an If-Match header lists, for the registry's locked writes. */
export function ifMatchOf(request: FastifyRequest): string[] | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  // RFC 9110 13.1.1: If-Match compares strongly, and a weak entity tag never matches.
  const strong = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part && !part.startsWith('W/'));
  if (strong.length === 0) {
    throw new HttpProblem({
      status: 412,
      detail: 'If-Match compares entity tags strongly (RFC 9110): a weak tag W/"..." never matches. Send the ETag exactly as the gateway gave it.',
    });
  }
  return ifMatchVersions(strong.join(','));
}

/** A record just read or written: its id audited, its version as the ETag, the record as the body. */
export function answerVersioned<T extends { id: number }>(
  request: FastifyRequest,
  reply: FastifyReply,
  { value, version }: Versioned<T>,
  auditIds = [value.id],
): T {
  request.auditIds = auditIds;
  reply.header('etag', etagOf(version));
  return value;
}

/** Cache-Control: no-cache (or the older Pragma: no-cache) on a read: the caller wants it from Odoo, not from the record cache. */
export function wantsOdoo(request: FastifyRequest): boolean {
  const directives = `${request.headers['cache-control'] ?? ''},${request.headers.pragma ?? ''}`.toLowerCase();
  return directives.split(',').some((d) => /^(no-cache|max-age=0)$/.test(d.trim()));
}

/**
 * A single read that may come from the record cache: `answerVersioned`, plus `Cache-Status`
 * (RFC 9211) saying whether it was a hit, or why Odoo was asked, and on a hit `Age` (RFC 9111).
 */
export function answerCached<T extends { id: number }>(request: FastifyRequest, reply: FastifyReply, found: CachedRead<T>, auditIds = [found.value.id]): T {
  const { cache } = found;
  if (cache?.kind === 'hit') {
    reply.header('cache-status', `g2p-gateway; hit; ttl=${Math.floor(cache.ttlMs / 1000)}`);
    reply.header('age', String(Math.floor(cache.ageMs / 1000)));
  } else if (cache) {
    reply.header('cache-status', `g2p-gateway; fwd=${cache.fwd}${cache.stored ? '; stored' : ''}`);
  }
  return answerVersioned(request, reply, found, auditIds);
}

/** 204 after an archive or an end: nothing to send but the ids touched, for the audit line. */
export function answerNoContent(request: FastifyRequest, reply: FastifyReply, auditIds: number[]): FastifyReply {
  request.auditIds = auditIds;
  return reply.code(204).send(null);
}

/** The 201 answer to a create (kept as is for an idempotent retry): the record, its ETag and Location. */
export function createdResponse(
  request: FastifyRequest,
  { value, version }: Versioned<{ id: number }>,
  location: string,
  auditIds = [value.id],
): StoredResponse {
  request.auditIds = auditIds;
  return { status: 201, body: value, headers: { etag: etagOf(version), location } };
}

export const NOT_MODIFIED_NOTE =
  'With `If-None-Match: <ETag>` the answer is 304 Not Modified, without a body, when the record is unchanged (one Odoo call, or none when the record cache holds a current copy). ' +
  'With the record cache on, `Cache-Status` tells a hit from a read from Odoo, `Age` the age of a hit, and `Cache-Control: no-cache` reads from Odoo.';

/**
 * If-None-Match on a single read (RFC 9110 13.1.2, weak comparison): true when it names the
 * current version or is `*`, i.e. the caller's copy is current and 304 answers. The version is
 * that of the representation just read, so the answer is as fresh as a 200 would have been.
 */
export function isNotModified(header: string | undefined, version: string): boolean {
  const versions = ifMatchVersions(header);
  return versions !== undefined && (versions.includes('*') || versions.includes(version));
}

/** 304 Not Modified: the ETag header set, no body. */
export function notModified(reply: FastifyReply): FastifyReply {
  return reply.code(304).send();
}

/** If-Match as a list of versions (`*` kept as is); weak validators compare by their opaque part. */
export function ifMatchVersions(header: string | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  return header
    .split(',')
    .map((part) =>
      part
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1'),
    )
    .filter(Boolean);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** How long a retry waits for the first request with its key before answering 409. */
const IN_FLIGHT_WAIT_MS = 10_000;

export interface IdempotentCreate {
  /** Runs the create; `marker` (when a key was sent) must be stored on what it creates. */
  run(marker: string | undefined): Promise<StoredResponse>;
  /** After an unknown outcome: the response for what the first attempt created, or undefined if it created nothing. */
  recover(marker: string): Promise<StoredResponse | undefined>;
  /**
   * Default true: `recover` finds only what a create carrying this key's marker made, so it is
   * also asked before the first attempt (restart, other instance). False when it matches by a
   * natural key and could find what someone else made: then it is asked only after an unknown outcome.
   */
  recoversOnlyOwnCreates?: boolean;
}

/**
 * POST with Idempotency-Key. The key is scoped to the caller and the route; the marker derived
 * from it is what the create leaves in Odoo (`res.partner.ref`), so an outcome lost to a
 * transport failure, a restart or another gateway instance is looked up before creating, instead
 * of creating a second registrant.
 */
export async function idempotentCreate(request: FastifyRequest, reply: FastifyReply, store: IdempotencyStore, create: IdempotentCreate): Promise<FastifyReply> {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') return send(reply, await create.run(undefined), false);
  const scope = `${request.principal?.sub ?? '-'}\u0000${request.method}\u0000${request.routeOptions.url}\u0000${JSON.stringify(request.params)}\u0000${key}`;
  const storeKey = sha(scope);
  const marker = `g2p-gateway:idem:${storeKey.slice(0, 40)}`;
  const fingerprint = sha(stableJson(request.body));

  for (let attempt = 0; ; attempt++) {
    const begun = await store.begin(storeKey, fingerprint);
    switch (begun.outcome) {
      case 'mismatch':
        throw new RegistryError('idempotency_mismatch', 'This Idempotency-Key was already used with a different request body.');
      case 'replay':
        return send(reply, begun.response, true);
      case 'in_flight': {
        if (attempt > 0) throw new RegistryError('in_flight', 'A request with this Idempotency-Key is still being processed; retry shortly.');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([begun.settled, new Promise((resolve) => (timer = setTimeout(resolve, IN_FLIGHT_WAIT_MS)))]);
        clearTimeout(timer);
        continue;
      }
      case 'started':
      case 'unknown': {
        const hold: KeyHold = {
          store,
          key: storeKey,
          settleMs: request.server.config.odoo?.timeoutMs ?? DEFAULT_ODOO_TIMEOUT_MS,
          log: request.log,
          createNotBefore: begun.outcome === 'unknown' ? begun.createNotBefore : undefined,
        };
        // Odoo, not this process's memory, is the record of what was created. A key this store
        // never saw (another gateway instance, a restart, an expired entry) may still have a
        // committed create behind it: one search by marker settles it before creating.
        const mayRecover = begun.outcome === 'unknown' || create.recoversOnlyOwnCreates !== false;
        const recovered = mayRecover ? await guarded(hold, () => create.recover(marker)) : undefined;
        if (recovered) {
          await settleQuietly(hold, () => store.complete(storeKey, recovered));
          return send(reply, recovered, true);
        }
        const response = await guarded(
          hold,
          async () => {
            if (hold.createNotBefore !== undefined && Date.now() < hold.createNotBefore) {
              throw new RegistryError('in_flight', 'The first attempt with this Idempotency-Key may still be running in the registry; retry shortly.');
            }
            await store.fence(storeKey);
            return create.run(marker);
          },
          true,
        );
        return send(reply, response, false);
      }
    }
  }
}

/** The key a request holds while it runs steps, and what a failure leaves on it. */
interface KeyHold {
  store: IdempotencyStore;
  key: string;
  /** How long Odoo may still be running a call the gateway stopped waiting for (odoo.timeoutMs). */
  settleMs: number;
  /** An earlier attempt's window, carried over so a failed retry does not shorten it. */
  createNotBefore?: number;
  log: FastifyBaseLogger;
}

/** Runs a step holding the key: on success (if `completes`) the response is stored; a failure releases or marks the key. */
async function guarded<T>(hold: KeyHold, step: () => Promise<T>, completes = false): Promise<T> {
  let result: T;
  try {
    result = await step();
  } catch (err) {
    // Only our own refusal of the input proves nothing was written. Any other failure may come
    // after Odoo committed: a lost reply (transport), or the read-back of a committed create
    // failing. Keep the key "unknown" so the retry looks for the marker before creating.
    if (isRegistryError(err) && err.kind === 'invalid') await settleQuietly(hold, () => hold.store.release(hold.key));
    else await settleQuietly(hold, () => hold.store.markUnknown(hold.key, createNotBefore(err, hold)));
    throw err;
  }
  if (completes) await settleQuietly(hold, () => hold.store.complete(hold.key, result as StoredResponse));
  return result;
}

/**
 * Recording what became of a key can fail when the shared store is down. What Odoo did stands
 * and is answered; the key stays held until its lease runs out, then a retry treats the
 * outcome as unknown and looks for the marker in Odoo before creating: never a second create.
 */
async function settleQuietly(hold: KeyHold, settle: () => Promise<void>): Promise<void> {
  try {
    await settle();
  } catch (err) {
    hold.log.warn({ err }, 'could not record the outcome of an Idempotency-Key; a retry resolves it from Odoo once the key lease ends');
  }
}

/**
 * After a timeout Odoo may still be running the create: its marker becomes visible only when it
 * commits, so a retry must not create again right away. It waits as long again as the gateway
 * already waited (a bound, not a guarantee: see docs/reliability.md).
 */
function createNotBefore(err: unknown, hold: KeyHold): number | undefined {
  const fresh = isOdooError(err) && err.kind === 'timeout' ? Date.now() + hold.settleMs : undefined;
  if (fresh === undefined) return hold.createNotBefore;
  return hold.createNotBefore === undefined ? fresh : Math.max(fresh, hold.createNotBefore);
}

function send(reply: FastifyReply, response: StoredResponse, replayed: boolean): FastifyReply {
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
  if (replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(response.status).send(response.body);
}

/** RFC 9457 problem, as every error of the API is answered (documented; extension members pass through). */
export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .describe('application/problem+json (RFC 9457)');

/** The responses of a route answering 204 (an archive, the end of a membership). */
export const noContentResponses = () => responses({ 204: z.null().describe('No content') });

/** A route's success responses plus the documented problem responses. */
export function responses<T extends Record<number, z.ZodType>>(success: T): T & { '4xx': typeof problemSchema; '5xx': typeof problemSchema } {
  return { ...success, '4xx': problemSchema, '5xx': problemSchema };
}
