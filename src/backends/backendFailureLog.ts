import type { Logger } from 'pino';
import { type BackendEvents, type FailurePhase, sqlState } from '../core/database.ts';
import { createRateLimitedLog } from '../reports/rateLimitedLog.ts';

/** Options of {@link createBackendFailureLog}. */
export interface BackendFailureLogOptions {
  logger: Logger;
  /** Called for every failure, logged or not (figway counts them on /metrics). */
  countFailure?: (backend: string, code: string) => void;
  /** Called for every statement cut by its request's time budget. */
  countTimeout?: (backend: string) => void;
  /** At most one line per backend within this many milliseconds. @default 10000 */
  intervalMs?: number;
  /** Monotonic milliseconds. @default performance.now */
  clock?: () => number;
}

/**
 * Where backend failures go: every one is counted, and each backend logs at most
 * one line per interval naming the cause (SQLSTATE or driver code and message) and
 * how many failures the previous interval left out.
 */
export interface BackendFailureLog {
  /** Records one failure of `backend` (e.g. `legacy`, `ledger`). */
  failed(backend: string, error: unknown, during: FailurePhase): void;
  /** Records one statement of `backend` cut by its request's time budget. */
  timedOut(backend: string): void;
  /** The events a database of `backend` reports into this log. */
  eventsOf(backend: string): BackendEvents;
}

function causeOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Creates a {@link BackendFailureLog}. */
export function createBackendFailureLog(options: BackendFailureLogOptions): BackendFailureLog {
  const lines = createRateLimitedLog({
    logger: options.logger,
    ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const log: BackendFailureLog = {
    failed(backend, error, during) {
      const code = sqlState(error) ?? 'none';
      options.countFailure?.(backend, code);
      // A lost idle connection costs no request: the pool replaces it.
      const level = during === 'idle' ? 'warn' : 'error';
      lines.log(
        backend,
        level,
        { backend, during, code, cause: causeOf(error) },
        `${backend} backend failure`,
      );
    },
    timedOut(backend) {
      options.countTimeout?.(backend);
      lines.log(
        `${backend}/timeout`,
        'warn',
        { backend },
        `${backend} backend: a statement was cut by its request's time budget`,
      );
    },
    eventsOf: (backend) => ({
      backendFailed: (error, during) => log.failed(backend, error, during),
      timedOut: () => log.timedOut(backend),
    }),
  };
  return log;
}
