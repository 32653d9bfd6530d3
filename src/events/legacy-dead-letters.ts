import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { PollLoop, retryDelay } from '../background.js';
import type { OutboundDeadLetter, OutboundQueues } from '../outbound/queues.js';
import type { EventMessage, EventReceiver } from './dispatcher.js';
import type { ChangeEvent } from './store.js';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

interface MigrationOptions {
  redis: Redis;
  queues: OutboundQueues<EventMessage>;
  receivers: () => Promise<EventReceiver[]>;
  log: Logger;
}

/** A dead letter as the events dispatcher kept it before the outbound engine: one hash per receiver, event id -> this JSON. */
interface LegacyDeadLetter {
  id: string;
  event: ChangeEvent;
  attempts: number;
  lastError: string;
  failedAt: string;
}

const LEGACY = 'events:dead:';
/** Held by the replica moving them; it runs out on its own should that replica die half-way. */
const LOCK = 'events:dead-letters-migration';
const LOCK_MS = 5 * 60_000;

export interface LegacyMigration {
  receivers: number;
  moved: number;
  /** Letters of receivers that no longer exist or no longer take the event (a subscription's filter). */
  dropped: number;
}

/**
 * Moves the dead letters the events dispatcher kept in Redis before the outbound engine
 * (`events:dead:<receiver>` hashes, no longer read) into the engine's dead letters, each with
 * what its receiver keeps with an event now (`prepare`: a DCI subscription reads its record as
 * it is now). Run at start-up by every replica: one at a time holds the lock (the others find
 * it held and leave it to that one), a hash is deleted only once its letters were taken in, and
 * the engine does not take a letter twice, so a replica dying half-way leaves the rest to the
 * next start-up and nothing doubled. Returns undefined when another replica holds the lock.
 */
export async function migrateLegacyDeadLetters(options: MigrationOptions): Promise<LegacyMigration | undefined> {
  const { redis, queues, log } = options;
  const token = randomUUID();
  if ((await redis.set(LOCK, token, 'PX', LOCK_MS, 'NX')) !== 'OK') return undefined;
  const counts: LegacyMigration = { receivers: 0, moved: 0, dropped: 0 };
  try {
    const keys = await legacyKeys(redis);
    if (keys.length === 0) return counts;
    const current = new Map((await options.receivers()).map((receiver) => [receiver.id, receiver]));
    for (const key of keys) {
      const id = key.slice(LEGACY.length);
      const letters = (await redis.hvals(key)).map((text) => JSON.parse(text) as LegacyDeadLetter);
      const receiver = current.get(id);
      const prepared = receiver ? await receiver.prepare(letters.map((letter) => letter.event)) : [];
      const taken: Array<OutboundDeadLetter<EventMessage>> = [];
      letters.forEach((letter, index) => {
        const kept = prepared[index];
        if (kept)
          taken.push({
            id: letter.id,
            data: { event: letter.event, prepared: kept },
            attempts: letter.attempts,
            lastError: letter.lastError,
            failedAt: letter.failedAt,
          });
      });
      await queues.importDeadLetters(id, taken);
      await redis.del(key);
      counts.receivers++;
      counts.moved += taken.length;
      counts.dropped += letters.length - taken.length;
    }
    log.info({ events: { legacyDeadLetters: counts } }, 'events: dead letters of the previous delivery engine moved to the outbound queues');
    if (counts.dropped > 0)
      log.warn(
        { events: { legacyDeadLetters: counts } },
        'events: some earlier dead letters were dropped: their receiver no longer exists or no longer takes the event',
      );
    return counts;
  } finally {
    // Released only if still ours (it may have run out and been taken since).
    await redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, LOCK, token);
  }
}

/**
 * Runs the move in the background from start-up until it has run once (or found another replica
 * on it): it needs Redis, which may not be connected yet, and a DCI subscription's letters need
 * Odoo; a failure is logged once and the move tried again, waiting 1 s doubled up to 30 s.
 */
export function legacyDeadLetterMover(options: MigrationOptions): { start(): void; stop(): Promise<void> } {
  let failures = 0;
  const notConnected = new Error('Redis is not connected yet');
  const loop: PollLoop = new PollLoop(
    async () => {
      // Not connected yet (start-up): no failure to report, tried again shortly.
      if (options.redis.status !== 'ready') throw notConnected;
      await migrateLegacyDeadLetters(options);
      void loop.stop();
    },
    () => retryDelay(failures, 1_000, 30_000),
    (err) => {
      if (err !== notConnected && failures++ === 0)
        options.log.warn({ err }, 'events: could not move the dead letters of the previous delivery engine yet; trying again');
    },
  );
  return { start: () => loop.start(), stop: () => loop.stop() };
}

/** The legacy hashes' keys, without the connection's key prefix (SCAN matches whole keys; commands add the prefix). */
async function legacyKeys(redis: Redis): Promise<string[]> {
  const prefix = redis.options.keyPrefix ?? '';
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}${LEGACY}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of found) keys.add(key.slice(prefix.length));
  } while (cursor !== '0');
  return [...keys];
}

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');
