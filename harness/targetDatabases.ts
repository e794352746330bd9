import type { ConnectStore } from '../src/backends/connectStore.ts';
import { createLedgerCommitments } from '../src/backends/ledger/ledgerCommitments.ts';
import { type Ledger, openLedger } from '../src/backends/ledger/openLedger.ts';
import { OLTP_MIGRATIONS } from '../src/backends/oltp/oltpMigrations.ts';
import { createOltpStore, type OltpStore } from '../src/backends/oltp/oltpStore.ts';
import { applyMigrations } from '../src/backends/sql/applyMigrations.ts';
import { createTargetStore } from '../src/backends/targetStore.ts';
import type { Database } from '../src/core/database.ts';
import { BACKFILL_JOBS } from '../src/writes/backfill/backfillTypes.ts';
import { runBackfill } from '../src/writes/backfill/runBackfill.ts';
import type { TestEngine } from './databases.ts';
import { createLegacyDatabase } from './legacyDatabase.ts';

/** A seeded legacy database and empty target databases (ledger, OLTP) on one engine. */
export interface MigrationFixture {
  legacy: Database;
  ledger: Ledger;
  oltp: OltpStore;
  target: ConnectStore;
  drop(): Promise<void>;
}

/**
 * Creates a seeded legacy database and empty ledger and OLTP stores on `engine`;
 * with `backfill`, copies legacy into them as `figway backfill` does.
 */
export async function createMigrationFixture(
  engine: TestEngine,
  options: { backfill?: boolean } = {},
): Promise<MigrationFixture> {
  const legacy = await createLegacyDatabase(engine);
  // On PGlite the targets share the legacy database in their own schemas, as in the
  // embedded default; on PostgreSQL each gets a database of its own, as in production.
  const shared = { db: legacy.db, drop: async () => {} };
  const ledgerDb = engine.name === 'pglite' ? shared : await engine.create();
  const oltpDb = engine.name === 'pglite' ? shared : await engine.create();
  const ledger = await openLedger(ledgerDb.db);
  await applyMigrations(oltpDb.db, OLTP_MIGRATIONS);
  const oltp = createOltpStore(oltpDb.db);
  if (options.backfill === true) {
    for (const job of BACKFILL_JOBS) await runBackfill(job, { legacy: legacy.db, ledger, oltp });
  }
  return {
    legacy: legacy.db,
    ledger,
    oltp,
    target: createTargetStore({ oltp, commitments: createLedgerCommitments(ledger) }),
    async drop() {
      await Promise.all([legacy.drop(), ledgerDb.drop(), oltpDb.drop()]);
    },
  };
}
