import { FaultController } from './faults.js';
import { SimDatabase } from './orm/database.js';
import { SimServer, type SimCall } from './server.js';

export type { SimCall } from './server.js';
export { FaultController } from './faults.js';
export { SimDatabase } from './orm/database.js';

export interface SimulatorOptions {
  host?: string;
  /** 0 = any free port */
  port?: number;
  /** An existing database; otherwise one is built from seed / households / adminPassword. */
  database?: SimDatabase;
  seed?: number;
  households?: number;
  adminPassword?: string;
  sessionTtlMs?: number;
}

export interface RunningSimulator {
  url: string;
  port: number;
  database: SimDatabase;
  /** Every RPC that reached the simulator, in order. */
  calls: SimCall[];
  resetCalls(): void;
  faults: FaultController;
  /** Makes every web session expired: the next call_kw answers SessionExpiredException. */
  expireSessions(): void;
  close(): Promise<void>;
}

/**
 * Starts an Odoo 17 + OpenG2P stand-in on a real HTTP port. The control API (faults, calls,
 * sessions) is in-process only: nothing of it is reachable over the simulator's port.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const database =
    options.database ??
    new SimDatabase({
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.households !== undefined ? { households: options.households } : {}),
      ...(options.adminPassword !== undefined ? { adminPassword: options.adminPassword } : {}),
    });
  const server = new SimServer({
    database,
    ...(options.sessionTtlMs !== undefined ? { sessionTtlMs: options.sessionTtlMs } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  await server.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return {
    url: server.url,
    port: server.port,
    database,
    calls: server.calls,
    resetCalls: () => {
      server.calls.length = 0;
    },
    faults: server.faults,
    expireSessions: () => server.sessions.expireAll(),
    close: () => server.close(),
  };
}
