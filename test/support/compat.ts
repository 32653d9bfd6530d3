/**
 * A gateway with the OpenG2P compatibility routes in front of a simulator, both over real
 * sockets, for the compat suites. The simulator keeps its seeded users (admin/admin, and
 * noaccess, rest_get, rest_post, rest_both whose password is their login).
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { FileConfig } from '../../src/config/schema.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { testConfig } from './config.js';

export interface CompatStack {
  /** Base URL of the compatibility routes, e.g. http://127.0.0.1:41234/api/v1/registry */
  base: string;
  origin: string;
  app: FastifyInstance;
  sim: RunningSimulator;
  close(): Promise<void>;
}

/** Login (and password) of the simulator user the suites call as. */
export const CLERK = 'registry_api';

export const basic = (login: string, password: string = login): string => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

export async function startCompatStack(options: { protocol?: 'jsonrpc' | 'xmlrpc'; compat?: FileConfig['compat']; households?: number } = {}): Promise<CompatStack> {
  const sim = await startSimulator({ households: options.households ?? 3, seed: 5, adminPassword: 'admin' });
  // A typical API account of an OpenG2P deployment: both Rest API groups, and Registrar for the
  // models those groups do not open (memberships, kinds, genders, bank accounts).
  sim.database.addUser({
    login: CLERK, name: 'Registry API client', password: CLERK, apiKeys: [], companyId: 1, active: true,
    groups: ['base.group_user', 'g2p_registry_base.group_g2p_registrar', 'g2p_registry_rest_api.group_g2p_rest_api_get', 'g2p_registry_rest_api.group_g2p_rest_api_post'],
  });
  const app = buildApp(
    testConfig({
      odoo: { url: sim.url, db: 'g2p', protocol: options.protocol ?? 'jsonrpc', accounts: { default: { login: 'admin', password: 'admin' } } },
      server: { underPressure: { enabled: false } },
      rateLimit: { enabled: false },
      metrics: { enabled: false },
      compat: options.compat ?? {},
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    base: `${origin}${app.config.compat.prefix}`,
    origin,
    app,
    sim,
    close: async () => {
      await app.close();
      await sim.close();
    },
  };
}
