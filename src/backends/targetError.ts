import { CommitOutcomeUnknownError } from '../core/database.ts';
import { ErrorCode, FigwayError } from '../errors.ts';
import { unansweredWriteError } from './unansweredWriteError.ts';

/**
 * Turns a failure of a target backend (ledger or OLTP) into a catalogue error.
 * FigwayErrors pass through; a write whose COMMIT went unanswered has an unknown
 * outcome; anything else means the backend did not answer, and nothing was changed.
 */
export function targetError(
  backend: 'ledger' | 'oltp',
  code: string | undefined,
  error: unknown,
): FigwayError {
  if (error instanceof FigwayError) return error;
  if (error instanceof CommitOutcomeUnknownError) return unansweredWriteError(backend);
  if (code === '23505') return new FigwayError(ErrorCode.CONFLICT, 'That already exists.');
  return new FigwayError(ErrorCode.BACKEND_UNAVAILABLE, `The ${backend} backend failed to answer.`, {
    backend,
  });
}
