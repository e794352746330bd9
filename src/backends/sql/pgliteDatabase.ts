import { PGlite } from '@electric-sql/pglite';
import {
  type Database,
  type Row,
  runInOrder,
  type Statement,
  type Transaction,
} from '../../core/database.ts';
import { currentRequestBudget, requestTimeoutError } from '../requestBudget.ts';

// PGlite runs in this process and cannot cancel a statement, but a request past its
// budget still starts no new one.
function checkBudget() {
  const budget = currentRequestBudget();
  if (budget?.spent() === true) throw requestTimeoutError(budget.timeoutMs);
}

/** How an embedded database starts when its data directory is new. */
export interface PgliteStart {
  /**
   * A cluster dumped by PGlite's `dumpDataDir` to start from instead of running initdb,
   * which takes seconds of CPU; loading a dump takes about a fifth of that.
   */
  loadDataDir?: Blob;
}

/**
 * Opens an embedded PostgreSQL (PGlite). With a `dataDir` the database persists
 * there; without one it lives in memory. PGlite serves one connection, so its
 * transactions run one after another.
 */
export async function openPgliteDatabase(dataDir?: string, start: PgliteStart = {}): Promise<Database> {
  const pglite = await PGlite.create({
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(start.loadDataDir === undefined ? {} : { loadDataDir: start.loadDataDir }),
  });
  const db: Database = {
    engine: 'pglite',
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      checkBudget();
      const result = await pglite.query<R>(sql, [...params]);
      return result.rows;
    },
    async transaction<T>(fn: (tx: Transaction) => Promise<T>) {
      checkBudget();
      return pglite.transaction((tx) =>
        fn({
          async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
            checkBudget();
            const result = await tx.query<R>(sql, [...params]);
            return result.rows;
          },
          async exec(script: string) {
            await tx.exec(script);
          },
        }),
      );
    },
    async pipeline(statements: readonly Statement[]) {
      checkBudget();
      // One connection in this process: nothing to save by sending them together.
      return db.transaction((tx) => runInOrder(tx, statements));
    },
    async exec(script: string) {
      await pglite.exec(script);
    },
    async listen(channel: string, onNotify: () => void) {
      const unlisten = await pglite.listen(channel, () => onNotify());
      return async () => {
        if (!pglite.closed) await unlisten();
      };
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
  return db;
}
