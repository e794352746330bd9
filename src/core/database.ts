import { FigwayError } from '../errors.ts';

/** A row as a driver returns it: column name to value. */
export type Row = Record<string, unknown>;

/** Something that runs one SQL statement with positional parameters. */
export interface Queryable {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/** One statement with its positional parameters. */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

/** Runs `statements` one after another on `on`, with each one's rows. */
export async function runInOrder(on: Queryable, statements: readonly Statement[]): Promise<Row[][]> {
  const results: Row[][] = [];
  for (const { sql, params } of statements) results.push(await on.query(sql, params));
  return results;
}

/** A handle inside one transaction. */
export interface Transaction extends Queryable {
  /** Runs a script of several statements with no parameters (migrations). */
  exec(script: string): Promise<void>;
}

/**
 * The port every SQL-backed adapter talks to: PGlite in the embedded default and
 * the tests, a `pg` pool against a real PostgreSQL in production.
 */
export interface Database extends Queryable {
  /** Which engine this is, for health reports and logs. */
  readonly engine: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction; commits when it resolves, rolls back when it throws.
   * Rejects with {@link CommitOutcomeUnknownError} when the connection is lost after
   * COMMIT was sent and before its answer came: the transaction may have committed.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Runs `statements` in one transaction, all sent before the first answer arrives
   * (one round trip on PostgreSQL, where `transaction` takes one per statement plus
   * begin and commit). Resolves with each statement's rows once committed; on the
   * first failure everything is rolled back and it rejects with that failure. COMMIT
   * leaves with the statements: a connection lost before its answer, with no statement
   * refused before it, rejects with {@link CommitOutcomeUnknownError}.
   */
  pipeline(statements: readonly Statement[]): Promise<Row[][]>;
  /** Runs a script of several statements with no parameters (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel` until the returned function is
   * called. A lost connection is reported and re-established; notifications sent
   * while it was down are missed, so a listener must not be the only wake-up.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The SQLSTATE of a database error, when the error carries one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Where a database failure happened: opening a connection, running a statement, or on an idle pooled connection. */
export type FailurePhase = 'connect' | 'statement' | 'idle';

/** What a backend adapter (a database pool, the PostgREST transport) reports about the server behind it, for logs and metrics. */
export interface BackendEvents {
  /** A connection could not be opened or broke, or a statement failed for a reason other than the caller's input. */
  backendFailed(error: unknown, during: FailurePhase): void;
  /** A statement was refused or cancelled because its request ran out of time. */
  timedOut(): void;
}

// SQLSTATE classes that answer the caller's input or a race with another writer
// (data exceptions, integrity violations, serialization failures, raised by a
// trigger): the backend itself is healthy.
const CALLER_CLASSES = new Set(['22', '23', '40', 'P0']);

/**
 * True when `error` says the backend failed (it could not be reached, the connection
 * broke, the server shut down, a statement hit an internal limit) rather than that the
 * caller's input was refused (constraint violations, row-level security, conflicts).
 */
export function isBackendFailure(error: unknown): boolean {
  if (error instanceof FigwayError) return false;
  const code = sqlState(error);
  // Driver errors (refused, reset, "Connection terminated unexpectedly") carry no SQLSTATE.
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) return true;
  if (code === '42501') return false;
  return !CALLER_CLASSES.has(code.slice(0, 2));
}

/**
 * True when `error` says the connection to the server was lost (reset, ended, the
 * server terminated the session or shut down) rather than that the server answered a
 * statement: a statement in flight then has no answer, whatever it did on the server.
 */
export function isLostConnection(error: unknown): boolean {
  if (error instanceof FigwayError) return false;
  const code = sqlState(error);
  // Driver errors ("Connection terminated unexpectedly", ECONNRESET) carry no SQLSTATE.
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) return true;
  // Connection exceptions; admin_shutdown, crash_shutdown, cannot_connect_now (pg_terminate_backend, restarts).
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';
}

/**
 * The failure of a transaction whose COMMIT was sent and whose answer never came, the
 * connection having been lost meanwhile: it may have committed, or not. `cause` is the
 * connection's failure. A write that fails so must be reported with an unknown outcome,
 * never as a write that changed nothing.
 */
export class CommitOutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `the connection was lost after COMMIT was sent, before its answer: the transaction may have committed (${why})`,
      {
        cause,
      },
    );
    this.name = 'CommitOutcomeUnknownError';
  }
}
