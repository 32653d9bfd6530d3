import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config/load.js';
import { DciAsyncService, type DciJob } from './dci/async.js';
import { httpDeliverer } from './outbound/delivery.js';
import { outboundDispatcher } from './outbound/http-agent.js';
import { DciMessages } from './dci/messages.js';
import { MessageSecurity } from './dci/message-security.js';
import { DciQueryRunner } from './dci/query-runner.js';
import { DciSearchService } from './dci/search.js';
import { RedisTransactionStore } from './dci/redis-transactions.js';
import { InMemoryTransactionStore, type DciTransactionStore } from './dci/transactions.js';
import { CustomEndpoints } from './endpoints/index.js';
import { ChangeDetector } from './events/detector.js';
import { EventDispatcher, type EventMessage, type EventReceiver } from './events/dispatcher.js';
import { BullJobPool } from './outbound/bullmq-pool.js';
import { BullOutboundQueues } from './outbound/bullmq-queues.js';
import { MemoryJobPool } from './outbound/memory-pool.js';
import { MemoryOutboundQueues } from './outbound/memory-queues.js';
import type { JobPoolOptions, OutboundJobPool, OutboundQueueOptions, OutboundQueues } from './outbound/queues.js';
import { RedisEventStore } from './events/redis-store.js';
import { legacyDeadLetterMover } from './events/legacy-dead-letters.js';
import { MemoryEventStore, type EventStore } from './events/store.js';
import { sharedPayloadReads, webhookReceiver, type WebhookSubscription } from './events/webhooks.js';
import { SUBSCRIPTIONS_KEY, type DciSubscription, type DciSubscriptionStore } from './dci/subscription-store.js';
import { DciSubscriptionService } from './dci/subscriptions.js';
import { createBasicAuthenticator } from './http/auth/basic.js';
import { scopeGrants } from './http/auth/field-scopes.js';
import { FailedAuthBudget } from './http/auth/failure-budget.js';
import { RefusalLog } from './http/auth/refusal-log.js';
import { ClientTokenIssuer } from './http/auth/client-credentials.js';
import type { Authenticator } from './http/auth/index.js';
import { HttpProblem } from './http/problem.js';
import { createMetrics, metricsAreServed, type GatewayMetrics } from './metrics.js';
import { createOdooConnection, type OdooConnection } from './odoo/index.js';
import type { OdooClient } from './odoo/types.js';
import { createRegistry, type Registry } from './registry/index.js';
import { CursorSeal } from './registry/cursor.js';
import { readChangedRecords } from './registry/changes.js';
import { viewOfStored, type FieldCatalog, type Resource } from './registry/field-scope.js';
import { createStateStore, type StateStore } from './state/index.js';
import { RedisCacheLedger } from './state/redis-cache-ledger.js';
import { MemoryCacheLedger, RecordCache, type CacheLedger } from './registry/record-cache.js';
import type { ChangeFollower } from './events/detector.js';

export interface AppDependencies {
  /** An existing Odoo connection (tests share one); otherwise one is made from `config.odoo`. */
  odoo?: OdooConnection;
  /** Where async DCI transactions are kept; by default in Redis when `redis.url` is set, else in memory. */
  dciStore?: DciTransactionStore;
}

/** The DCI Social Registry's services, when `dci.enabled`. */
export interface DciServices {
  /** Envelopes, signatures, the replay guard, response headers and acknowledgements of every DCI message. */
  messages: DciMessages;
  search: DciSearchService;
  async: DciAsyncService;
  /** Where async transactions and their pending work are kept. */
  store: DciTransactionStore;
  /** Subscriptions and their notifications, when `events.enabled` too (notifications are the change detector's events). */
  subscriptions?: { service: DciSubscriptionService; store: DciSubscriptionStore };
}

/** Registry change events, when `events.enabled`: the detector, the webhook queues and where both keep their state. */
export interface EventServices {
  store: EventStore;
  /** The outbound queues of webhooks and DCI subscriptions (their dead letters). */
  queues: OutboundQueues<EventMessage>;
  detector: ChangeDetector;
  dispatcher: EventDispatcher;
  /** Webhooks declared in the configuration (the API cannot change or delete them). */
  declared: readonly WebhookSubscription[];
  /** How other features (DCI subscriptions) receive the event log beside the webhooks. */
  receivers: EventReceivers;
  /** The CloudEvents `source` of this gateway's events. */
  source: string;
  /** Starts change detection and webhook deliveries (warning when their state is kept in memory only). */
  start(): void;
  stop(): Promise<void>;
}

