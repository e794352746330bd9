import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { createRateLimitedLog } from '../reports/rateLimitedLog.ts';
import type { WriteMirror } from './writeMirror.ts';

/** Options of {@link recordMirrorFailures}. */
export interface MirrorFailureOptions {
  /** Counts every failure by mutation unit and the side mirrored to (figway_mirror_failures_total). */
  failures: Counter<'unit' | 'to'>;
  logger: Logger;
  /** At most one log line per unit and side within this many milliseconds. @default 10000 */
  logIntervalMs?: number;
  /** Monotonic milliseconds. @default performance.now */
  clock?: () => number;
}

/**
 * Wraps a mirror so that it never rejects into a client's response: a write it could
 * not copy at once (it stays queued, or cannot be mirrored at all) is counted and logged
 * (one line per unit and side per interval, saying how many were left out), never
 * dropped silently. The authoritative write stands.
 */
export function recordMirrorFailures(mirror: WriteMirror, options: MirrorFailureOptions): WriteMirror {
  const lines = createRateLimitedLog({
    logger: options.logger,
    ...(options.logIntervalMs === undefined ? {} : { intervalMs: options.logIntervalMs }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return {
    async mirror(write) {
      try {
        await mirror.mirror(write);
      } catch (error) {
        options.failures.inc({ unit: write.unit, to: write.to });
        lines.log(
          `mirror/${write.unit}/${write.to}`,
          'error',
          { err: error, unit: write.unit, stage: write.stage, to: write.to },
          'a committed write was not mirrored at once',
        );
      }
    },
  };
}
