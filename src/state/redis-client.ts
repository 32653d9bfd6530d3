import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';
import { StateUnavailableError } from './errors.js';

export interface RedisSettings {
  url: string;
  keyPrefix: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/** Longest pause between two reconnection attempts while Redis is away. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * The one Redis connection of a gateway process. Commands fail at once while it is down (no
 * offline queue, no retry of a command whose reply was lost), so a request needing a guarantee
 * is refused promptly instead of waiting on a reconnect; reconnection runs in the background
 * forever, so the gateway recovers without a restart once Redis is back.
 */
export function connectRedis(settings: RedisSettings, log: FastifyBaseLogger): Redis {
  const client = new Redis(settings.url, {
    keyPrefix: settings.keyPrefix,
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  });
  // Only state changes are logged, never the URL (it may hold a password).
  let down = false;
  client.on('ready', () => {
    if (down) log.warn('shared state store (Redis) is back');
    else log.info('shared state store (Redis) connected');
    down = false;
  });
  client.on('error', (err: NodeJS.ErrnoException) => {
    // ioredis reports every failed reconnection attempt: one line per outage is enough.
    if (!down)
      log.error({ code: err.code, reason: err.message }, 'shared state store (Redis) unavailable; writes needing it are refused with 503 until it is back');
    down = true;
  });
  return client;
}

/** Runs a Redis command for `guarantee`; any failure becomes StateUnavailableError (503). */
export async function guarded<T>(guarantee: string, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (err) {
    throw new StateUnavailableError(guarantee, { cause: err });
  }
}
