import { type Ledger, openLedger } from '../backends/ledger/openLedger.ts';
import { openPostgresDatabase } from '../backends/sql/postgresDatabase.ts';
import { type Config, ConfigError } from '../config.ts';
import { claimEmbeddedData } from '../embedded/gatewayLock.ts';
import { openBackends } from '../server/openBackends.ts';

/** The ledger figway is configured with, opened for a `figway ledger` command. */
export interface ConfiguredLedger {
  ledger: Ledger;
  /** The embedded default's data folder when the ledger is the embedded one; null on PostgreSQL. */
  embeddedDataDir: string | null;
  /** Closes the ledger's database and, for the embedded default, releases its lock. */
  close(): Promise<void>;
}

/**
 * Opens the ledger `config` names: the PostgreSQL database at LEDGER_DATABASE_URL, or
 * the embedded default's folder, claimed as a gateway claims it (PGlite serves one
 * process, so this fails while a gateway or another `figway ledger` command holds it).
 * `command` names the command in the ConfigError thrown when there is no ledger.
 */
export async function openConfiguredLedger(config: Config, command: string): Promise<ConfiguredLedger> {
  if (config.targets.kind === 'postgres') {
    const db = openPostgresDatabase({ connectionString: config.targets.ledgerUrl });
    try {
      return { ledger: await openLedger(db), embeddedDataDir: null, close: () => db.close() };
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  if (config.targets.kind === 'none' || config.legacy.transport !== 'embedded')
    throw new ConfigError(
      `${command} needs LEDGER_DATABASE_URL (or the embedded default, with nothing set).`,
    );
  const claim = await claimEmbeddedData(config.dataDir);
  try {
    const backends = await openBackends(config);
    if (backends.targets === null) {
      await backends.close();
      throw new ConfigError('the embedded default has no ledger');
    }
    return {
      ledger: backends.targets.ledger,
      embeddedDataDir: config.dataDir,
      async close() {
        await backends.close();
        await claim.release();
      },
    };
  } catch (error) {
    await claim.release();
    throw error;
  }
}
