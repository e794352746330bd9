import { ErrorCode, FigwayError } from '../errors.ts';

/**
 * Turns a failure of a target backend (ledger or OLTP) into a catalogue error.
 * FigwayErrors pass through; anything else means the backend did not answer.
 */
export function targetError(
  backend: 'ledger' | 'oltp',
  code: string | undefined,
  error: unknown,
): FigwayError {
  if (error instanceof FigwayError) return error;
  if (code === '23505') return new FigwayError(ErrorCode.CONFLICT, 'That already exists.');
  return new FigwayError(ErrorCode.BACKEND_UNAVAILABLE, `The ${backend} backend failed to answer.`, {
    backend,
  });
}
