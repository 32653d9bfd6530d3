import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OutboundMetrics } from './outbound/queues.js';
import type { CacheMetrics } from './registry/record-cache.js';
import type { BreakerState, OdooCallEvent, OdooConnection } from './odoo/index.js';

/** Gauge values for the breaker, ordered by how bad they are so alerts can use `> 0`. */
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * The gateway's Prometheus metrics. Each app gets its own registry (never prom-client's
 * global one), so tests can build many apps in one process and each scrape shows one app.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly httpRequestsInFlight: Gauge;
  readonly odooCallDuration: Histogram<'model' | 'method' | 'outcome'>;
  readonly rateLimited: Counter;
  /** Pass to `createOdooConnection({ onCall })`. */
  observeOdooCall: (event: OdooCallEvent) => void;
  /** The connection whose breaker state and in-flight calls the gauges read at scrape time. */
  watchOdoo(odoo: Pick<OdooConnection, 'breakerState' | 'inFlight'>): void;
  /** The shared state store whose connection the `g2p_shared_state_up` gauge reads at scrape time. */
  watchState(state: { readonly connected: boolean }): void;
  /** The change detector's and the webhook queues' metrics. */
  readonly events: EventMetrics;
  /** The record cache's metrics; `watchCache` gives the gauges their source. */
  readonly cache: RecordCacheMetrics;
  watchCache(cache: { readonly size: { entries: number; bytes: number } }): void;
}

export interface RecordCacheMetrics extends CacheMetrics {
  /** Time from a change's Odoo write_date to the record cache's invalidation of it (s): how stale a cached answer could have been. */
  invalidationLag(seconds: number): void;
}

export interface EventMetrics extends OutboundMetrics {
  detected(type: string, count: number): void;
  polled(outcome: { ok: boolean; lagSeconds?: number }): void;
}

/** Whether a scraper can reach /metrics: on its own port, or on the API port behind a token. */
export function metricsAreServed(settings: { enabled: boolean; token?: string; port?: number }): boolean {
  return settings.enabled && (settings.port !== undefined || settings.token !== undefined);
}