/** The events dispatcher's queues as other receivers of the event log use them. */
export interface EventReceivers {
  /** Receivers listed at each poll of the dispatcher, besides the webhooks. */
  addSource(list: () => Promise<EventReceiver[]>): void;
  /** A new receiver's queue starts after the newest event now: it gets the changes from now on. */
  startAtHead(id: string): Promise<void>;
  /** A removed receiver's position in the log and its dead letters go. */
  forget(id: string): Promise<void>;
  /** New receivers: the dispatcher looks now rather than at its next poll. */
  wake(): void;
}

/**
 * Everything the gateway builds once, in one place (the composition root): `buildApp` makes
 * these, decorates the app with them and the plugins only read them.
 */
export interface GatewayServices {
  /** The configuration, the gateway's own token issuer among the trusted ones when clients are configured. */
  config: Config;
  metrics: GatewayMetrics;
  odoo: OdooConnection;
  /** What must hold between requests (and replicas): idempotency keys, record leases, replay guard. */
  state: StateStore;
  registry: Registry;
  customEndpoints: CustomEndpoints;
  /** The gateway's own client-credentials issuer, when `auth.clientCredentials.clients` is not empty. */
  tokenIssuer?: ClientTokenIssuer;
  /** Ways to authenticate besides bearer tokens (HTTP Basic against Odoo, when `compat.basicAuth.enabled`). */
  authenticators: Authenticator[];
  /** Failed authentications per client address and identity (shared through the state store). */
  failedAuth: FailedAuthBudget;
  /** Refused requests, logged a few in full per address and window, the rest summed up. */
  refusals: RefusalLog;
  /** Public keys served at the JWKS route: the DCI signing key and the token issuer's keys. */
  jwks: Array<Record<string, string>>;
  /** The Odoo account the gateway reads as on its own behalf (no caller): DCI async searches, change detection, endpoint checks. */
  readAccount(): OdooClient;
  dci?: DciServices;
  events?: EventServices;
  /** Starts the background work (DCI async jobs, change detection, webhook deliveries); when the app is ready. */
  start(): void;
  /** Stops the background work, then closes the state store and (unless it was given) the Odoo connection. */
  close(): Promise<void>;
}

/**
 * The gateway's own client-credentials issuer when clients are configured, and the
 * configuration with it among the trusted issuers (its tokens then pass like any other).
 */
function withClientTokens(config: Config): { config: Config; tokenIssuer?: ClientTokenIssuer } {
  const settings = config.auth.clientCredentials;
  if (Object.keys(settings.clients).length === 0) return { config };
  if (config.auth.issuers.some((issuer) => issuer.issuer === settings.issuer)) {
    throw new Error(`auth.clientCredentials.issuer "${settings.issuer}" is already a configured issuer; give the gateway's tokens an issuer of their own`);
  }
  const tokenIssuer = new ClientTokenIssuer(settings, config.roles);
  return { config: { ...config, auth: { ...config.auth, issuers: [...config.auth.issuers, tokenIssuer.issuerConfig()] } }, tokenIssuer };
}

const noAccount = () => new HttpProblem({ status: 503, detail: 'No Odoo account is configured.' });

