/**
 * Starts bench/gateway-process.ts as a child process (through tsx, with the collector exposed)
 * and talks to it: where it listens, its memory and CPU time, and stop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchOdoo, BenchSections } from './support.js';

export type ChildRequest = { type: 'usage'; collectGarbage: boolean } | { type: 'stop' };
export type ChildReply = { type: 'ready'; origin: string } | ({ type: 'usage' } & GatewayUsage);

export interface GatewayUsage {
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
  /** The process's resident high-water mark so far (the kernel's, not a sample). */
  maxRssBytes: number;
}

export interface GatewayChild {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  usage(collectGarbage?: boolean): Promise<GatewayUsage>;
  stop(): Promise<void>;
}

const script = fileURLToPath(new URL('./gateway-process.ts', import.meta.url));
/**
 * Extra Node options for the gateway process only, e.g. `--cpu-prof --cpu-prof-dir=prof` to see
 * where its time goes (Node refuses --cpu-prof in NODE_OPTIONS, and that would profile the bench too).
 */
const extraNodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);

/**
 * `odoo`: the simulator's URL, or a real Odoo's settings; `redisUrl`: the gateway keeps its shared
 * state (idempotency keys, record leases) there; `sections`: configuration added to the bench's.
 */
export async function startGatewayChild(odoo: string | BenchOdoo, redisUrl?: string, sections: BenchSections = {}): Promise<GatewayChild> {
  const child = fork(script, [JSON.stringify(odoo), redisUrl ?? '', JSON.stringify(sections)], {
    execArgv: ['--import', import.meta.resolve('tsx'), '--expose-gc', ...extraNodeArgs],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const origin = await new Promise<string>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the gateway process exited (code ${code}) before listening`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (reply: ChildReply) => {
      child.off('exit', onExit);
      if (reply.type === 'ready') resolve(reply.origin);
      else reject(new Error(`unexpected first message from the gateway process: ${reply.type}`));
    });
  });
  return {
    origin,
    usage: (collectGarbage = false) => askUsage(child, collectGarbage),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ type: 'stop' } satisfies ChildRequest);
      }),
  };
}

function askUsage(child: ChildProcess, collectGarbage: boolean): Promise<GatewayUsage> {
  return new Promise((resolve, reject) => {
    const onExit = () => reject(new Error('the gateway process exited'));
    child.once('exit', onExit);
    child.once('message', (reply: ChildReply) => {
      child.off('exit', onExit);
      if (reply.type === 'usage') resolve({ memory: reply.memory, cpu: reply.cpu, maxRssBytes: reply.maxRssBytes });
      else reject(new Error(`unexpected message from the gateway process: ${reply.type}`));
    });
    child.send({ type: 'usage', collectGarbage } satisfies ChildRequest);
  });
}
