/** A row as a driver returns it: column name to value. */
export type Row = Record<string, unknown>;

/** Something that runs one SQL statement with positional parameters. */
export interface Queryable {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
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
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs a script of several statements with no parameters (migrations). */
  exec(script: string): Promise<void>;
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
