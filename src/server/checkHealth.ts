/** Something the gateway depends on that can say whether it answers. */
export interface HealthTarget {
  name: string;
  ping(): Promise<void>;
}

/** The health of one backend as `/healthz` reports it. */
export type BackendHealth =
  | { status: 'up'; name: string; latencyMs: number }
  | { status: 'down'; name: string; error: string };

/** The body of `/healthz`. */
export interface HealthReport {
  status: 'ok' | 'degraded';
  schemaVersion: string;
  backends: Record<string, BackendHealth>;
}

/** The body of `/healthz` for callers who are not admins: up or down per backend, nothing more. */
export interface PublicHealthReport {
  status: 'ok' | 'degraded';
  schemaVersion: string;
  backends: Record<string, { status: BackendHealth['status'] }>;
}

function timeout(ms: number): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref();
  });
}

async function probe(target: HealthTarget, timeoutMs: number): Promise<BackendHealth> {
  const started = performance.now();
  try {
    await Promise.race([target.ping(), timeout(timeoutMs)]);
    return {
      status: 'up',
      name: target.name,
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
    };
  } catch (error) {
    return {
      status: 'down',
      name: target.name,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/** Pings every backend at once, each bounded by `timeoutMs`; `ok` only when all are up. */
export async function checkHealth(
  backends: Record<string, HealthTarget>,
  schemaVersion: string,
  timeoutMs = 2000,
): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(backends).map(async ([key, target]) => [key, await probe(target, timeoutMs)] as const),
  );
  const status = entries.every(([, health]) => health.status === 'up') ? 'ok' : 'degraded';
  return { status, schemaVersion, backends: Object.fromEntries(entries) };
}

/**
 * Cuts a report down to what anyone may see: backend names, latencies and error
 * messages (hosts, users, driver errors) are for admins only.
 */
export function publicHealth(report: HealthReport): PublicHealthReport {
  const backends = Object.fromEntries(
    Object.entries(report.backends).map(([key, health]) => [key, { status: health.status }]),
  );
  return { status: report.status, schemaVersion: report.schemaVersion, backends };
}
