import { LedgerConflictError } from '../../backends/ledger/ledgerErrors.ts';
import { sqlState } from '../../core/database.ts';

// SQLSTATE classes of a server that cannot take work right now (connection
// exceptions, insufficient resources, operator intervention such as a shutdown), and
// of a race that a retry resolves (serialization failures, deadlocks).
const RETRYABLE_CLASSES = new Set(['08', '53', '57', '40']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
// Two appliers that both applied a change (a lapsed claim) collide on these keys; the
// retry finds the change applied and skips it.
const APPLIED_KEYS = /applied_changes_pkey|applied_outbox_pkey/;

function retryableItself(error: object): boolean {
  if (error instanceof LedgerConflictError) return true;
  const code = sqlState(error);
  if (code !== undefined && (NETWORK_CODES.has(code) || RETRYABLE_CLASSES.has(code.slice(0, 2)))) return true;
  const message = error instanceof Error ? error.message : '';
  if (code === '23505') {
    const constraint = (error as { constraint?: unknown }).constraint;
    return APPLIED_KEYS.test(typeof constraint === 'string' ? constraint : message);
  }
  if (
    /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      message,
    )
  )
    return true;
  const extensions = (error as { extensions?: { code?: unknown } }).extensions;
  return extensions?.code === 'BACKEND_UNAVAILABLE';
}

/**
 * True when applying a change failed for a reason a retry outlasts: a database that
 * could not be reached or went away, or a race with another writer or applier. Such
 * a change is retried, with backoff, for as long as it takes and never becomes a dead
 * letter; any other failure is the change's own (the other side refuses it). Looks
 * through `cause` chains.
 */
export function isRetryable(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (typeof current !== 'object') return false;
    if (retryableItself(current)) return true;
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
