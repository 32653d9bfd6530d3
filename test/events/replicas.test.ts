/**
 * The change detector across gateways sharing one Redis (the simulator, or a real Odoo with
 * G2P_E2E_ODOO_*): one leads at a time, a restarted or replaced detector resumes from the
 * cursor kept in Redis, and the receiver (de-duplicating by event id) sees every change.
 * Changes are made directly in Odoo. Figures are printed as `# figures: ...`.
 */
import t, { type Test } from 'tap';
import { RedisEventStore } from '../../src/events/redis-store.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { redisServerMissing, startRedis } from '../support/redis.js';
import { startReplicas, stopReplicas } from '../support/replicas.js';
import { startStack } from '../support/stack.js';
import { startReceiver } from './receiver.js';

const skip = redisServerMissing();
const figures = (t: Test, text: string) => t.comment(`figures: ${text}`);
const SECRET = 'replica-webhook-secret-0123456789';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test('change detectors sharing one Redis', { skip, timeout: 240_000 }, async (t) => {
  const receiver = await startReceiver(SECRET);
  t.teardown(() => receiver.close());
  const stack = await startStack(t, { protocol: 'jsonrpc', households: 3 });
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const running = new Set<Gateway>();

  const gateway = async (): Promise<Gateway> => {
    const started = await startGateway(t, {
      odoo: stack.target,
      protocol: 'jsonrpc',
      config: {
        redis: { url: redis.url },
        api: { syncSettleMs: 1000 },
        events: {
          enabled: true,
          pollIntervalMs: 100,
          leaseMs: 1_500,
          // Small pages: the detector reads several per poll.
          pageSize: 2,
          delivery: { attempts: 20, retryBaseMs: 50, retryMaxMs: 500 },
          webhooks: { subscriptions: [{ id: 'replicas', url: receiver.url, secret: SECRET }] },
        },
      },
    });
    running.add(started);
    return started;
  };
  const stop = async (gateway: Gateway) => {
    running.delete(gateway);
    await gateway.close();
  };
  const leaders = () => [...running].filter((gateway) => gateway.app.changeDetector!.leading);
  const waitForLeader = async () => {
    for (let i = 0; i < 200; i++) {
      if (leaders().length === 1) return leaders()[0]!;
      await sleep(25);
    }
    throw new Error(`leaders: ${leaders().length}`);
  };

  const tag = stack.runTag;
  let seq = 0;
  /** A registrant created directly in Odoo (the gateway is not involved), then changed there. */
  const createInOdoo = () => {
    const given = `Direct${++seq}`;
    return stack.odoo.create('res.partner', { name: `${tag}, ${given}`, given_name: given, family_name: tag, is_registrant: true, is_group: false });
  };
  const changeInOdoo = (id: number, given: string) => stack.odoo.write('res.partner', [id], { given_name: given });
  /** The first `registered` event of each record (waiting for every one). */
  const registeredAll = async (ids: number[]) => {
    const firsts = [];
    for (const id of ids)
      firsts.push(
        ...(await receiver.waitFor((e) => e.type === 'org.openg2p.registry.individual.registered' && e.subject === `individuals/${id}`, 1, 60_000)).slice(0, 1),
      );
    return firsts;
  };
  const updatedTo = (id: number, given: string) => receiver.waitFor((e) => e.subject === `individuals/${id}` && e.data?.given_name === given, 1, 60_000);

  t.test('two gateways running: one leads, every change is delivered once per event id', async (t) => {
    const first = await gateway();
    const second = await gateway();
    await waitForLeader();
    const duplicatesBefore = receiver.duplicates;
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(await createInOdoo());
      await sleep(100);
    }
    // Changed once registered (see the README on `registered` for a change right after creation).
    await registeredAll(ids);
    for (const id of ids.slice(0, 6)) await changeInOdoo(id, `Changed${id}`);
    for (const id of ids.slice(0, 6)) await updatedTo(id, `Changed${id}`);
    t.equal(leaders().length, 1, 'exactly one leader throughout');
    const duplicates = receiver.duplicates - duplicatesBefore;
    t.equal(duplicates, 0, 'two detectors, no delivery twice');
    figures(
      t,
      `2 gateways on one Redis: ${ids.length} creates + 6 updates made in Odoo -> ${ids.length + 6} distinct events received, ${duplicates} duplicate deliveries`,
    );
    await stop(first);
    await stop(second);
  });

  t.test('the leader stops mid-stream: the other takes over, nothing is lost', async (t) => {
    const a = await gateway();
    const b = await gateway();
    const leader = await waitForLeader();
    const duplicatesBefore = receiver.duplicates;
    const ids: number[] = [];
    let stoppedAt = 0;
    for (let i = 0; i < 10; i++) {
      ids.push(await createInOdoo());
      if (i === 4) {
        stoppedAt = Date.now();
        await stop(leader);
      }
      await sleep(150);
    }
    const follower = await waitForLeader();
    t.not(follower, leader, 'the other gateway leads');
    const got = await registeredAll(ids);
    const duplicates = receiver.duplicates - duplicatesBefore;
    figures(
      t,
      `leader stopped after 5 of 10 direct creates: all ${got.length} events received (${duplicates} duplicate deliveries, de-duplicated by id); last event ${Math.max(...got.map((r) => r.at)) - stoppedAt} ms after the stop`,
    );
    await stop(a === leader ? b : a);
  });

  t.test('no gateway running while Odoo changes: a restarted detector resumes from its cursor in Redis', async (t) => {
    t.equal(running.size, 0, 'every gateway is stopped');
    // The first registrant is changed after the others were created: read later than them (pages
    // of 2), it must still be reported as registered, with its current version.
    const ids: number[] = [await createInOdoo()];
    await sleep(1_100);
    for (let i = 0; i < 4; i++) ids.push(await createInOdoo());
    await sleep(1_100);
    await changeInOdoo(ids[0]!, 'WhileStopped');
    // Restarted once every change has settled (api.syncSettleMs): see the README on `registered`.
    await sleep(2_200);
    const restartedAt = Date.now();
    const restarted = await gateway();
    const got = await registeredAll(ids);
    const [first] = await updatedTo(ids[0]!, 'WhileStopped');
    t.equal(first!.event.type, 'org.openg2p.registry.individual.registered', 'created and changed while no gateway ran: one registered event, current version');
    await stop(restarted);
    figures(
      t,
      `5 creates + 1 update made in Odoo with no gateway running -> all received ${Math.max(...got.map((r) => r.at)) - restartedAt} ms after the restart`,
    );
  });

  t.test('a gateway process killed (SIGKILL) mid-stream: its replacement resumes, nothing is lost', async (t) => {
    const events = {
      enabled: true,
      pollIntervalMs: 100,
      leaseMs: 1_500,
      delivery: { attempts: 20, retryBaseMs: 50, retryMaxMs: 500 },
      webhooks: { subscriptions: [{ id: 'replicas', url: receiver.url, secret: SECRET }] },
    };
    const options = { count: 1, redisUrl: redis.url, events, api: { syncSettleMs: 1000 } };
    const first = await startReplicas(stack, options);
    t.teardown(() => stopReplicas(first));
    const warmUp = await createInOdoo();
    await registeredAll([warmUp]);
    const duplicatesBefore = receiver.duplicates;
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(await createInOdoo());
      await sleep(250);
    }
    // Killed once part of the stream is delivered and the rest is not.
    await registeredAll(ids.slice(0, 2));
    const deliveredBeforeKill = receiver.events.filter((r) => ids.some((id) => r.event.subject === `individuals/${id}`)).length;
    await first[0]!.kill();
    const killedAt = Date.now();
    for (let i = 0; i < 6; i++) ids.push(await createInOdoo());
    const second = await startReplicas(stack, options);
    t.teardown(() => stopReplicas(second));
    const got = await registeredAll(ids);
    t.equal(got.length, ids.length, 'every change, before and after the kill');
    const duplicates = receiver.duplicates - duplicatesBefore;
    figures(
      t,
      `leader process SIGKILLed with ${deliveredBeforeKill} of 6 events delivered, 6 more creates while no gateway ran -> replacement delivered all ${got.length}, ${duplicates} duplicate deliveries, last ${Math.max(...got.map((r) => r.at)) - killedAt} ms after the kill (lease ${events.leaseMs} ms, process start included)`,
    );
  });

  t.test('a detector whose lease ran out writes nothing (fencing)', async (t) => {
    const client = redis.client();
    t.teardown(() => client.quit());
    const store = new RedisEventStore(client, 1000);
    // This client has no key prefix: its lease and cursors are not the gateways' (they use redis.keyPrefix).
    const stale = await store.holdLease('holder-a', 200);
    t.ok(stale);
    await sleep(300);
    const fresh = await store.holdLease('holder-b', 5_000);
    t.ok(fresh && fresh !== stale, 'another holder takes the lease once it ran out');
    t.equal(await store.holdLease('holder-a', 200), undefined, 'the first holder cannot take it back while held');
    const cursorBefore = await store.getCursor('fence-check');
    t.equal(await store.append(stale!, 'fence-check', [], 'stale-cursor'), false, 'an append with the old token is refused');
    t.equal(await store.getCursor('fence-check'), cursorBefore, 'the cursor is unchanged');
    t.equal(await store.append(fresh!, 'fence-check', [], 'fresh-cursor'), true);
    t.equal(await store.getCursor('fence-check'), 'fresh-cursor');
    await store.releaseLease(fresh!);
  });

  t.test('receiver saw no forgery', async (t) => {
    t.same([receiver.forged, receiver.malformed], [0, 0]);
  });
});
