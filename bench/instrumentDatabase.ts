import type { Database, Row, Transaction } from '../src/core/database.ts';

/** What went through an instrumented database since the last reset. */
export interface SqlTally {
  /** Statements sent, `begin` and `commit` not counted. */
  statements: number;
  /** Milliseconds spent awaiting statements, `begin` and `commit` (and taking a pooled connection). */
  milliseconds: number;
}

/** A database that tallies the statements sent through it and the time spent waiting on them. */
export interface InstrumentedDatabase extends Database {
  /** The tally since the last reset; starts a new one. */
  reset(): SqlTally;
}

/**
 * Wraps `db` so every statement, inside a transaction or not, is counted and timed,
 * and so is each transaction's own overhead (its time outside `fn`: connect, begin,
 * commit). Time not tallied is JavaScript: hashing, JSON, the ledger's bookkeeping.
 * The wrapper costs two `performance.now()` calls per statement, so plain inserts are
 * measured through it too.
 */
export function instrumentDatabase(db: Database): InstrumentedDatabase {
  let tally: SqlTally = { statements: 0, milliseconds: 0 };
  async function timed<R>(run: () => Promise<R>): Promise<R> {
    const start = performance.now();
    try {
      return await run();
    } finally {
      tally.milliseconds += performance.now() - start;
    }
  }
  const instrument = (tx: Transaction): Transaction => ({
    exec: (script) => tx.exec(script),
    query<R extends Row>(sql: string, params?: readonly unknown[]) {
      tally.statements += 1;
      return timed(() => tx.query<R>(sql, params));
    },
  });
  return {
    engine: db.engine,
    query<R extends Row>(sql: string, params?: readonly unknown[]) {
      tally.statements += 1;
      return timed(() => db.query<R>(sql, params));
    },
    async transaction(fn) {
      let inside = 0;
      const start = performance.now();
      try {
        return await db.transaction(async (tx) => {
          const entered = performance.now();
          try {
            return await fn(instrument(tx));
          } finally {
            inside = performance.now() - entered;
          }
        });
      } finally {
        tally.milliseconds += performance.now() - start - inside;
      }
    },
    pipeline(statements) {
      tally.statements += statements.length;
      return timed(() => db.pipeline(statements));
    },
    exec: (script) => db.exec(script),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: () => db.close(),
    reset() {
      const sent = tally;
      tally = { statements: 0, milliseconds: 0 };
      return sent;
    },
  };
}