/** Builds the gateway's services from the configuration; nothing listens or polls until `start`. */
export function createServices(fileConfig: Config, deps: AppDependencies, log: FastifyBaseLogger): GatewayServices {
  const { config, tokenIssuer } = withClientTokens(fileConfig);
  if (!config.odoo && !deps.odoo) throw new Error('buildApp needs config.odoo (server.ts starts the sandbox simulator when none is configured)');
  const metrics = createMetrics({ processMetrics: metricsAreServed(config.metrics) });
  const odoo = deps.odoo ?? createOdooConnection({ ...config.odoo!, name: 'gateway', logger: log, onCall: metrics.observeOdooCall });
  const state = createStateStore(config, log);
  const cache = recordCache(config, state, metrics, log);
  const { api } = config;
  const registry = createRegistry({
    customFields: api.customFields,
    referenceCacheTtlMs: api.referenceCacheTtlMs,
    defaultPageSize: api.defaultPageSize,
    maxPageSize: api.maxPageSize,
    countLimit: api.countLimit,
    // Replicas (redis.url) behind a load balancer would mostly read pages ahead for nobody: a held
    // page serves only a caller whose next request comes back to the same replica.
    feedReadAhead: api.feedReadAhead ?? (config.redis.url ? 0 : 8),
    maxBatchSize: api.maxBatchSize,
    uniqueIdTypes: api.uniqueIdTypes,
    syncSettleMs: api.syncSettleMs,
    locks: state.locks,
    cursors: new CursorSeal(config.cursors),
    ...(cache ? { cache: cache.cache } : {}),
    ...(config.fieldScopes ? { fieldScopes: config.fieldScopes } : {}),
  });
  const readCredentials = config.odoo?.accounts.read ?? config.odoo?.accounts.default;
  const readAccount = (): OdooClient => {
    if (!readCredentials) throw noAccount();
    return odoo.as({ login: readCredentials.login, secret: readCredentials.password });
  };
  const authLog = log.child({ component: 'auth' });
  const failedAuth = new FailedAuthBudget(config.failedAuth, state.authFailures, authLog);
  const refusals = new RefusalLog(config.log.refusals, authLog);
  const { basicAuth } = config.compat;
  const basicScopes = scopeGrants(config);
  const authenticators = basicAuth.enabled
    ? [
        createBasicAuthenticator(odoo, {
          cacheTtlMs: basicAuth.cacheTtlMs,
          rolesCacheTtlMs: basicAuth.rolesCacheTtlMs,
          postImpliesGet: config.auth.postImpliesGet,
          beforeOdooCheck: (request, identity) => failedAuth.assertOpen(request, identity),
          fieldScopesOf: (login) => basicScopes.ofBasicLogin(login),
        }),
      ]
    : [];
  const messageSecurity = config.dci.enabled ? new MessageSecurity({ settings: config.dci, dispatcher: outboundDispatcher(config.outbound) }) : undefined;
  const jwks = [...(messageSecurity?.publicJwks() ?? []), ...(tokenIssuer?.jwks() ?? [])];
  const events = config.events.enabled
    ? eventServices(config, state, metrics, readCredentials !== undefined, readAccount, log, cache?.follower, registry.core.views.catalog)
    : undefined;
  const dci = messageSecurity ? dciServices(config, state, deps.dciStore, readAccount, log, messageSecurity, events?.receivers) : undefined;

  return {
    config,
    metrics,
    odoo,
    state,
    registry,
    customEndpoints: new CustomEndpoints(registry.core),
    ...(tokenIssuer ? { tokenIssuer } : {}),
    authenticators,
    failedAuth,
    refusals,
    jwks,
    readAccount,
    ...(dci ? { dci } : {}),
    ...(events ? { events } : {}),
    start() {
      refusals.start();
      events?.start();
      if (dci) {
        if (!dci.store.durable) log.warn('dci: async searches and their deliveries are kept in memory: pending work is lost if the gateway restarts');
        if (dci.subscriptions && !dci.subscriptions.store.durable)
          log.warn('dci: subscriptions are kept in memory: they are lost if the gateway restarts; set redis.url to keep them');
        dci.async.start();
      }
    },
    async close() {
      // Background work first: it still reads Odoo and writes the state store while it stops.
      await dci?.async.stop();
      await events?.stop();
      await state.close();
      refusals.stop();
      if (!deps.odoo) await odoo.close();
    },
  };
}

/**
 * The record cache and the change follower that vouches for it (`cache.enabled`): its ledger
 * in Redis when replicas share state, else in this process.
 */
