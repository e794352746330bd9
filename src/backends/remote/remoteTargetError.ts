import type { GraphQLError } from 'graphql';
import { ErrorCode, FigwayError, isErrorCode } from '../../errors.ts';
import { currentRequestBudget, requestTimeoutError, unknownWriteTimeoutError } from '../requestBudget.ts';
import type { TargetServiceName } from './targetServiceExecutor.ts';

// Codes a service answers with on purpose, about the call itself: they reach the client
// as they are, as the in-process target raises them.
const PASSED_ON = new Set<ErrorCode>([
  ErrorCode.FORBIDDEN,
  ErrorCode.NOT_FOUND,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.INVALID_STATUS_TRANSITION,
  ErrorCode.CONFLICT,
  ErrorCode.BACKEND_UNAVAILABLE,
  ErrorCode.REQUEST_TIMEOUT,
]);

// Network errors raised before a request reached the service: nothing was sent, so
// nothing was written.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function causeCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 6; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT.has(code)) return code;
    current =
      (current as { originalError?: unknown; cause?: unknown }).originalError ??
      (current as { cause?: unknown }).cause;
  }
  return undefined;
}

// The executor files an abort at the timeout as SUBREQUEST_HTTP_ERROR, with the
// TimeoutError underneath.
function timedOut(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 6; depth++) {
    if ((current as { name?: unknown }).name === 'TimeoutError') return true;
    current =
      (current as { originalError?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
  }
  return false;
}

function detailsOf(extensions: Record<string, unknown>): Record<string, unknown> {
  const { code: _code, http: _http, stacktrace: _stacktrace, ...details } = extensions;
  return details;
}

/**
 * An error of a call to a target service as the gateway answers it, and what the
 * backend's failure log is told: `failed` (with a code: the network error's, `TIMEOUT`,
 * or the service's own) when the service failed, `timedOut` when the request's budget
 * ran out, nothing when the service refused the call on purpose.
 */
export interface RemoteTargetFailure {
  error: FigwayError;
  report: { kind: 'failed'; code: string; reached: boolean } | { kind: 'timedOut' } | null;
}

/**
 * Turns an error of a call to a target service into a catalogue error, as
 * `targetError` does for the in-process targets. The service's own catalogue codes
 * about the call (FORBIDDEN, CONFLICT, BAD_USER_INPUT, ...) pass with its message. A
 * service that cannot be reached, times out, refuses the caller's token or fails in
 * any other way is `BACKEND_UNAVAILABLE` naming it, unless the request's own time
 * budget ran out (`REQUEST_TIMEOUT`). For a write, only a service that was never
 * reached (`call.sent` false: refused before sending, or a network error that says
 * nothing left) is known to have changed nothing: otherwise `extensions.outcome` is
 * `unknown`, and the client must read before it retries. That holds for a spent
 * budget too: the service does not cancel a write when the gateway hangs up.
 */
export function remoteTargetError(
  service: TargetServiceName,
  error: GraphQLError,
  call: { write: boolean; sent: boolean },
): RemoteTargetFailure {
  const code = error.extensions?.code;
  if (isErrorCode(code) && PASSED_ON.has(code)) {
    const passed = new FigwayError(code, error.message, { ...detailsOf(error.extensions), backend: service });
    return { error: passed, report: null };
  }
  // A call stopped before it was sent reached nothing, whatever its error says.
  const unreached = call.sent ? causeCode(error) : 'NOT_SENT';
  const unknownOutcome = call.write && unreached === undefined;
  const budget = currentRequestBudget();
  if (budget?.spent()) {
    const timeout = unknownOutcome
      ? unknownWriteTimeoutError(budget.timeoutMs, service, `the ${service} service`)
      : requestTimeoutError(budget.timeoutMs);
    return { error: timeout, report: { kind: 'timedOut' } };
  }
  const message =
    code === ErrorCode.UNAUTHENTICATED
      ? error.extensions?.setting === 'FIGWAY_SERVICE_KEY'
        ? `The ${service} service refused the gateway's service key: set the same FIGWAY_SERVICE_KEY on both.`
        : `The ${service} service refused the caller's token: it must verify the same tokens as the gateway.`
      : unknownOutcome
        ? code === 'OFF_CONTRACT'
          ? `The ${service} service's answer to the write did not fit its contract: the write may have been made; read it before trying again.`
          : `The ${service} service did not answer the write: it may have been made; read it before trying again.`
        : `The ${service} service failed to answer.`;
  const details = { backend: service, ...(unknownOutcome ? { outcome: 'unknown' } : {}) };
  return {
    error: new FigwayError(ErrorCode.BACKEND_UNAVAILABLE, message, details),
    report: {
      kind: 'failed',
      code: unreached ?? (timedOut(error) ? 'TIMEOUT' : typeof code === 'string' ? code : 'NONE'),
      reached: unreached === undefined,
    },
  };
}
