import { TEST_POSTGRES_URL, testEngines } from '../../../../harness/databases.ts';
import { createLegacyDatabase } from '../../../../harness/legacyDatabase.ts';
import type { ConnectStore } from '../../../../src/backends/connectStore.ts';
import type { LedgerDriver } from '../../../../src/backends/ledger/driver/ledgerDriver.ts';
import { prepareCommitmentsTable } from '../../../../src/backends/ledger/driver/prepareCommitmentsTable.ts';
import { createDriverCommitments } from '../../../../src/backends/ledger/driver/qldbDriverCommitments.ts';
import {
  openQldbLedgerDriver,
  type QldbLedgerDriverOptions,
} from '../../../../src/backends/ledger/driver/qldbLedgerDriver.ts';
import type { LedgerCommitments } from '../../../../src/backends/ledger/ledgerCommitments.ts';
import { type Ledger, openLedger } from '../../../../src/backends/ledger/openLedger.ts';
import { OLTP_MIGRATIONS } from '../../../../src/backends/oltp/oltpMigrations.ts';
import { createOltpStore } from '../../../../src/backends/oltp/oltpStore.ts';
import { applyMigrations } from '../../../../src/backends/sql/applyMigrations.ts';
import { createTargetStore } from '../../../../src/backends/targetStore.ts';
import type { Database } from '../../../../src/core/database.ts';
import { LEDGER_DRIVER_REGION } from '../../../../src/ledgerDriverConfig.ts';
import { BACKFILL_JOBS } from '../../../../src/writes/backfill/backfillTypes.ts';
import { runBackfill } from '../../../../src/writes/backfill/runBackfill.ts';
import {
  type LedgerServeProcess,
  SERVED_LEDGER,
  startLedgerServe,
} from '../../../support/ledgerServeProcess.ts';

/**
 * A seeded legacy database, a ledger and an OLTP database backfilled from it on the
 * test PostgreSQL, the ledger served by a `figway ledger serve` process, and the target
 * side over it: commitments through amazon-qldb-driver-nodejs, the OLTP store in process.
 */
export interface DriverFixture {
  /** The ledger's database opened in process, to check what the driver's writes did. */
  ledger: Ledger;
  ledgerDb: Database;
  serve: LedgerServeProcess;
  driver: LedgerDriver;
  commitments: LedgerCommitments;
  target: ConnectStore;
  /** Another driver on the same endpoint (closed with the fixture). */
  openDriver(options?: QldbLedgerDriverOptions): LedgerDriver;
  drop(): Promise<void>;
}

/** Creates a {@link DriverFixture}; PostgreSQL is required. */
export async function createDriverFixture(): Promise<DriverFixture> {
  const postgres = (await testEngines()).find((engine) => engine.name === 'postgres');
  if (postgres === undefined)
    throw new Error(`PostgreSQL is not reachable at ${TEST_POSTGRES_URL}; this test needs it.`);
  const legacy = await createLegacyDatabase(postgres);
  const ledgerDb = await postgres.create();
  const oltpDb = await postgres.create();
  const drops = [legacy.drop, ledgerDb.drop, oltpDb.drop];
  const drivers: LedgerDriver[] = [];
  let serve: LedgerServeProcess | null = null;
  const drop = async () => {
    await Promise.all(drivers.map((driver) => driver.close()));
    await serve?.stop();
    await Promise.all(drops.map((dropOne) => dropOne()));
  };
  try {
    const ledger = await openLedger(ledgerDb.db);
    await applyMigrations(oltpDb.db, OLTP_MIGRATIONS);
    const oltp = createOltpStore(oltpDb.db);
    for (const job of BACKFILL_JOBS) await runBackfill(job, { legacy: legacy.db, ledger, oltp });
    const served = await startLedgerServe(ledgerDb.url ?? '');
    serve = served;
    const openDriver = (options: QldbLedgerDriverOptions = {}) => {
      const driver = openQldbLedgerDriver(
        {
          endpoint: served.url,
          ledgerName: SERVED_LEDGER.name,
          region: LEDGER_DRIVER_REGION,
          credentials: {
            accessKeyId: SERVED_LEDGER.accessKeyId,
            secretAccessKey: SERVED_LEDGER.secretAccessKey,
          },
        },
        options,
      );
      drivers.push(driver);
      return driver;
    };
    const driver = openDriver();
    await prepareCommitmentsTable(driver);
    const commitments = createDriverCommitments(driver);
    return {
      ledger,
      ledgerDb: ledgerDb.db,
      serve: served,
      driver,
      commitments,
      target: createTargetStore({ oltp, commitments }),
      openDriver,
      drop,
    };
  } catch (error) {
    await drop();
    throw error;
  }
}