export function createMetrics(options: { processMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  // Process metrics (CPU, memory, event loop lag) sample continuously: only worth it when scraped.
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'g2p_' });

  const httpRequestDuration = new Histogram({
    name: 'g2p_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern, method and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const httpRequestsInFlight = new Gauge({
    name: 'g2p_http_requests_in_flight',
    help: 'HTTP requests being processed',
    registers: [registry],
  });
  const odooCallDuration = new Histogram({
    name: 'g2p_odoo_call_duration_seconds',
    help: 'Odoo call duration by model, method and outcome',
    labelNames: ['model', 'method', 'outcome'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'g2p_http_rate_limited_total',
    help: 'Requests refused with 429 by the per-caller rate limit',
    registers: [registry],
  });
  let watched: Pick<OdooConnection, 'breakerState' | 'inFlight'> | undefined;
  new Gauge({
    name: 'g2p_odoo_circuit_breaker_state',
    help: 'Odoo circuit breaker: 0 closed, 1 half-open, 2 open',
    registers: [registry],
    collect() {
      if (watched) this.set(BREAKER_VALUE[watched.breakerState]);
    },
  });
  new Gauge({
    name: 'g2p_odoo_calls_in_flight',
    help: 'Calls to Odoo on the wire',
    registers: [registry],
    collect() {
      if (watched) this.set(watched.inFlight);
    },
  });

  let state: { readonly connected: boolean } | undefined;
  new Gauge({
    name: 'g2p_shared_state_up',
    help: 'Shared state store (Redis) connected: 1, or 0 while writes needing it are refused with 503; always 1 in memory',
    registers: [registry],
    collect() {
      if (state) this.set(state.connected ? 1 : 0);
    },
  });

  const eventsDetected = new Counter({
    name: 'g2p_events_detected_total',
    help: 'Registry changes turned into events, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const detectorPolls = new Counter({
    name: 'g2p_events_detector_polls_total',
    help: 'Change detector polls of Odoo by this gateway while it led, by outcome (ok, error)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const detectorLag = new Gauge({
    name: 'g2p_events_detector_lag_seconds',
    help: 'Time from the Odoo write_date of the newest change to its detection (last poll that found changes)',
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'g2p_webhook_deliveries_total',
    help: 'Webhook delivery attempts by subscription and outcome (delivered, failed: to be retried or dead-lettered, dead_lettered)',
    labelNames: ['subscription', 'outcome'] as const,
    registers: [registry],
  });
  const webhookLag = new Histogram({
    name: 'g2p_webhook_delivery_lag_seconds',
    help: 'Time from the Odoo write_date of a change to its delivery (2xx) to a webhook',
    labelNames: ['subscription'] as const,
    buckets: [0.5, 1, 2, 3, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  });
  const webhookQueueLag = new Gauge({
    name: 'g2p_webhook_queue_lag_seconds',
    help: 'Age of the oldest event a webhook has not received yet (0: caught up); grows while a receiver is slow or down',
    labelNames: ['subscription'] as const,
    registers: [registry],
  });
  const events: EventMetrics = {
    detected: (type, count) => eventsDetected.inc({ type }, count),
    polled: (outcome) => {
      detectorPolls.inc({ outcome: outcome.ok ? 'ok' : 'error' });
      if (outcome.lagSeconds !== undefined) detectorLag.set(outcome.lagSeconds);
    },
    delivered: (subscription, lagSeconds) => {
      webhookDeliveries.inc({ subscription, outcome: 'delivered' });
      webhookLag.observe({ subscription }, lagSeconds);
    },
    attemptFailed: (subscription) => webhookDeliveries.inc({ subscription, outcome: 'failed' }),
    deadLettered: (subscription) => webhookDeliveries.inc({ subscription, outcome: 'dead_lettered' }),
    queueLag: (subscription, seconds) => webhookQueueLag.set({ subscription }, seconds),
  };

  const cacheLookups = new Counter({
    name: 'g2p_cache_lookups_total',
    help: 'Record cache reads by result: hit, or why Odoo was asked (RFC 9211 fwd: uri-miss, stale, request, bypass)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const cacheEvictions = new Counter({
    name: 'g2p_cache_evictions_total',
    help: 'Record cache entries evicted to stay within cache.maxBytes',
    registers: [registry],
  });
  const cacheInvalidations = new Counter({
    name: 'g2p_cache_invalidations_total',
    help: 'Records invalidated in the record cache, by source (write: this gateway; detector: seen in Odoo)',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const cacheServedAge = new Histogram({
    name: 'g2p_cache_served_age_seconds',
    help: 'Age of the answers served from the record cache',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const cacheInvalidationLag = new Histogram({
    name: 'g2p_cache_invalidation_lag_seconds',
    help: 'Time from the Odoo write_date of a change made outside this gateway to its invalidation in the record cache: the staleness a cached answer could have had',
    buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30],
    registers: [registry],
  });
  let cacheSource: { readonly size: { entries: number; bytes: number } } | undefined;
  new Gauge({
    name: 'g2p_cache_entries',
    help: 'Record cache entries held',
    registers: [registry],
    collect() {
      if (cacheSource) this.set(cacheSource.size.entries);
    },
  });
  new Gauge({
    name: 'g2p_cache_bytes',
    help: 'Bytes the record cache holds (JSON size of its entries)',
    registers: [registry],
    collect() {
      if (cacheSource) this.set(cacheSource.size.bytes);
    },
  });
  const cache: RecordCacheMetrics = {
    lookup: (result) => cacheLookups.inc({ result }),
    evicted: () => cacheEvictions.inc(),
    invalidated: (source, keys) => cacheInvalidations.inc({ source }, keys),
    servedAge: (seconds) => cacheServedAge.observe(seconds),
    invalidationLag: (seconds) => cacheInvalidationLag.observe(seconds),
  };

  return {
    registry,
    events,
    cache,
    watchCache(source) {
      cacheSource = source;
    },
    httpRequestDuration,
    httpRequestsInFlight,
    odooCallDuration,
    rateLimited,
    observeOdooCall(event) {
      odooCallDuration.observe({ model: event.model ?? '', method: event.method, outcome: event.outcome }, event.durationMs / 1000);
    },
    watchOdoo(odoo) {
      watched = odoo;
    },
    watchState(store) {
      state = store;
    },
  };
}
