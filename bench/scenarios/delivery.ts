/**
 * Scenario 9, delivery: how fast the gateway delivers what it sends out, with one gateway
 * process and with three sharing one Redis. DCI callbacks: asynchronous transaction-status
 * requests (answered from the transaction store, no Odoo search), each acknowledged at once and
 * answered on the sender's `on-status` callback. Webhooks: once the gateways run, every
 * individual of the registry is changed in one Odoo write, and each change goes to each of
 * several webhooks. Both receivers run in the bench process and answer 200 at once, so the
 * figures are the gateway's own.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRedis, type RedisServer } from '../../test/support/redis.js';
import { createOdooConnection } from '../../src/odoo/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { startGatewayChild, type GatewayChild } from '../gateway-child.js';
import { benchToken, fixed, SIM_ADMIN, SIM_DB, sleep, type BenchOptions, type ScenarioReport } from '../support.js';

const SENDER = 'bench-spmis';
const WEBHOOKS = 4;
/** Async requests in flight from the bench at once (spread over the replicas). */
const CLIENT_CONCURRENCY = 16;
/** Webhook queues start after the newest event when they first run: changes are made this long after the gateways started. */
const QUEUES_STARTED_MS = 2_000;

/** Counts what reaches it: POSTs per path, the first and last arrival, and repeats of an id. */
class Receiver {
  private server: Server | undefined;
  origin = '';
  arrivals: number[] = [];
  private readonly ids = new Set<string>();
  repeats = 0;

  async start(): Promise<void> {
    this.server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.arrivals.push(performance.now());
        // An event goes to every webhook with the same id: a repeat is the same id on the same path.
        const id = request.headers['webhook-id'] ?? messageIdOf(Buffer.concat(chunks).toString('utf8'));
        const key = `${request.url} ${String(id)}`;
        if (id && this.ids.has(key)) this.repeats++;
        if (id) this.ids.add(key);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.arrivals = [];
    this.ids.clear();
    this.repeats = 0;
  }

  /** Waits until `expected` arrived, within `limitMs`. */
  async settle(limitMs: number, expected: number): Promise<void> {
    const deadline = performance.now() + limitMs;
    while (performance.now() < deadline && this.arrivals.length < expected) await sleep(50);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function messageIdOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { header?: { message_id?: string } }).header?.message_id;
  } catch {
    return undefined;
  }
}

interface Rate {
  delivered: number;
  perSecond: number;
  repeats: number;
  /** Requests answered 503 and sent again (callbacks only). */
  refused?: number;
  /** CPU time per delivery (µs), of the gateway processes together and of Redis: steadier than a rate on a shared machine. */
  gatewayCpuUs?: number;
  redisCpuUs?: number;
}

/** CPU time (µs) the gateway processes and Redis spend in `phase`, per delivery it made. */
async function withCpu(redis: RedisServer, gateways: GatewayChild[], phase: () => Promise<Rate>): Promise<Rate> {
  const client = redis.client();
  try {
    const gatewayCpu = async () => (await Promise.all(gateways.map((gateway) => gateway.usage()))).reduce((sum, { cpu }) => sum + cpu.user + cpu.system, 0);
    const redisCpu = async () => {
      const info = await client.info('cpu');
      return (Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1])) * 1e6;
    };
    const [gatewayBefore, redisBefore] = [await gatewayCpu(), await redisCpu()];
    const rate = await phase();
    const [gatewayAfter, redisAfter] = [await gatewayCpu(), await redisCpu()];
    const per = Math.max(1, rate.delivered);
    return { ...rate, gatewayCpuUs: (gatewayAfter - gatewayBefore) / per, redisCpuUs: (redisAfter - redisBefore) / per };
  } finally {
    client.disconnect();
  }
}

