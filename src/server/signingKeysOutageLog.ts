import type { Logger } from '../core/logger.ts';
import { ErrorCode } from '../errors.ts';
import { createRateLimitedLog, type RateLimitedLog } from '../reports/rateLimitedLog.ts';

/**
 * The log of an outage of the signing keys (a JWKS that cannot be fetched or read): its
 * first failure at once, then at most one line per interval, each saying in `suppressed`
 * how many failures were left out since the previous one, and its end. Every request
 * with a token fails during such an outage, and a line each flooded the log.
 */
export interface SigningKeysOutageLog {
  /** The keys could not be had for one token; `cause` is what went wrong. */
  failed(cause: unknown): void;
  /** The keys were fetched and read: ends an outage, if there was one, with one line. */
  available(): void;
}

/** Options of {@link createSigningKeysOutageLog}. */
export interface SigningKeysOutageLogOptions {
  logger: Logger;
  /** The JWKS, named in every line. */
  url: string;
  /** At most one line per this many milliseconds while the outage lasts. @default 10000 */
  intervalMs?: number;
  /** Monotonic milliseconds. @default performance.now */
  clock?: () => number;
}

/** The message of a failure's line. */
export const KEYS_UNAVAILABLE_MESSAGE =
  'signing keys (SUPABASE_JWKS_URL) could not be fetched or read: requests with a bearer token are answered BACKEND_UNAVAILABLE';

/** The message of the line that ends an outage. */
export const KEYS_AVAILABLE_AGAIN_MESSAGE =
  'signing keys (SUPABASE_JWKS_URL) fetched again: the outage is over';

interface Outage {
  /** Its own rate-limited log: a new outage is logged at once, however soon after the last. */
  lines: RateLimitedLog;
  startedAt: number;
  failures: number;
  logged: number;
}

/** Creates a {@link SigningKeysOutageLog} writing to `options.logger`. */
export function createSigningKeysOutageLog(options: SigningKeysOutageLogOptions): SigningKeysOutageLog {
  const clock = options.clock ?? (() => performance.now());
  let outage: Outage | null = null;
  return {
    failed(cause) {
      outage ??= {
        lines: createRateLimitedLog({
          logger: options.logger,
          clock,
          ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
        }),
        startedAt: clock(),
        failures: 0,
        logged: 0,
      };
      outage.failures += 1;
      const fields = {
        err: cause,
        code: ErrorCode.BACKEND_UNAVAILABLE,
        backend: 'jwks',
        url: options.url,
        failures: outage.failures,
      };
      if (outage.lines.log('jwks', 'error', fields, KEYS_UNAVAILABLE_MESSAGE)) outage.logged += 1;
    },
    available() {
      if (outage === null) return;
      const { failures, logged, startedAt } = outage;
      outage = null;
      options.logger.info(
        {
          backend: 'jwks',
          url: options.url,
          failures,
          suppressed: failures - logged,
          durationMs: Math.round(clock() - startedAt),
        },
        KEYS_AVAILABLE_AGAIN_MESSAGE,
      );
    },
  };
}
