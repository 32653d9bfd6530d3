/**
 * The record cache across three replicas (separate processes) sharing one Redis, in front of
 * the simulator or a real Odoo (G2P_E2E_ODOO_*), under a continuous read load on every replica:
 *
 * - after a write through one replica is answered, no read sent afterwards to any replica
 *   answers an older version (0 stale reads);
 * - after a write made directly in Odoo (RPC, the gateway not involved), to the registrant or
 *   through a child record (a new phone), every replica answers the new version within
 *   syncSettleMs + pollIntervalMs + 500 ms.
 *
 * Versions are told apart by given_name, which every write changes. Figures as `# figures:`.
 */
import t, { type Test } from 'tap';
import { redisServerMissing, startRedis } from '../support/redis.js';
import { call, callerToken, startReplicas, stopReplicas } from '../support/replicas.js';
import { startStack } from '../support/stack.js';

const skip = redisServerMissing();
const SETTLE_MS = 1_000;
const POLL_MS = 200;
const BOUND_MS = SETTLE_MS + POLL_MS + 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const figures = (t: Test, text: string) => t.comment(`figures: ${text}`);

interface Read {
  replica: number;
  sentAt: number;
  givenName: string;
  phones: string[];
  hit: boolean;
}

t.test('record cache: three replicas, one Redis, reads under load', { skip, timeout: 300_000 }, async (t) => {
  const stack = await startStack(t, { protocol: 'jsonrpc', households: 2 });
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const replicas = await startReplicas(stack, {
    count: 3,
    redisUrl: redis.url,
    api: { syncSettleMs: SETTLE_MS },
    events: { enabled: true, pollIntervalMs: POLL_MS },
    cache: { enabled: true },
  });
  t.teardown(() => stopReplicas(replicas));
  const token = callerToken('cache-replicas');
  const created = await call(replicas[0]!, token, 'POST', '/individuals', { body: { given_name: 'v0', family_name: stack.runTag } });
  t.equal(created.status, 201);
  const id = created.body.id as number;
  const path = `/individuals/${id}`;

  // Every replica holds the record before the load starts (the detector's first pass vouches for the cache).
  for (const replica of replicas) {
    for (let i = 0; ; i++) {
      if ((await call(replica, token, 'GET', path)).headers.get('cache-status')?.includes('hit')) break;
      if (i > 400) throw new Error(`${replica.origin} never answered from its cache`);
      await sleep(25);
    }
  }

  const reads: Read[] = [];
  let loading = true;
  const reader = async (index: number) => {
    while (loading) {
      const sentAt = performance.now();
      const answer = await call(replicas[index]!, token, 'GET', path);
      if (answer.status === 200) {
        reads.push({
          replica: index,
          sentAt,
          givenName: answer.body.given_name,
          phones: answer.body.phone_numbers.map((p: { phone_no: string }) => p.phone_no),
          hit: answer.headers.get('cache-status')?.includes('hit') ?? false,
        });
      }
    }
  };
  // Two readers per replica.
  const load = Promise.all([0, 0, 1, 1, 2, 2].map(reader));
  t.teardown(async () => {
    loading = false;
    await load;
  });
  /** Time (ms after `since`) from which every read sent to every replica satisfies `seen`, or undefined if one never did. */
  const settledAfter = async (since: number, seen: (read: Read) => boolean): Promise<number | undefined> => {
    const deadline = since + 30_000;
    while (performance.now() < deadline) {
      const after = reads.filter((r) => r.sentAt >= since);
      const lastStale = after.filter((r) => !seen(r)).reduce((latest, r) => Math.max(latest, r.sentAt), since);
      const freshLater = replicas.every((_, i) => after.some((r) => r.replica === i && r.sentAt > lastStale && seen(r)));
      if (freshLater) return lastStale - since;
      await sleep(50);
    }
    return undefined;
  };

  t.test('a write through one replica: no replica answers the old version afterwards', async (t) => {
    // From the moment a write is answered until the next one is sent, every read must show it.
    const windows: Array<{ from: number; to: number; name: string }> = [];
    for (let version = 1; version <= 6; version++) {
      const name = `v${version}`;
      const patched = await call(replicas[version % 3]!, token, 'PATCH', path, { body: { given_name: name } });
      t.equal(patched.status, 200);
      const from = performance.now();
      await sleep(300);
      windows.push({ from, to: performance.now(), name });
    }
    await sleep(500);
    // Older than the window's version is stale; a newer one is the next write, which a read still in flight when it lands may show.
    const versionOf = (name: string) => Number(name.slice(1));
    const stale = windows.flatMap((w) => reads.filter((r) => r.sentAt >= w.from && r.sentAt < w.to && versionOf(r.givenName) < versionOf(w.name)));
    const checked = windows.reduce((n, w) => n + reads.filter((r) => r.sentAt >= w.from && r.sentAt < w.to).length, 0);
    const hits = reads.filter((r) => r.hit).length;
    figures(
      t,
      `${reads.length} reads during the run, ${hits} hits; ${checked} reads sent after a replica's own write was answered, ${stale.length} of them stale`,
    );
    t.ok(checked > 30, 'reads ran on every replica meanwhile');
    t.same(stale, [], 'no read sent after a write was answered shows an older version');
    t.ok(hits > 0, 'the load was served from the cache');
  });

  t.test('writes made directly in Odoo: every replica answers the new version within the bound', async (t) => {
    const took: number[] = [];
    for (let version = 1; version <= 3; version++) {
      const name = `direct${version}`;
      await stack.odoo.write('res.partner', [id], { given_name: name });
      const since = performance.now();
      const after = await settledAfter(since, (r) => r.givenName === name);
      t.ok(after !== undefined, `${name} reached every replica`);
      took.push(after ?? Infinity);
    }
    const phone = '+254712000077';
    await stack.odoo.create('g2p.phone.number', { partner_id: id, phone_no: phone });
    const since = performance.now();
    const phoneAfter = await settledAfter(since, (r) => r.phones.includes(phone));
    figures(
      t,
      `last stale read after a direct write: ${took.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}; after a new phone: ${phoneAfter?.toFixed(0)} ms (bound ${BOUND_MS} ms)`,
    );
    for (const ms of took) t.ok(ms <= BOUND_MS, `registrant: ${ms.toFixed(0)} ms <= ${BOUND_MS} ms`);
    t.ok(phoneAfter !== undefined && phoneAfter <= BOUND_MS, `phone: ${phoneAfter?.toFixed(0)} ms <= ${BOUND_MS} ms`);
  });
});
