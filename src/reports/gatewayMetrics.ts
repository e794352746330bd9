import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics figway exposes on /metrics. */
export interface GatewayMetrics {
  registry: Registry;
  /**
   * Units whose flag could not be evaluated, by flag and reason: served by legacy, or,
   * for a `Mutation.*` unit whose stage for everyone is unknown, refused.
   */
  flagFallbacks: Counter<'flag' | 'reason'>;
  /** Reads the target failed and legacy answered, where the unit's fallback policy allows it. */
  routeFallbacks: Counter<'unit'>;
  /** Shadow comparisons by unit, stage and outcome. */
  observations: Counter<'unit' | 'stage' | 'outcome'>;
  /** Read latency of each side in shadow comparisons. */
  shadowLatency: Histogram<'unit' | 'side'>;
  /**
   * Samples the sampler did not take, by unit and reason: `throttled` (the adaptive
   * factor said no while candidates or the observation writer backed up) or `queue_full`
   * (no place left in the writer's queue). A skipped sample is never an observation.
   */
  shadowSkipped: Counter<'unit' | 'reason'>;
  /** Each unit's effective sample rate now: its configured rate times the adaptive factor. */
  shadowSampleRate: Gauge<'unit'>;
  /** Observations accepted but not stored, by reason; 0 unless the store stays down past shutdown. */
  observationsLost: Counter<'reason'>;
  /** Failures inside the shadow machinery (redacting, projecting, comparing, storing...), by unit and step. */
  shadowInternalErrors: Counter<'unit' | 'step'>;
  /** Backend failures (refused or lost connections, shutdowns, server errors), by backend and SQLSTATE or driver code. */
  backendFailures: Counter<'backend' | 'code'>;
  /** Database statements refused or cancelled because their request ran past its time budget, by backend. */
  backendTimeouts: Counter<'backend'>;
  /** Committed writes not copied to the other side at once (queued, or no mirror possible), by mutation unit and the side mirrored to. */
  mirrorFailures: Counter<'unit' | 'to'>;
  /** Mirror lag: from a change on one side (recorded in its own transaction) to its commit on the other, by the side mirrored to. */
  mirrorLag: Histogram<'to'>;
  /** Queued changes handled by the applier, by the side mirrored to and result (applied, skipped, conflict, failed, dead). */
  mirrorChanges: Counter<'to' | 'result'>;
  /** Changes waiting to be mirrored, by the side mirrored to; dead letters by the same. */
  mirrorBacklog: Gauge<'to' | 'state'>;
  /** Subscriptions open on this instance, by unit. */
  subscriptionsActive: Gauge<'unit'>;
  /** Events sent to subscribers, by unit and the side that fed them. */
  subscriptionDeliveries: Counter<'unit' | 'source'>;
  /** Delay from a change's commit to its event being sent to a subscriber, by the side that fed it. */
  subscriptionLatency: Histogram<'source'>;
  /**
   * Events that did not reach every instance or subscriber they should have: `redis`
   * (published while the fan-out was down: other instances missed them; local
   * subscribers still got them), `slow_consumer` (queued for a socket that was cut off).
   */
  subscriptionEventsLost: Counter<'reason'>;
  /** Sockets the gateway closed on its own, by reason (slow_consumer, token_expired). */
  subscriptionSocketsClosed: Counter<'reason'>;
  /** 1 while the Redis fan-out across instances is connected, 0 while it is down; absent without REDIS_URL. */
  subscriptionFanOut: Gauge;
}