export async function deliveryScenario(options: BenchOptions): Promise<ScenarioReport> {
  const callbacks = options.quick ? 400 : 2_000;
  const redis = await startRedis();
  const sim = await startSimulator({ households: options.quick ? 40 : 150, seed: 9 });
  const receiver = new Receiver();
  await receiver.start();
  const children: GatewayChild[] = [];
  let run = 0;
  /** 503s answered to the callbacks' requests in a run (each sent again). */
  let refused = 0;
  const startReplicas = async (count: number, events: boolean): Promise<GatewayChild[]> => {
    // A key prefix per run: every run starts from an empty queue, log and detector cursor.
    const prefix = `bench-delivery-${++run}:`;
    const sections = {
      redis: { keyPrefix: prefix },
      // The receiver runs in the bench process, on 127.0.0.1.
      outbound: { allowedNetworks: ['loopback'] },
      dci: {
        senders: { [SENDER]: { requireSignature: false, callbackUrl: `${receiver.origin}/dci` } },
        async: { maxPending: 1_000_000 },
      },
      events: {
        enabled: events,
        pollIntervalMs: 100,
        startFrom: 'now',
        webhooks: {
          subscriptions: Array.from({ length: WEBHOOKS }, (_, i) => ({
            id: `bench-${i}`,
            url: `${receiver.origin}/hooks/${i}`,
            secret: 'bench-webhook-secret-0123456789abcdef',
          })),
        },
      },
    };
    const started = await Promise.all(Array.from({ length: count }, () => startGatewayChild(sim.url, redis.url, sections)));
    children.push(...started);
    return started;
  };
  const stopAll = async () => {
    for (const child of children.splice(0)) await child.stop();
  };
  const headers = { authorization: `Bearer ${benchToken()}`, 'content-type': 'application/json' };
  const odoo = createOdooConnection({ url: sim.url, db: SIM_DB, protocol: 'jsonrpc' });
  const individuals = await odoo.as(SIM_ADMIN).search(
    'res.partner',
    [
      ['is_registrant', '=', true],
      ['is_group', '=', false],
    ],
    { order: 'id asc' },
  );

  /** `count` async txn/status requests over the replicas; callbacks/s from the first request to the last callback. */
  const callbackRate = async (replicas: GatewayChild[], count: number): Promise<Rate> => {
    receiver.reset();
    refused = 0;
    let next = 0;
    const started = performance.now();
    const client = async (lane: number) => {
      for (let i = next++; i < count; i = next++) {
        const origin = replicas[(lane + i) % replicas.length]!.origin;
        // A 503 (the shared store slow to answer on a loaded machine) is sent again, as a client would: a new message.
        for (let attempt = 1; ; attempt++) {
          const response = await fetch(`${origin}/registry/txn/status`, { method: 'POST', headers, body: JSON.stringify(statusRequest(`${i}-${attempt}`)) });
          const ack = (await response.json()) as { message?: { ack_status?: string } };
          if (response.status === 200 && ack.message?.ack_status === 'ACK') break;
          if (response.status !== 503 || attempt >= 20) throw new Error(`txn/status answered ${response.status}: ${JSON.stringify(ack)}`);
          refused++;
          await sleep(100);
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENT_CONCURRENCY }, (_, lane) => client(lane)));
    await receiver.settle(120_000, count);
    const delivered = receiver.arrivals.length;
    const lastAt = receiver.arrivals.at(-1) ?? performance.now();
    return { delivered, perSecond: delivered / ((lastAt - started) / 1000), repeats: receiver.repeats, refused };
  };

  /** One change per individual, to each webhook; deliveries/s from the first delivery to the last. */
  const webhookRate = async (): Promise<Rate> => {
    receiver.reset();
    await sleep(QUEUES_STARTED_MS);
    await odoo.as(SIM_ADMIN).write('res.partner', individuals, { occupation: `bench ${run}` });
    await receiver.settle(180_000, individuals.length * WEBHOOKS);
    const delivered = receiver.arrivals.length;
    const first = receiver.arrivals[0] ?? 0;
    const last = receiver.arrivals.at(-1) ?? 0;
    return { delivered, perSecond: delivered > 1 ? (delivered - 1) / ((last - first) / 1000) : 0, repeats: receiver.repeats };
  };

  try {
    const rates: Record<string, Rate> = {};
    for (const count of [1, 3]) {
      const replicas = await startReplicas(count, false);
      await callbackRate(replicas, Math.min(100, callbacks)); // warm-up: JIT, connections
      rates[`callbacks ${count}`] = await withCpu(redis, replicas, () => callbackRate(replicas, callbacks));
      await stopAll();
      const hooked = await startReplicas(count, true);
      rates[`webhooks ${count}`] = await withCpu(redis, hooked, webhookRate);
      await stopAll();
    }
    const row = (label: string, rate: Rate) => [
      label,
      String(rate.delivered),
      fixed(rate.perSecond, 0),
      String(rate.repeats),
      rate.refused === undefined ? '' : String(rate.refused),
      fixed(rate.gatewayCpuUs ?? 0, 0),
      fixed(rate.redisCpuUs ?? 0, 0),
    ];
    const callbackScaling = rates['callbacks 3']!.perSecond / rates['callbacks 1']!.perSecond;
    const webhookScaling = rates['webhooks 3']!.perSecond / rates['webhooks 1']!.perSecond;
    return {
      title: '9. Delivery: DCI callbacks and webhook deliveries per second, one and three gateway processes on one Redis',
      method:
        `Gateways in their own processes with Redis (a key prefix per run), one simulator, receivers in the bench process answering 200 at once. ` +
        `Callbacks: ${callbacks} async POST /registry/txn/status (${CLIENT_CONCURRENCY} at a time, spread over the replicas, after 100 to warm up), ` +
        `rate from the first request to the last on-status callback. Webhooks: ${QUEUES_STARTED_MS / 1000} s after the gateways started, one Odoo write changes all ${individuals.length} individuals and every change goes to ${WEBHOOKS} webhooks; ` +
        `rate from the first delivery to the last. Repeats: deliveries of a message or event id already received on the same path. ` +
        `CPU per delivery: user and system time of the gateway processes (together) and of redis-server over the measured run, divided by the deliveries; ` +
        `on a shared machine it varies far less than a rate does.`,
      tables: [
        [
          [
            'what, replicas',
            'delivered',
            'per second',
            'repeats',
            'requests refused (503) and sent again',
            'gateway CPU µs per delivery',
            'Redis CPU µs per delivery',
          ],
          row('DCI callbacks, 1', rates['callbacks 1']!),
          row('DCI callbacks, 3', rates['callbacks 3']!),
          row('webhook deliveries, 1', rates['webhooks 1']!),
          row('webhook deliveries, 3', rates['webhooks 3']!),
        ],
      ],
      verdicts: [
        {
          target: 'every DCI callback is delivered, with one replica and with three',
          met: rates['callbacks 1']!.delivered >= callbacks && rates['callbacks 3']!.delivered >= callbacks,
          evidence: `${rates['callbacks 1']!.delivered} and ${rates['callbacks 3']!.delivered} of ${callbacks}`,
        },
        {
          target: 'every webhook event reaches every webhook, with one replica and with three',
          met: rates['webhooks 1']!.delivered >= individuals.length * WEBHOOKS && rates['webhooks 3']!.delivered >= individuals.length * WEBHOOKS,
          evidence: `${rates['webhooks 1']!.delivered} and ${rates['webhooks 3']!.delivered} of ${individuals.length * WEBHOOKS}; throughput 3 ÷ 1: callbacks ${fixed(callbackScaling, 2)}×, webhooks ${fixed(webhookScaling, 2)}×`,
        },
      ],
      notes: ['On a 2-core machine the gateway processes, the simulator, Redis and the bench share two cores: three replicas add no CPU.'],
    };
  } finally {
    await stopAll();
    await odoo.close();
    await receiver.stop();
    await sim.close();
    await redis.stop().catch(() => undefined);
  }
}

/** A transaction-status request about a transaction that does not exist: answered from the store alone. */
function statusRequest(i: string) {
  const id = `bench-${process.pid}-${Date.now()}-${i}`;
  return {
    header: {
      version: '1.0.0',
      message_id: `msg-${id}`,
      message_ts: new Date().toISOString(),
      action: 'txn-status',
      sender_id: SENDER,
      receiver_id: 'g2p-social-registry',
      total_count: 1,
      is_msg_encrypted: false,
    },
    message: {
      transaction_id: `txn-${id}`,
      txnstatus_request: { reference_id: `ref-${id}`, txn_type: 'search', attribute_type: 'transaction_id', attribute_value: `none-${id}` },
    },
  };
}
