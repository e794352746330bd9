import type { Logger } from 'pino';

/** The levels a {@link RateLimitedLog} writes at. */
export type RateLimitedLevel = 'error' | 'warn' | 'info' | 'debug';

/** Options of {@link createRateLimitedLog}. */
export interface RateLimitedLogOptions {
  logger: Logger;
  /** At most one line per key within this many milliseconds. @default 10000 */
  intervalMs?: number;
  /** Monotonic milliseconds. @default performance.now */
  clock?: () => number;
}

/**
 * A log that writes at most one line per key (a backend, a flag source) per interval,
 * so an outage makes a few lines rather than one per request. A line says in
 * `suppressed` how many of its key were left out since the previous one.
 */
export interface RateLimitedLog {
  /** Writes the line unless its key had one within the interval; returns whether it did. */
  log(key: string, level: RateLimitedLevel, fields: Record<string, unknown>, message: string): boolean;
}

/** Creates a {@link RateLimitedLog} over a pino logger. */
export function createRateLimitedLog(options: RateLimitedLogOptions): RateLimitedLog {
  const intervalMs = options.intervalMs ?? 10_000;
  const clock = options.clock ?? (() => performance.now());
  const keys = new Map<string, { lastAt: number; suppressed: number }>();
  return {
    log(key, level, fields, message) {
      const now = clock();
      const state = keys.get(key);
      if (state !== undefined && now - state.lastAt < intervalMs) {
        state.suppressed += 1;
        return false;
      }
      options.logger[level]({ ...fields, suppressed: state?.suppressed ?? 0 }, message);
      keys.set(key, { lastAt: now, suppressed: 0 });
      return true;
    },
  };
}