function recordCache(
  config: Config,
  state: StateStore,
  metrics: GatewayMetrics,
  log: FastifyBaseLogger,
): { cache: RecordCache; follower: ChangeFollower } | undefined {
  const settings = config.cache;
  if (!settings.enabled) return undefined;
  if (!config.events.enabled) throw new Error('cache.enabled needs events.enabled: the change detector is what bounds how stale a cached answer may be');
  const ledger = state.storeFor<CacheLedger>({
    memory: () => new MemoryCacheLedger(settings.maxAgeMs),
    redis: (redis) => new RedisCacheLedger(redis, settings.maxAgeMs * 2),
  });
  const cache = new RecordCache(settings, ledger, metrics.cache, Date.now, (err) =>
    log.warn(
      { err },
      'record cache: an invalidation could not reach the shared ledger; hits are refused while it is away and the change detector stamps the change again',
    ),
  );
  metrics.watchCache(cache);
  let newestSeen = '';
  const follower: ChangeFollower = {
    async touched({ keys, writeDates }) {
      // Passes overlap (a late commit is read again): the lag is observed once per newer change.
      const now = Date.now();
      for (const writeDate of writeDates.filter((d) => d > newestSeen))
        metrics.cache.invalidationLag(Math.max(0, (now - Date.parse(`${writeDate.replace(' ', 'T')}Z`)) / 1000));
      newestSeen = writeDates.reduce((a, b) => (b > a ? b : a), newestSeen);
      await cache.invalidate(keys, 'detector');
    },
    async watching(epoch, validForMs, fresh) {
      if (fresh) cache.clear();
      return ledger.watching(epoch, validForMs, fresh);
    },
  };
  return { cache, follower };
}

/** How long a DCI job of a replica that stopped renewing its lock (died, lost Redis) waits before another works it. */
const DCI_JOB_LOCK_MS = 5_000;

function dciServices(
  config: Config,
  state: StateStore,
  given: DciTransactionStore | undefined,
  readAccount: () => OdooClient,
  parentLog: FastifyBaseLogger,
  security: MessageSecurity,
  receivers: EventReceivers | undefined,
): DciServices {
  const settings = config.dci;
  const messages = new DciMessages({ settings, replayGuard: state.replay, security });
  const runner = new DciQueryRunner(settings, Date.now, config.api.customFields);
  const search = new DciSearchService({ settings, messages, runner });
  const retentionMs = settings.async.retentionSeconds * 1000;
  const store =
    given ??
    state.storeFor<DciTransactionStore>({
      memory: () => new InMemoryTransactionStore(retentionMs),
      redis: (redis) => new RedisTransactionStore(redis, retentionMs),
    });
  const log = parentLog.child({ component: 'dci-async' });
  const poolOptions: JobPoolOptions = {
    concurrency: settings.async.concurrency,
    retryBaseMs: settings.async.retryBaseMs,
    retryMaxMs: settings.async.retryMaxMs,
    // Renewed every half of it while a job runs, however long its search or callback takes: it
    // only bounds how soon a job of a replica that died (or lost Redis) is worked again.
    lockMs: DCI_JOB_LOCK_MS,
    log,
  };
  const pool = state.storeFor<OutboundJobPool<DciJob>>({
    memory: () => new MemoryJobPool(poolOptions),
    redis: (redis) => new BullJobPool(redis, 'dci', poolOptions),
  });
  const subscriptionStore: DciSubscriptionStore | undefined = receivers ? state.recordHash<DciSubscription>(SUBSCRIPTIONS_KEY, 'DCI subscriptions') : undefined;
  const async = new DciAsyncService({
    settings,
    messages,
    service: search,
    store,
    pool,
    ...(subscriptionStore ? { subscriptions: subscriptionStore } : {}),
    odoo: readAccount,
    deliver: httpDeliverer(settings.async.deliveryTimeoutMs, `g2p-gateway (${settings.registryId})`, outboundDispatcher(config.outbound)),
    log,
  });
  if (!receivers || !subscriptionStore) return { messages, search, async, store };
  const subscriptions = new DciSubscriptionService({
    settings,
    messages,
    runner,
    callbacks: async,
    store: subscriptionStore,
    transactions: store,
    odoo: readAccount,
    deliver: httpDeliverer(config.events.delivery.timeoutMs, `g2p-gateway (${settings.registryId})`, outboundDispatcher(config.outbound)),
    queues: receivers,
    log: parentLog.child({ component: 'dci-subscriptions' }),
  });
  receivers.addSource(() => subscriptions.receivers());
  return { messages, search, async, store, subscriptions: { service: subscriptions, store: subscriptionStore } };
}

