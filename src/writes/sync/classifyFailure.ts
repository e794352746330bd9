import { sqlState } from '../../core/database.ts';

// SQLSTATE classes of a server that cannot take work right now: connection
// exceptions, insufficient resources, operator intervention (shutdown, cancel).
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * True when applying a change failed because a database could not be reached or
 * went away, not because of the change itself: such a change is retried for as long
 * as it takes and never becomes a dead letter. Looks through `cause` chains.
 */
export function isUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (typeof current !== 'object') return false;
    const code = sqlState(current);
    if (code !== undefined && (NETWORK_CODES.has(code) || UNAVAILABLE_CLASSES.has(code.slice(0, 2))))
      return true;
    const message = current instanceof Error ? current.message : '';
    if (
      /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
        message,
      )
    )
      return true;
    if ('extensions' in current) {
      const extensions = (current as { extensions?: { code?: unknown } }).extensions;
      if (extensions?.code === 'BACKEND_UNAVAILABLE') return true;
    }
    // pg rejects with an AggregateError when every address of the host refused.
    current = current instanceof AggregateError ? current.errors[0] : (current as { cause?: unknown }).cause;
  }
  return false;
}

/** A one-line description of an error, for queue rows and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = sqlState(error);
    return code === undefined ? error.message : `${error.message} (${code})`;
  }
  return String(error);
}
