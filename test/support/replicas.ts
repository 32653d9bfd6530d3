/**
 * Several gateway replicas, each a separate process started the way an operator starts one
 * (`src/server.ts` with tsx's loader, a YAML file, ODOO_* and REDIS_URL_FILE in the environment), in
 * front of one Odoo (the stack's: the simulator, or a real Odoo with G2P_E2E_ODOO_*) and one
 * Redis. Each replica has its own Odoo connection, state store client and event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSigner } from 'fast-jwt';
import { stringify } from 'yaml';
import type { FileConfig } from '../../src/config/schema.js';
import { TEST_AUDIENCE, TEST_CURSOR_KEY, TEST_ISSUER, TEST_JWT_SECRET } from './config.js';
import { freePort } from './redis.js';
import type { Stack } from './stack.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
/**
 * The server runs in the spawned process itself, with tsx's loader (what `node --import tsx` does):
 * the tsx CLI would run it in a child of its own, which a SIGKILL of the CLI leaves running.
 */
const TSX_LOADER = pathToFileURL(join(repo, 'node_modules/tsx/dist/loader.mjs')).href;
const SERVER = join(repo, 'src/server.ts');

export interface Replica {
  origin: string;
  api: string;
  /** SIGKILL: the replica dies mid-whatever, as a crashed pod does. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** What the process printed (warnings and errors: the replicas log at `warn`). */
  output(): string;
}

export interface ReplicaOptions {
  count: number;
  /** Written to REDIS_URL_FILE; omitted: no Redis (state in memory). */
  redisUrl?: string;
  rateLimit?: FileConfig['rateLimit'];
  redis?: Omit<NonNullable<FileConfig['redis']>, 'url'>;
  odoo?: { timeoutMs?: number; readRetries?: number };
  /** Change events and webhooks (the change detector runs in each replica; one leads). */
  events?: FileConfig['events'];
  api?: FileConfig['api'];
  /** The record cache of every replica. */
  cache?: FileConfig['cache'];
  /** Wait until /readyz says the shared state is up (default true when redisUrl is set). */
  waitForRedis?: boolean;
}

/** Bearer tokens the replicas accept, one subject per caller (rate limits are per subject). */
const signer = createSigner({ key: TEST_JWT_SECRET, algorithm: 'HS256', iss: TEST_ISSUER, aud: TEST_AUDIENCE, expiresIn: 3_600_000 });
export const callerToken = (subject: string): string => signer({ sub: subject, realm_access: { roles: ['registry-reader', 'registry-writer'] } });

export async function startReplicas(stack: Stack, options: ReplicaOptions): Promise<Replica[]> {
  const dir = mkdtempSync(join(tmpdir(), 'g2p-replicas-'));
  cpSync(join(repo, 'config/roles.yaml'), join(dir, 'roles.yaml'));
  const file: FileConfig = {
    log: { level: 'warn' },
    server: { underPressure: { enabled: false }, shutdownGraceMs: 2_000 },
    auth: { issuers: [{ issuer: TEST_ISSUER, audience: [TEST_AUDIENCE], algorithms: ['HS256'], secret: TEST_JWT_SECRET }], rolesFile: 'roles.yaml' },
    metrics: { enabled: false },
    rateLimit: options.rateLimit ?? { enabled: false },
    readiness: { cacheMs: 0 },
    // Replicas of one registry share the key, so each accepts the others' cursors.
    cursors: { keys: [TEST_CURSOR_KEY] },
    // The suites' webhook receivers listen on 127.0.0.1.
    outbound: { allowedNetworks: ['loopback'] },
    odoo: {
      url: stack.target.url,
      db: stack.target.db,
      protocol: stack.protocol,
      ...options.odoo,
      accounts: { default: { login: stack.target.login, password: stack.target.password } },
    },
    ...(options.redis ? { redis: options.redis } : {}),
    ...(options.events ? { events: options.events } : {}),
    ...(options.api ? { api: options.api } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
  };
  // The Odoo password and the Redis URL come from the environment, as in deploy/: not in the file.
  const { accounts: _accounts, url: _url, ...odooFile } = file.odoo!;
  writeFileSync(join(dir, 'gateway.yaml'), stringify({ ...file, odoo: odooFile }));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    G2P_CONFIG: 'gateway.yaml',
    HOST: '127.0.0.1',
    ODOO_URL: stack.target.url,
    ODOO_USERNAME: stack.target.login,
    ODOO_PASSWORD: stack.target.password,
  };
  if (options.redisUrl) {
    writeFileSync(join(dir, 'redis-url'), `${options.redisUrl}\n`);
    env.REDIS_URL_FILE = join(dir, 'redis-url');
  }
  const replicas = await Promise.all(Array.from({ length: options.count }, async () => startOne(dir, { ...env, PORT: String(await freePort()) })));
  const waitForRedis = options.waitForRedis ?? options.redisUrl !== undefined;
  await Promise.all(replicas.map((replica) => waitReady(replica, waitForRedis)));
  const stopAll = replicas.map((r) => () => r.stop());
  return Object.assign(replicas, {
    cleanup: async () => {
      await Promise.all(stopAll.map((stop) => stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Stops every replica startReplicas made and removes its folder. */
export const stopReplicas = (replicas: Replica[]): Promise<void> => (replicas as Replica[] & { cleanup(): Promise<void> }).cleanup();

function startOne(dir: string, env: Record<string, string>): Replica {
  const child: ChildProcess = spawn(process.execPath, ['--import', TSX_LOADER, SERVER], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(name);
    await exited;
  };
  const origin = `http://127.0.0.1:${env.PORT}`;
  return { origin, api: `${origin}/api/v1`, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM'), output: () => output };
}

async function waitReady(replica: Replica, redisUp: boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(`${replica.origin}/readyz`);
      const body = (await response.json()) as { shared_state?: string };
      if (response.status === 200 && (!redisUp || body.shared_state === 'up')) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`replica ${replica.origin} not ready:\n${replica.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** One JSON call to a replica's API. */
export async function call(
  replica: Replica,
  token: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${replica.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}
