import { ErrorCode, FigwayError } from '../errors.ts';
import type { SigningKeysOutageLog } from './signingKeysOutageLog.ts';

/**
 * A token that could not be checked because the signing keys could not be had: the JWKS
 * did not answer, timed out, or answered something that is not a usable key set. No
 * verdict on the token: BACKEND_UNAVAILABLE (HTTP 503) naming the JWKS, with what went
 * wrong as its `cause`, so that clients retry. Operators see the outage in the
 * verifier's {@link SigningKeysOutageLog}, rate limited, not one line per request.
 */
export class SigningKeysUnavailableError extends FigwayError {
  constructor(cause: unknown) {
    super(
      ErrorCode.BACKEND_UNAVAILABLE,
      'The bearer token could not be checked: the signing keys (SUPABASE_JWKS_URL) could not be fetched or read. Try again later.',
      { backend: 'jwks', http: { status: 503 } },
      cause,
    );
  }
}

/** The error of a token the keys could not be had for (`cause`), told to `outage` once. */
export function keysUnavailable(
  cause: unknown,
  outage: SigningKeysOutageLog | undefined,
): SigningKeysUnavailableError {
  outage?.failed(cause);
  return new SigningKeysUnavailableError(cause);
}