function eventServices(
  config: Config,
  state: StateStore,
  metrics: GatewayMetrics,
  hasReadAccount: boolean,
  readAccount: () => OdooClient,
  parentLog: FastifyBaseLogger,
  follow: ChangeFollower | undefined,
  catalog: Readonly<Record<Resource, FieldCatalog>>,
): EventServices {
  const records = { catalog, customFields: config.api.customFields };
  const settings = config.events;
  if (!hasReadAccount) throw new Error('events.enabled needs an Odoo account (odoo.accounts.read or default) to read changes as');
  const store = state.storeFor<EventStore>({
    memory: () => new MemoryEventStore(settings.maxLogEvents),
    redis: (redis) => new RedisEventStore(redis, settings.maxLogEvents),
  });
  const log = parentLog.child({ component: 'events' });
  const declared: WebhookSubscription[] = settings.webhooks.subscriptions;
  const declaredIds = new Set(declared.map((s) => s.id));
  const detector = new ChangeDetector({
    settings,
    store,
    odoo: readAccount,
    settleMs: config.api.syncSettleMs,
    log,
    onEvents: (events) => {
      for (const event of events) metrics.events.detected(event.type, 1);
      // Called only once polling runs (after start), when the dispatcher below exists.
      dispatcher.wake();
    },
    onPoll: (outcome) => metrics.events.polled(outcome),
    ...(follow ? { follow } : {}),
  });
  const deliver = httpDeliverer(settings.delivery.timeoutMs, `g2p-gateway (${config.dci.registryId})`, outboundDispatcher(config.outbound));
  const source = `urn:g2p-gateway:${config.dci.registryId}`;
  const sources: Array<() => Promise<EventReceiver[]>> = [
    async () => {
      // A new reader each round: receivers handed the same batch under the same view read it once.
      const read = sharedPayloadReads((feed, ids, view) => readChangedRecords(readAccount(), feed, ids, viewOfStored(view), records));
      return [...declared, ...(await store.webhooks.list()).filter((w) => !declaredIds.has(w.id))].map((w) => webhookReceiver(w, deliver, source, read));
    },
  ];
  const dispatcherReceivers = async () => (await Promise.all(sources.map((list) => list()))).flat();
  const queueOptions: OutboundQueueOptions<EventMessage> = {
    schedule: settings.delivery,
    // Built below: the dispatcher knows the receivers a queued event goes to.
    send: (receiver, message) => dispatcher.send(receiver, message),
    maxDeadLetters: settings.delivery.maxDeadLetters,
    lockMs: settings.leaseMs,
    metrics: metrics.events,
    log,
  };
  const queues = state.storeFor<OutboundQueues<EventMessage>>({
    memory: () => new MemoryOutboundQueues(queueOptions),
    redis: (redis) => new BullOutboundQueues(redis, queueOptions),
  });
  const dispatcher = new EventDispatcher({
    settings,
    store,
    queues,
    leading: () => detector.leading,
    receivers: dispatcherReceivers,
    log,
  });
  // With Redis: the dead letters the dispatcher kept before the outbound engine, moved into it at start-up.
  const legacyDeadLetters = state.storeFor<ReturnType<typeof legacyDeadLetterMover> | undefined>({
    memory: () => undefined,
    redis: (redis) => legacyDeadLetterMover({ redis, queues, receivers: dispatcherReceivers, log }),
  });
  const receivers: EventReceivers = {
    addSource: (list) => void sources.push(list),
    startAtHead: async (id) => store.setOffset(id, (await store.head()) ?? '0'),
    forget: async (id) => {
      await store.deleteOffset(id);
      await queues.forget(id);
    },
    wake: () => dispatcher.wake(),
  };
  return {
    store,
    queues,
    detector,
    dispatcher,
    declared,
    receivers,
    source,
    start() {
      if (!store.durable)
        log.warn(
          'events: the change cursor, event log and webhook queues are kept in memory: a restart starts again from now and loses undelivered events; set redis.url to keep them',
        );
      detector.start();
      dispatcher.start();
      legacyDeadLetters?.start();
    },
    async stop() {
      await legacyDeadLetters?.stop();
      await dispatcher.stop();
      await detector.stop();
    },
  };
}
