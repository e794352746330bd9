import type { Database, Row, Statement } from '../../src/core/database.ts';

/** A database wrapper that records every statement sent through the SQL port. */
export function countingDatabase(db: Database): Database & { statements: string[]; transactions: number } {
  const counted = {
    engine: db.engine,
    statements: [] as string[],
    transactions: 0,
    query<R extends Row>(sql: string, params?: readonly unknown[]) {
      counted.statements.push(sql);
      return db.query<R>(sql, params);
    },
    transaction<T>(
      fn: Parameters<Database['transaction']>[0] extends (tx: infer X) => Promise<unknown>
        ? (tx: X) => Promise<T>
        : never,
    ) {
      counted.transactions += 1;
      return db.transaction((tx) =>
        fn({
          exec: (script: string) => tx.exec(script),
          query<R extends Row>(sql: string, params?: readonly unknown[]) {
            counted.statements.push(sql);
            return tx.query<R>(sql, params);
          },
        }),
      );
    },
    pipeline(statements: readonly Statement[]) {
      counted.transactions += 1;
      counted.statements.push(...statements.map((statement) => statement.sql));
      return db.pipeline(statements);
    },
    exec: (script: string) => db.exec(script),
    listen: (channel: string, onNotify: () => void) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
  return counted;
}
