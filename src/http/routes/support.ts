import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isOdooError } from '../../odoo/errors.js';
import type { Actor, IdempotencyStore, StoredResponse } from '../../registry/index.js';
import { RegistryError } from '../../registry/index.js';
import { odooClientFor } from '../odoo-account.js';

export const idParam = z.object({ id: z.coerce.number().int().positive().max(2 ** 31 - 1) }).strict();
export const memberParams = z
  .object({ id: z.coerce.number().int().positive().max(2 ** 31 - 1), membership_id: z.coerce.number().int().positive().max(2 ** 31 - 1) })
  .strict();

/** Query booleans arrive as text. */
export const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

export const limitQuery = z.coerce.number().int().min(1).optional().describe('Page size; capped at api.maxPageSize');
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

/** The Odoo account and the caller's roles, as the registry use cases want them. */
export function actorFor(request: FastifyRequest): Actor {
  return { client: odooClientFor(request), roles: request.principal?.roles ?? new Set() };
}

export const etagOf = (version: string): string => `"${version}"`;

/** If-Match as a list of versions (`*` kept as is); weak validators compare by their opaque part. */
export function ifMatchVersions(header: string | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  return header
    .split(',')
    .map((part) => part.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'))
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
}

/**
 * POST with Idempotency-Key. The key is scoped to the caller and the route; the marker derived
 * from it is what the create leaves in Odoo (`res.partner.ref`), so an outcome lost to a
 * transport failure can be looked up on the retry instead of creating a second registrant.
 */
export async function idempotentCreate(
  request: FastifyRequest,
  reply: FastifyReply,
  store: IdempotencyStore,
  create: IdempotentCreate,
): Promise<FastifyReply> {
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
      case 'unknown': {
        const recovered = await guarded(store, storeKey, () => create.recover(marker));
        if (recovered) {
          await store.complete(storeKey, recovered);
          return send(reply, recovered, true);
        }
        return send(reply, await guarded(store, storeKey, () => create.run(marker), true), false);
      }
      case 'started':
        return send(reply, await guarded(store, storeKey, () => create.run(marker), true), false);
    }
  }
}

/** Runs a step holding the key: on success (if `completes`) the response is stored; a failure releases or marks the key. */
async function guarded(store: IdempotencyStore, key: string, step: () => Promise<StoredResponse>, completes?: true): Promise<StoredResponse>;
async function guarded<T>(store: IdempotencyStore, key: string, step: () => Promise<T>): Promise<T>;
async function guarded<T>(store: IdempotencyStore, key: string, step: () => Promise<T>, completes = false): Promise<T> {
  try {
    const result = await step();
    if (completes) await store.complete(key, result as StoredResponse);
    return result;
  } catch (err) {
    // After a transport failure Odoo may have committed the create: keep the key as "unknown".
    if (isOdooError(err) && err.isTransport) await store.markUnknown(key);
    else await store.release(key);
    throw err;
  }
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

/** A route's success responses plus the documented problem responses. */
export function responses<T extends Record<number, z.ZodType>>(success: T): T & { '4xx': typeof problemSchema; '5xx': typeof problemSchema } {
  return { ...success, '4xx': problemSchema, '5xx': problemSchema };
}
