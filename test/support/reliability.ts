/**
 * Gateways on real ports in front of an Odoo (the simulator, or the real server when
 * G2P_E2E_ODOO_* is set: see odoo-target.ts), with the Odoo client's resilience settings
 * (timeout, retries, breaker) chosen per suite so faults show quickly. Fault injection needs
 * the simulator: `harness.sim` is there only then, and subtests that inject faults say so.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createSigner } from 'fast-jwt';
import type { Test } from 'tap';
import { createOdooConnection, type OdooClient, type OdooConnection } from '../../src/odoo/index.js';
import type { RunningSimulator } from '../../src/sim/index.js';
import { startGateway as startTestGateway, startOdoo, type Answer, type RequestOptions } from './gateway.js';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './config.js';

export type { Answer };

export type Protocol = 'jsonrpc' | 'xmlrpc';

export interface Resilience {
  timeoutMs: number;
  readRetries: number;
  retryBaseDelayMs: number;
  failureThreshold: number;
  resetAfterMs: number;
  maxConcurrent: number;
}

export const DEFAULT_RESILIENCE: Resilience = {
  timeoutMs: 2_000,
  readRetries: 1,
  retryBaseDelayMs: 20,
  failureThreshold: 5,
  resetAfterMs: 1_000,
  maxConcurrent: 16,
};

export type CallOptions = Pick<RequestOptions, 'body' | 'headers'>;

export interface Gateway {
  api: string;
  app: FastifyInstance;
  /** The gateway's own Odoo connection (its breaker state is observable). */
  odoo: OdooConnection;
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  close(): Promise<void>;
}

export interface Harness {
  /** Present when the Odoo is the simulator: fault injection. */
  sim?: RunningSimulator;
  protocol: Protocol;
  /** A direct Odoo client with its own connection: counts and fixtures, unaffected by the gateways' breakers. */
  direct: OdooClient;
  /** Unique per run: put it in every name a suite creates. */
  tag: string;
  /** The first gateway, started with the harness. */
  gateway: Gateway;
  /** Another gateway on the same simulator, with its own connection, breaker and idempotency store (e.g. a "restarted" gateway). */
  startGateway(resilience?: Partial<Resilience>): Promise<Gateway>;
  close(): Promise<void>;
}

const signer = createSigner({ key: TEST_JWT_SECRET, algorithm: 'HS256', iss: TEST_ISSUER, aud: TEST_AUDIENCE, expiresIn: 3_600_000 });
export const writerToken = signer({ sub: 'reliability-writer', realm_access: { roles: ['registry-reader', 'registry-writer'] } });

export async function startHarness(
  t: Test,
  options: {
    protocol: Protocol;
    resilience?: Partial<Resilience>;
    households?: number;
    seed?: number;
    /** Where the gateways reach Odoo, given its URL (a proxy in front of it); Odoo itself by default. */
    odooUrlFor?: (url: string) => string;
  },
): Promise<Harness> {
  const target = await startOdoo(t, { households: options.households ?? 5, seed: options.seed ?? 11 });
  const { sim } = target;
  const gateways = new Set<Gateway>();
  const directConnection = createOdooConnection({ url: target.url, db: target.db, protocol: options.protocol, timeoutMs: 30_000 });
  const direct = directConnection.as({ login: target.login, secret: target.password });

  const startGateway = async (overrides: Partial<Resilience> = {}): Promise<Gateway> => {
    const r = { ...DEFAULT_RESILIENCE, ...options.resilience, ...overrides };
    const started = await startTestGateway(t, {
      odoo: { ...target, url: options.odooUrlFor?.(target.url) ?? target.url },
      protocol: options.protocol,
      listen: true,
      token: writerToken,
      config: {
        odoo: {
          timeoutMs: r.timeoutMs,
          readRetries: r.readRetries,
          retryBaseDelayMs: r.retryBaseDelayMs,
          maxConcurrent: r.maxConcurrent,
          breaker: { failureThreshold: r.failureThreshold, resetAfterMs: r.resetAfterMs },
        },
      },
    });
    const { app } = started;
    const prefix = started.config.api.prefix;
    const gateway: Gateway = {
      api: `${started.origin}${prefix}`,
      app,
      odoo: app.odoo,
      call: (method, path, callOptions) => started.request(method, `${prefix}${path}`, callOptions),
      close: async () => {
        gateways.delete(gateway);
        await started.close();
      },
    };
    gateways.add(gateway);
    return gateway;
  };

  const gateway = await startGateway();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await sim?.faults.clear();
      for (const g of [...gateways]) await g.close();
      await directConnection.close();
      await target.close();
    })());
  t.teardown(close);
  return {
    sim,
    protocol: options.protocol,
    direct,
    tag: `REL${randomBytes(3).toString('hex')}`,
    gateway,
    startGateway,
    close,
  };
}

/** An individual's create body; `tag` keeps a run's records apart. */
export const person = (tag: string, given: string, extra: Record<string, unknown> = {}) => ({
  given_name: given,
  family_name: tag,
  gender: 'Female',
  birthdate: '1990-05-17',
  ...extra,
});

/** Registrants whose family name is `tag` and whose given name is `given` (archived included), counted in Odoo itself. */
export function countInOdoo(direct: OdooClient, tag: string, given: string): Promise<number> {
  return direct.searchCount(
    'res.partner',
    [
      ['family_name', '=', tag],
      ['given_name', '=', given],
      ['is_registrant', '=', true],
    ],
    { context: { active_test: false } },
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `condition` holds or `withinMs` passes; returns whether it held. */
export async function eventually(condition: () => boolean | Promise<boolean>, withinMs: number, everyMs = 10): Promise<boolean> {
  const until = performance.now() + withinMs;
  while (performance.now() < until) {
    if (await condition()) return true;
    await sleep(everyMs);
  }
  return condition();
}

/** Tallies statuses per fault kind for the suite's closing figures. */
export class FaultTally {
  private readonly seen = new Map<string, Map<number, number>>();

  record(kind: string, status: number): void {
    const statuses = this.seen.get(kind) ?? new Map<number, number>();
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    this.seen.set(kind, statuses);
  }

  lines(): string[] {
    return [...this.seen].map(([kind, statuses]) => {
      const total = [...statuses.values()].reduce((a, b) => a + b, 0);
      const detail = [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status}×${n}`)
        .join(' ');
      return `${kind}: ${total} requests (${detail})`;
    });
  }
}
