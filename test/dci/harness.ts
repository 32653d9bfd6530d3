import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Test } from 'tap';
import type { DciSettingsInput } from '../../src/config/dci.js';
import { startGateway, type Answer, type ListeningGateway, type OdooEndpoint } from '../support/gateway.js';
import { startOdooTarget, type OdooTarget } from '../support/odoo-target.js';
import { redisServerMissing, startRedis, type RedisServer } from '../support/redis.js';
import { authHeaders, type TokenKind } from '../support/tokens.js';
import { pythonJson } from './python-json.js';

export { pythonJson };

/** A test gateway in front of an Odoo (simulator or real: odoo-target.ts), with DCI settings of the test's choosing. */
export interface DciGateway extends ListeningGateway {
  /** A DCI message (an object as JSON, a string as it is) with a token of the given kind (default: reading). */
  post(path: string, body: unknown, options?: { token?: TokenKind; headers?: Record<string, string> }): Promise<Answer>;
}

/** `redis`: the gateway's shared state (and async DCI work) in that Redis, under `keyPrefix`. Listens: DCI callbacks and clients reach it over HTTP. */
export async function startDciGateway(
  t: Test,
  odoo: OdooEndpoint,
  dci: DciSettingsInput = {},
  redis?: { url: string; keyPrefix: string },
): Promise<DciGateway> {
  const gateway = await startGateway(t, { odoo, protocol: 'jsonrpc', listen: true, config: { ...(redis ? { redis } : {}), dci } });
  return {
    ...gateway,
    post: (path, body, options = {}) =>
      gateway.request('POST', path, { body, headers: { 'content-type': 'application/json', ...authHeaders(options.token ?? 'get'), ...options.headers } }),
  };
}

/** The suite's Odoo: a simulator seeded with `households`, or the real server (where a demo registry is made if it has none). */
export const startSim = (households = 40): Promise<OdooTarget> => startOdooTarget({ households, seed: 11, demoOnRealServer: true });

let counter = 0;
export const uniqueId = (prefix = 'msg'): string => `${prefix}-${process.pid}-${Date.now()}-${++counter}`;

/** A DCI search message with the given search requests (criteria only; reference ids and timestamps filled in). */
export function message(
  criteria: Array<Record<string, unknown>>,
  header: Record<string, unknown> = {},
): { header: Record<string, unknown>; message: Record<string, unknown> } {
  return {
    header: {
      version: '1.0.0',
      message_id: uniqueId(),
      message_ts: new Date().toISOString(),
      action: 'search',
      sender_id: 'test-spmis',
      receiver_id: 'g2p-social-registry',
      total_count: criteria.length,
      is_msg_encrypted: false,
      ...header,
    },
    message: {
      transaction_id: uniqueId('txn'),
      search_request: criteria.map((search_criteria, i) => ({ reference_id: `ref-${i + 1}`, timestamp: new Date().toISOString(), search_criteria })),
    },
  };
}

export const expression = (entity: string, query: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  version: '1.0.0',
  query_type: 'expression',
  response_entity: entity,
  query: { type: 'ns:org:QueryType:NoSql', value: { expression: { collection: entity, query } } },
  ...extra,
});

// ---- an independent signer, written from the dci README (not the gateway's code) -------------

export interface SignOptions {
  senderId: string;
  keyId: string;
  key: KeyObject;
  created?: number;
  expires?: number;
  ensureAscii?: boolean;
}

export function signEnvelope(envelope: { header: unknown; message: unknown }, options: SignOptions): string {
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const expires = options.expires ?? created + 300;
  const digest = createHash('sha256')
    .update(pythonJson({ header: envelope.header, message: envelope.message }, options.ensureAscii ?? true))
    .digest('base64');
  const signature = sign(null, Buffer.from(`(created): ${created}\n(expires): ${expires}\ndigest: ${digest}`), options.key).toString('base64');
  return `Signature: namespace="dci", kidId="${options.senderId}|${options.keyId}|ed25519", algorithm="ed25519", created="${created}", expires="${expires}", headers="(created) (expires) digest", signature="${signature}"`;
}

export function ed25519Pair(): { privateKey: KeyObject; publicPem: string; privatePem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The sync txn/status answer about one of a sender's searches, by its correlation_id (`header.meta.delivery` is its callback's delivery). */
export async function searchStatus(post: DciGateway['post'], senderId: string, correlationId: string): Promise<any> {
  const request = message([], { action: 'txn-status', sender_id: senderId, total_count: 1 });
  const body = {
    header: request.header,
    message: {
      transaction_id: 'status-1',
      txnstatus_request: { reference_id: 's-1', txn_type: 'search', attribute_type: 'correlation_id', attribute_value: correlationId },
    },
  };
  return (await post('/registry/sync/txn/status', body)).body;
}

/**
 * The two backends DCI's queued work runs on, for a suite to run its cases on each: in memory,
 * and BullMQ in a real redis-server (started on first use, stopped when `t` ends; each call of
 * `redis()` gets its own key prefix).
 */
export function queueBackends(t: Test, prefix: string) {
  let redis: RedisServer | undefined;
  t.teardown(() => redis?.stop());
  return [
    { name: 'memory', skip: false as const, redis: async () => undefined },
    {
      name: 'redis (BullMQ)',
      skip: redisServerMissing(),
      redis: async () => {
        redis ??= await startRedis();
        return { url: redis.url, keyPrefix: `${prefix}-${Date.now()}:` };
      },
    },
  ];
}
