import { Redis } from 'ioredis';

/** BullMQ's key namespace under the gateway's own prefix (the ordered queues and the job pool). */
export const NAMESPACE = 'outbound';

/**
 * BullMQ's own connection to the state store's Redis (`base`: its server, credentials and key
 * prefix; BullMQ takes its prefix as an option, not ioredis's). It waits for Redis rather than
 * failing its commands (a worker resumes on its own once Redis is back) and blocks on Redis
 * while a queue is empty: no command timeout. Connected on first use.
 */
export function bullmqConnection(base: Redis): { connection: Redis; prefix: string } {
  const { keyPrefix, commandTimeout: _commandTimeout, ...settings } = base.options;
  const connection = new Redis({ ...settings, maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: true });
  connection.on('error', () => undefined);
  return { connection, prefix: `${keyPrefix ?? ''}${NAMESPACE}` };
}
