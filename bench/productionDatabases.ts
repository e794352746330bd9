import type { TestEngine } from '../harness/databases.ts';
import { createLegacyDatabase } from '../harness/legacyDatabase.ts';
import { openLedger } from '../src/backends/ledger/openLedger.ts';
import { OLTP_MIGRATIONS } from '../src/backends/oltp/oltpMigrations.ts';
import { createOltpStore } from '../src/backends/oltp/oltpStore.ts';
import { applyMigrations } from '../src/backends/sql/applyMigrations.ts';
import type { Database } from '../src/core/database.ts';
import { BACKFILL_JOBS } from '../src/writes/backfill/backfillTypes.ts';
import { runBackfill } from '../src/writes/backfill/runBackfill.ts';

/** The databases of a production deployment on one PostgreSQL, and the environment `figway serve` needs to use them. */
export interface ProductionDatabases {
  /** SUPABASE_DB_URL, LEDGER_DATABASE_URL, OLTP_DATABASE_URL and OBSERVATIONS_DATABASE_URL. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * Creates, on the PostgreSQL `engine`, a seeded legacy database, a ledger and an
 * OLTP database backfilled from it, and an empty observation database (figway
 * migrates it at start), as `figway legacy setup --demo` and `figway backfill` would.
 * `seed`, when given, adds to legacy after the demo data, before the backfill.
 */
export async function createProductionDatabases(
  engine: TestEngine,
  seed?: (legacy: Database) => Promise<void>,
): Promise<ProductionDatabases> {
  if (engine.name !== 'postgres') throw new Error('a production deployment needs PostgreSQL databases');
  const created: Array<{ url: string | null; drop(): Promise<void> }> = [];
  const dropAll = async () => {
    await Promise.all(created.map((database) => database.drop()));
  };
  const track = <T extends { url: string | null; drop(): Promise<void> }>(database: T) => {
    created.push(database);
    return database;
  };
  try {
    const legacy = track(await createLegacyDatabase(engine));
    await seed?.(legacy.db);
    // As a deployed legacy database would, it has planner statistics of what it holds.
    await legacy.db.query('analyze');
    const ledgerDb = track(await engine.create());
    const oltpDb = track(await engine.create());
    const observations = track(await engine.create());
    const ledger = await openLedger(ledgerDb.db);
    await applyMigrations(oltpDb.db, OLTP_MIGRATIONS);
    const oltp = createOltpStore(oltpDb.db);
    for (const job of BACKFILL_JOBS) await runBackfill(job, { legacy: legacy.db, ledger, oltp });
    return {
      env: {
        SUPABASE_DB_URL: legacy.url ?? '',
        LEDGER_DATABASE_URL: ledgerDb.url ?? '',
        OLTP_DATABASE_URL: oltpDb.url ?? '',
        OBSERVATIONS_DATABASE_URL: observations.url ?? '',
      },
      drop: dropAll,
    };
  } catch (error) {
    await dropAll();
    throw error;
  }
}
