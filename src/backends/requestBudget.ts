import { AsyncLocalStorage } from 'node:async_hooks';
import { ErrorCode, FigwayError } from '../errors.ts';

/**
 * The time one request may spend on backend work. Adapters read the budget of the
 * request they work for with {@link currentRequestBudget}: they start no new work
 * once it is spent and cut statements still running at its deadline.
 */
export interface RequestBudget {
  /** The whole budget in milliseconds, for messages. */
  readonly timeoutMs: number;
  /** Milliseconds left before the deadline, never below 0. */
  remainingMs(): number;
  /** True once the deadline has passed. */
  spent(): boolean;
  /** Throws REQUEST_TIMEOUT when the budget is spent; otherwise does nothing. */
  check(): void;
  /** Aborts at the deadline (for fetch-based adapters); made on first use. */
  signal(): AbortSignal;
  /**
   * Marks the request answered. Work it started that outlives it (a shadow read
   * judged after the response) is no longer bounded by this budget.
   */
  end(): void;
  /** True after {@link RequestBudget.end}. */
  ended(): boolean;
}

/** The error a request gets when its budget ran out before its backend work was done. */
export function requestTimeoutError(timeoutMs: number): FigwayError {
  return new FigwayError(
    ErrorCode.REQUEST_TIMEOUT,
    `The request ran past its time budget of ${timeoutMs} ms; unfinished database work was cancelled.`,
  );
}

/**
 * The error of a write whose request was sent (or may have been) when the request's
 * budget ran out, to a backend that does not cancel a write when its HTTP request is
 * aborted (a target service, PostgREST): the write may still commit, so the error says
 * so, with `extensions.outcome: 'unknown'`, and the client must read before it retries.
 * `backend` names it in `extensions.backend`, `to` in the message.
 */
export function unknownWriteTimeoutError(timeoutMs: number, backend: string, to: string): FigwayError {
  return new FigwayError(
    ErrorCode.REQUEST_TIMEOUT,
    `The request ran past its time budget of ${timeoutMs} ms before ${to} answered its write: ` +
      'the write may have been made; read it before trying again.',
    { backend, outcome: 'unknown' },
  );
}

/**
 * A budget of `timeoutMs` starting now. `clock` gives monotonic milliseconds.
 * @default clock performance.now
 */
export function createRequestBudget(
  timeoutMs: number,
  clock: () => number = () => performance.now(),
): RequestBudget {
  const deadline = clock() + timeoutMs;
  let ended = false;
  let signal: AbortSignal | undefined;
  const remainingMs = () => Math.max(0, deadline - clock());
  return {
    timeoutMs,
    remainingMs,
    spent: () => remainingMs() <= 0,
    check() {
      if (remainingMs() <= 0) throw requestTimeoutError(timeoutMs);
    },
    signal() {
      signal ??= AbortSignal.timeout(Math.max(1, Math.ceil(remainingMs())));
      return signal;
    },
    end() {
      ended = true;
    },
    ended: () => ended,
  };
}

// The budget travels with the request's asynchronous work, so that every adapter call
// made while resolving it (through DataLoaders, shadow reads, the ledger) sees it
// without each port growing a parameter.
const storage = new AsyncLocalStorage<RequestBudget>();

/** Runs `work` with `budget` as the budget of every backend call it makes. */
export function withinRequestBudget<T>(budget: RequestBudget, work: () => T): T {
  return storage.run(budget, work);
}

/** The budget of the request this code works for; undefined outside a request or after it was answered. */
export function currentRequestBudget(): RequestBudget | undefined {
  const budget = storage.getStore();
  return budget === undefined || budget.ended() ? undefined : budget;
}
