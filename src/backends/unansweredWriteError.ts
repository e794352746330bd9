import { ErrorCode, FigwayError } from '../errors.ts';

/**
 * The error of a write that was sent and got no answer (the connection broke while
 * PostgREST or PostgreSQL worked on it, or after COMMIT was sent): it may have been
 * made, so it is BACKEND_UNAVAILABLE with `extensions.outcome: 'unknown'`, and the
 * client must read before it retries. `backend` (legacy, ledger) names it in the
 * message and in `extensions.backend`.
 */
export function unansweredWriteError(backend: 'legacy' | 'ledger' | 'oltp'): FigwayError {
  return new FigwayError(
    ErrorCode.BACKEND_UNAVAILABLE,
    `The ${backend} backend did not answer the write: it may have been made; read it before trying again.`,
    { backend, outcome: 'unknown' },
  );
}
