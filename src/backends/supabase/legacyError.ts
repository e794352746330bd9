import { ErrorCode, FigwayError } from '../../errors.ts';

/** What PostgreSQL (directly or through PostgREST) said when a legacy call failed. */
export interface LegacyFailure {
  /** SQLSTATE, or a PostgREST `PGRST...` code; absent for transport failures. */
  code: string | undefined;
  message: string;
}

/**
 * Turns a legacy failure into a catalogue error: row-level security refusals
 * become FORBIDDEN, duplicates CONFLICT, bad references and checks
 * BAD_USER_INPUT, and anything else (connection refused, timeouts) BACKEND_UNAVAILABLE.
 */
export function legacyError(failure: LegacyFailure): FigwayError {
  switch (failure.code) {
    case 'PGRST301':
    case 'PGRST302':
      // PostgREST refused a token figway accepted: the two disagree on the JWT secret.
      return new FigwayError(ErrorCode.UNAUTHENTICATED, 'The legacy backend refused the bearer token.');
    case '42501':
      return new FigwayError(ErrorCode.FORBIDDEN, 'Not allowed by the row-level security policies.');
    case '23505':
      return new FigwayError(ErrorCode.CONFLICT, 'That already exists.');
    case '40001':
    case '40P01':
      return new FigwayError(ErrorCode.CONFLICT, 'A concurrent change won; retry the request.');
    case '23503':
      return new FigwayError(ErrorCode.BAD_USER_INPUT, 'A referenced id does not exist.');
    case '23514':
    case '22P02':
    case '22001':
      return new FigwayError(ErrorCode.BAD_USER_INPUT, 'A value was rejected by the database.');
    default:
      return new FigwayError(ErrorCode.BACKEND_UNAVAILABLE, 'The legacy backend failed to answer.', {
        backend: 'legacy',
      });
  }
}
