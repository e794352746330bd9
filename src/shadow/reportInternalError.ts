import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';

/**
 * Where in the shadow machinery a failure happened (Scientist's `raised` operations):
 * hashing variables or diffs, projecting an answer onto the selection, comparing,
 * re-checking a mismatch, re-reading the control for noise, building or recording
 * the observation, storing it.
 */
export type ShadowStep = 'redact' | 'project' | 'compare' | 'recheck' | 'reread' | 'observe' | 'store';

/**
 * Hears of every failure inside the shadow machinery, with the step and the unit it
 * happened in. The client never sees these failures; this is where they surface.
 * It must not throw: a throw is counted as step `observe` and otherwise dropped.
 */
export type OnInternalError = (step: ShadowStep, error: unknown, unit: string) => void;

/** The one logging method the reporter needs (pino's `warn` fits). */
export interface WarnLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Options of {@link createInternalErrorReporter}. */
export interface InternalErrorReporterOptions {
  metrics: Pick<GatewayMetrics, 'shadowInternalErrors'>;
  /** Where failures are logged; without it they are only counted. */
  log?: WarnLog;
  /** A unit and step log one line per this interval at most; the next line says how many were held back. @default 60000 */
  logEveryMs?: number;
  /** Milliseconds now, for the rate limit. @default Date.now */
  clock?: () => number;
}

/**
 * Creates the default {@link OnInternalError}: counts each failure on
 * `figway_shadow_internal_errors_total{unit,step}` and logs it at warn level,
 * rate-limited per unit and step so a failing comparison cannot flood the log.
 */
export function createInternalErrorReporter(options: InternalErrorReporterOptions): OnInternalError {
  const logEveryMs = options.logEveryMs ?? 60_000;
  const clock = options.clock ?? Date.now;
  const lastLogged = new Map<string, { at: number; suppressed: number }>();
  return (step, error, unit) => {
    options.metrics.shadowInternalErrors.inc({ unit, step });
    if (options.log === undefined) return;
    const key = `${unit}\u0000${step}`;
    const now = clock();
    const last = lastLogged.get(key);
    if (last !== undefined && now - last.at < logEveryMs) {
      last.suppressed += 1;
      return;
    }
    lastLogged.set(key, { at: now, suppressed: 0 });
    options.log.warn(
      { err: error, unit, step, suppressed: last?.suppressed ?? 0 },
      `shadow machinery failed at step "${step}" (the client got its answer)`,
    );
  };
}
