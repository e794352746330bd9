import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

/** The Prometheus metrics figway exposes on /metrics. */
export interface GatewayMetrics {
  registry: Registry;
  /** Units served by legacy because their flag could not be evaluated, by flag and reason. */
  flagFallbacks: Counter<'flag' | 'reason'>;
  /** Reads the target failed and legacy answered, where the unit's fallback policy allows it. */
  routeFallbacks: Counter<'unit'>;
}

/** Creates a registry with figway's metrics and Node's default ones. */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'figway_' });
  return {
    registry,
    flagFallbacks: new Counter({
      name: 'figway_flag_fallbacks_total',
      help: 'Units served by legacy because their flag was unknown, unsynchronized, or failed to evaluate.',
      labelNames: ['flag', 'reason'],
      registers: [registry],
    }),
    routeFallbacks: new Counter({
      name: 'figway_route_fallbacks_total',
      help: 'Reads whose target failed and that legacy answered under the unit fallback policy.',
      labelNames: ['unit'],
      registers: [registry],
    }),
  };
}