/** Creates a registry with figway's metrics and Node's default ones. */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'figway_' });
  return {
    registry,
    flagFallbacks: new Counter({
      name: 'figway_flag_fallbacks_total',
      help: 'Units whose flag was unknown, unsynchronized, not a stage or failed to evaluate: served by legacy, or refused for a Mutation unit whose stage for everyone is unknown.',
      labelNames: ['flag', 'reason'],
      registers: [registry],
    }),
    routeFallbacks: new Counter({
      name: 'figway_route_fallbacks_total',
      help: 'Reads whose target failed and that legacy answered under the unit fallback policy.',
      labelNames: ['unit'],
      registers: [registry],
    }),
    observations: new Counter({
      name: 'figway_shadow_observations_total',
      help: 'Shadow comparisons by unit, stage and outcome.',
      labelNames: ['unit', 'stage', 'outcome'],
      registers: [registry],
    }),
    shadowLatency: new Histogram({
      name: 'figway_shadow_read_seconds',
      help: 'Read latency of the control and candidate sides in shadow comparisons.',
      labelNames: ['unit', 'side'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    shadowSkipped: new Counter({
      name: 'figway_shadow_samples_skipped_total',
      help: 'Samples not taken, by unit and reason (throttled: the adaptive rate; queue_full: no place in the observation queue).',
      labelNames: ['unit', 'reason'],
      registers: [registry],
    }),
    shadowSampleRate: new Gauge({
      name: 'figway_shadow_sample_rate',
      help: 'Effective shadow sample rate per unit: the configured rate times the adaptive factor.',
      labelNames: ['unit'],
      registers: [registry],
    }),
    observationsLost: new Counter({
      name: 'figway_shadow_observations_lost_total',
      help: 'Observations accepted but not stored, by reason (store_unavailable at shutdown, unserializable).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    shadowInternalErrors: new Counter({
      name: 'figway_shadow_internal_errors_total',
      help: 'Failures inside the shadow machinery by unit and step (redact, project, compare, recheck, reread, observe, store).',
      labelNames: ['unit', 'step'],
      registers: [registry],
    }),
    backendFailures: new Counter({
      name: 'figway_backend_failures_total',
      help: 'Backend failures (refused or lost connections, shutdowns, server errors), by backend and SQLSTATE or driver code.',
      labelNames: ['backend', 'code'],
      registers: [registry],
    }),
    backendTimeouts: new Counter({
      name: 'figway_backend_timeouts_total',
      help: 'Database statements refused or cancelled because their request ran past FIGWAY_REQUEST_TIMEOUT_MS.',
      labelNames: ['backend'],
      registers: [registry],
    }),
    subscriptionsActive: new Gauge({
      name: 'figway_subscriptions_active',
      help: 'Subscriptions open on this instance, by unit.',
      labelNames: ['unit'],
      registers: [registry],
    }),
    subscriptionDeliveries: new Counter({
      name: 'figway_subscription_deliveries_total',
      help: 'Events sent to subscribers, by unit and the side that fed them.',
      labelNames: ['unit', 'source'],
      registers: [registry],
    }),
    subscriptionLatency: new Histogram({
      name: 'figway_subscription_latency_seconds',
      help: "Delay from a change's commit to its event being sent to a subscriber, by the side that fed it.",
      labelNames: ['source'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    subscriptionEventsLost: new Counter({
      name: 'figway_subscription_events_lost_total',
      help: 'Events that missed instances (redis: published while the fan-out was down) or subscribers (slow_consumer: queued for a socket that was cut off).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    subscriptionSocketsClosed: new Counter({
      name: 'figway_subscription_sockets_closed_total',
      help: 'Sockets the gateway closed on its own, by reason (slow_consumer, token_expired).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    subscriptionFanOut: new Gauge({
      name: 'figway_subscription_fanout_connected',
      help: '1 while the Redis fan-out across instances is connected, 0 while it is down (only with REDIS_URL).',
      registers: [registry],
    }),
    mirrorFailures: new Counter({
      name: 'figway_mirror_failures_total',
      help: 'Committed writes not copied to the other side at once (queued, or no mirror possible), by mutation unit and the side mirrored to.',
      labelNames: ['unit', 'to'],
      registers: [registry],
    }),
    mirrorLag: new Histogram({
      name: 'figway_mirror_lag_seconds',
      help: 'From a change on one side (recorded in its own transaction) to its commit on the other, by the side mirrored to.',
      labelNames: ['to'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    mirrorChanges: new Counter({
      name: 'figway_mirror_changes_total',
      help: 'Queued changes handled by the mirror, by the side mirrored to and result (applied, skipped, conflict, failed, dead).',
      labelNames: ['to', 'result'],
      registers: [registry],
    }),
    mirrorBacklog: new Gauge({
      name: 'figway_mirror_backlog',
      help: 'Changes waiting to be mirrored (state pending) and dead letters (state dead), by the side mirrored to; sampled by the applier.',
      labelNames: ['to', 'state'],
      registers: [registry],
    }),
  };
}
