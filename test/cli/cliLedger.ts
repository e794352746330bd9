import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestEngine } from '../../harness/databases.ts';
import { openPgliteDatabase } from '../../src/backends/sql/pgliteDatabase.ts';
import type { Database } from '../../src/core/database.ts';
import { freshDataDir } from '../support/dataDir.ts';

/** A ledger a figway command will read, the environment that points figway at it, and access to its database. */
export interface CliLedger {
  env: Record<string, string>;
  /** Runs `fn` on the ledger's database while figway is not using it. */
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

/** A ledger figway will read: the embedded one in a data folder, or one PostgreSQL database for everything. */
export async function cliLedger(engine: TestEngine, prefix: string): Promise<CliLedger> {
  if (engine.name === 'pglite') {
    const dataDir = await freshDataDir(prefix);
    return {
      env: { FIGWAY_DATA_DIR: dataDir },
      async withDb(fn) {
        const db = await openPgliteDatabase(join(dataDir, 'pglite'));
        try {
          return await fn(db);
        } finally {
          await db.close();
        }
      },
      drop: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const created = await engine.create();
  const url = created.url ?? '';
  return {
    env: {
      SUPABASE_DB_URL: url,
      LEDGER_DATABASE_URL: url,
      OLTP_DATABASE_URL: url,
      SUPABASE_JWT_SECRET: 'a-jwt-secret-for-the-cli-test-of-40-chars',
    },
    withDb: (fn) => fn(created.db),
    drop: created.drop,
  };
}
