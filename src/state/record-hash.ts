import type { Redis } from 'ioredis';
import { guarded } from './redis-client.js';

/**
 * Records by id, listed oldest first: webhooks created through the API, DCI subscriptions. In
 * this process's memory, or as JSON in one Redis hash (durable, shared by replicas).
 */
export interface RecordHash<T extends { createdAt: string }> {
  readonly durable: boolean;
  put(id: string, record: T): Promise<void>;
  get(id: string): Promise<T | undefined>;
  list(): Promise<T[]>;
  delete(id: string): Promise<boolean>;
}

export class MemoryRecordHash<T extends { createdAt: string }> implements RecordHash<T> {
  readonly durable = false;
  private readonly records = new Map<string, T>();

  async put(id: string, record: T): Promise<void> {
    this.records.set(id, structuredClone(record));
  }

  async get(id: string): Promise<T | undefined> {
    const found = this.records.get(id);
    return found && structuredClone(found);
  }

  async list(): Promise<T[]> {
    return structuredClone([...this.records.values()]);
  }

  async delete(id: string): Promise<boolean> {
    return this.records.delete(id);
  }
}

export class RedisRecordHash<T extends { createdAt: string }> implements RecordHash<T> {
  readonly durable = true;

  /** `guarantee` names what is lost while Redis is down (the state-unavailable error says it). */
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly guarantee: string,
  ) {}

  async put(id: string, record: T): Promise<void> {
    await guarded(this.guarantee, () => this.redis.hset(this.key, id, JSON.stringify(record)));
  }

  async get(id: string): Promise<T | undefined> {
    const text = await guarded(this.guarantee, () => this.redis.hget(this.key, id));
    return text ? (JSON.parse(text) as T) : undefined;
  }

  async list(): Promise<T[]> {
    const all = await guarded(this.guarantee, () => this.redis.hvals(this.key));
    return all.map((text) => JSON.parse(text) as T).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async delete(id: string): Promise<boolean> {
    return (await guarded(this.guarantee, () => this.redis.hdel(this.key, id))) === 1;
  }
}
