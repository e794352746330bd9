import { COMMITMENT_BY_ID } from '../backends/ledger/driver/driverDocuments.ts';
import { prepareCommitmentsTable } from '../backends/ledger/driver/prepareCommitmentsTable.ts';
import { createDriverCommitments } from '../backends/ledger/driver/qldbDriverCommitments.ts';
import { verifyDriverCommitment } from '../backends/ledger/driver/verifyDriverCommitment.ts';
import { OLTP_MIGRATIONS } from '../backends/oltp/oltpMigrations.ts';
import { createOltpStore } from '../backends/oltp/oltpStore.ts';
import { applyMigrations } from '../backends/sql/applyMigrations.ts';
import { openPostgresDatabase } from '../backends/sql/postgresDatabase.ts';
import { createTargetStore } from '../backends/targetStore.ts';
import type { TargetsConfig } from '../config.ts';
import type { BackendEvents } from '../core/database.ts';
import type { Logger } from '../core/logger.ts';
import { SYNC_MIGRATIONS } from '../writes/sync/syncMigrations.ts';
import type { TargetSide } from './openTargetSide.ts';

// A commitment id no commitment has: the health probe's by-id read finds nothing, through the index.
const NO_COMMITMENT = '00000000-0000-4000-8000-000000000000';

function causeOf(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error;
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

// The driver, imported only when LEDGER_QLDB_ENDPOINT is set.
async function openDriver(
  targets: Parameters<typeof openDriverTargetSide>[0],
  options: Parameters<typeof openDriverTargetSide>[1],
) {
  const { openQldbLedgerDriver } = await import('../backends/ledger/driver/qldbLedgerDriver.ts');
  return openQldbLedgerDriver(targets.ledger, { events: options.eventsOf('ledger') });
}

/**
 * Opens the target side when the ledger is reached through amazon-qldb-driver-nodejs
 * (LEDGER_QLDB_ENDPOINT): the OLTP database in process, migrated as the in-process
 * target side migrates it, and the commitments over the driver, after making sure the
 * ledger has the table `commitments` with its index on `id`. The driver and the AWS SDK
 * are imported only here, so a gateway without the setting never loads them. A ledger
 * that cannot be reached, or refuses the access key, stops the start with its reason.
 */
export async function openDriverTargetSide(
  targets: Extract<TargetsConfig, { kind: 'qldb' }>,
  options: { eventsOf: (backend: 'ledger' | 'oltp') => BackendEvents; logger: Logger },
): Promise<TargetSide> {
  const oltpDb = openPostgresDatabase({
    connectionString: targets.oltpUrl,
    events: options.eventsOf('oltp'),
  });
  try {
    await applyMigrations(oltpDb, OLTP_MIGRATIONS);
    await applyMigrations(oltpDb, SYNC_MIGRATIONS);
  } catch (error) {
    await oltpDb.close();
    throw error;
  }
  let driver: Awaited<ReturnType<typeof openDriver>>;
  try {
    driver = await openDriver(targets, options);
  } catch (error) {
    await oltpDb.close();
    throw error;
  }
  const opened = driver;
  const close = async () => {
    try {
      await opened.close();
    } finally {
      await oltpDb.close();
    }
  };
  const { endpoint, ledgerName } = targets.ledger;
  let table: Awaited<ReturnType<typeof prepareCommitmentsTable>>;
  try {
    table = await prepareCommitmentsTable(driver);
  } catch (error) {
    await close();
    throw new Error(
      `The ledger ${ledgerName} at ${endpoint} (LEDGER_QLDB_ENDPOINT) could not be used: ${causeOf(error)}. ` +
        'Check that figway ledger serve runs there under that name (FIGWAY_LEDGER_NAME) and lists the key of ' +
        'FIGWAY_LEDGER_ACCESS_KEY in its FIGWAY_LEDGER_ACCESS_KEYS.',
      { cause: error },
    );
  }
  options.logger.info(
    { endpoint, ledgerName, table },
    'the ledger is reached through the QLDB driver: writes at live and rampdown are refused, ' +
      "subscriptions that read the target are refused (no change feed), figway sync workers with the ledger's database run the mirror",
  );
  const commitments = createDriverCommitments(driver);
  const oltp = createOltpStore(oltpDb);
  return {
    store: createTargetStore({ oltp, commitments, name: 'target (ledger over the QLDB driver + oltp)' }),
    health: {
      ledger: {
        name: driver.name,
        ping: async () =>
          void (await driver.transaction((txn) => txn.execute(COMMITMENT_BY_ID, NO_COMMITMENT))),
      },
      oltp: { name: `oltp (${oltpDb.engine})`, ping: oltp.ping },
    },
    ledger: {
      commitments,
      verify: (viewer, id, version) => verifyDriverCommitment(driver, commitments, viewer, id, version),
    },
    close,
  };
}
