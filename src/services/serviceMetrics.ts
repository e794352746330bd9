import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { TargetServiceKind } from './targetContract.ts';

/** The Prometheus metrics a target service exposes on its /metrics. */
export interface ServiceMetrics {
  registry: Registry;
  /**
   * GraphQL requests answered, by service, operation type (query, mutation, or `none`
   * when the request never reached execution) and outcome (`ok`, or `error` when the
   * answer carries errors).
   */
  requests: Counter<'service' | 'operation' | 'outcome'>;
  /** Time from a GraphQL request's start to its answer, by service and operation type. */
  requestDuration: Histogram<'service' | 'operation'>;
  /** Distinct keys per call of a batch entry point (`commitmentsByIds`, ...), by field. */
  batchKeys: Histogram<'field'>;
  /** Backend failures, by backend and SQLSTATE or driver code (as the gateway counts them). */
  backendFailures: Counter<'backend' | 'code'>;
  /** Statements refused or cancelled because their request ran past FIGWAY_REQUEST_TIMEOUT_MS, by backend. */
  backendTimeouts: Counter<'backend'>;
  /**
   * Change events of the ledger service's appends that did not reach the gateways, by
   * reason (`redis`: published while Redis was down; `unreadable`: the change could not
   * be read), as the gateways count theirs.
   */
  subscriptionEventsLost: Counter<'reason'>;
  /** 1 while the ledger service's change events reach Redis, 0 while it is down; absent without REDIS_URL. */
  subscriptionFanOut: Gauge;
}

/** Creates a registry with a target service's metrics and Node's default ones, all prefixed `figway_`. */
export function createServiceMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'figway_' });
  return {
    registry,
    requests: new Counter({
      name: 'figway_service_requests_total',
      help: 'GraphQL requests a target service answered, by service, operation type and outcome.',
      labelNames: ['service', 'operation', 'outcome'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'figway_service_request_duration_seconds',
      help: 'Time a target service took to answer a GraphQL request, by service and operation type.',
      labelNames: ['service', 'operation'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    batchKeys: new Histogram({
      name: 'figway_service_batch_keys',
      help: 'Distinct keys per call of a batch entry point of a target service, by field.',
      labelNames: ['field'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
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
    subscriptionEventsLost: new Counter({
      name: 'figway_subscription_events_lost_total',
      help: "Change events of the service's ledger appends that did not reach the gateways, by reason (redis: published while Redis was down; unreadable: the change could not be read).",
      labelNames: ['reason'],
      registers: [registry],
    }),
    subscriptionFanOut: new Gauge({
      name: 'figway_subscription_fanout_connected',
      help: "1 while the service's change events reach Redis, 0 while it is down (only with REDIS_URL).",
      registers: [registry],
    }),
  };
}

/** An Apollo plugin that counts and times every GraphQL request of the `service` on `metrics`. */
export function serviceMetricsPlugin(
  service: TargetServiceKind,
  metrics: ServiceMetrics,
): ApolloServerPlugin<BaseContext> {
  return {
    // A refused bearer token fails before any request hook runs.
    async contextCreationDidFail() {
      metrics.requests.inc({ service, operation: 'none', outcome: 'error' });
    },
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, response }) {
          const type = operation?.operation ?? 'none';
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          metrics.requests.inc({ service, operation: type, outcome: errors === undefined ? 'ok' : 'error' });
          metrics.requestDuration.observe({ service, operation: type }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
