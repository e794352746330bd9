import { PGlite } from '@electric-sql/pglite';
import type { Database, Row, Transaction } from './database.ts';

/**
 * Opens an embedded PostgreSQL (PGlite). With a `dataDir` the database persists
 * there; without one it lives in memory. PGlite serves one connection, so its
 * transactions run one after another.
 */
export async function openPgliteDatabase(dataDir?: string): Promise<Database> {
  const pglite = await PGlite.create(dataDir === undefined ? {} : { dataDir });
  return {
    engine: 'pglite',
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      const result = await pglite.query<R>(sql, [...params]);
      return result.rows;
    },
    transaction<T>(fn: (tx: Transaction) => Promise<T>) {
      return pglite.transaction((tx) =>
        fn({
          async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
            const result = await tx.query<R>(sql, [...params]);
            return result.rows;
          },
          async exec(script: string) {
            await tx.exec(script);
          },
        }),
      );
    },
    async exec(script: string) {
      await pglite.exec(script);
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}
