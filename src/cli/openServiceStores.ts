import { createBackendFailureLog } from '../backends/backendFailureLog.ts';
import { createLedgerCommitments, type LedgerCommitments } from '../backends/ledger/ledgerCommitments.ts';
import { type Ledger, openLedger } from '../backends/ledger/openLedger.ts';
import { OLTP_MIGRATIONS } from '../backends/oltp/oltpMigrations.ts';
import { createOltpStore, type OltpStore } from '../backends/oltp/oltpStore.ts';
import { applyMigrations } from '../backends/sql/applyMigrations.ts';
import { openPostgresDatabase } from '../backends/sql/postgresDatabase.ts';
import { type Config, ConfigError } from '../config.ts';
import type { Logger } from '../core/logger.ts';
import { claimEmbeddedData } from '../embedded/gatewayLock.ts';
import { openBackends } from '../server/openBackends.ts';
import type { ServiceMetrics } from '../services/serviceMetrics.ts';
import type { TargetServiceKind } from '../services/targetContract.ts';
import { BACKFILL_JOBS } from '../writes/backfill/backfillTypes.ts';
import { runBackfill } from '../writes/backfill/runBackfill.ts';
import { SYNC_MIGRATIONS } from '../writes/sync/syncMigrations.ts';

/** The stores a target service answers from, open, and how to close them. */
export type ServiceStores =
  | { kind: 'ledger'; ledger: Ledger; commitments: LedgerCommitments; close(): Promise<void> }
  | { kind: 'oltp'; oltp: OltpStore; close(): Promise<void> };

/** The setting that names the database of each target service. */
export const SERVICE_DATABASE_SETTING: Readonly<Record<TargetServiceKind, string>> = {
  ledger: 'LEDGER_DATABASE_URL',
  oltp: 'OLTP_DATABASE_URL',
};

/**
 * The environment `loadConfig` reads for a target service: only its own database matters,
 * so both target settings name it (the gateway's rule that the two go together is the
 * gateway's), or neither when it is unset.
 */
export function serviceEnvironment(kind: TargetServiceKind, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = env[SERVICE_DATABASE_SETTING[kind]] ?? '';
  // A service opens its own database: the gateway's way to its ledger does not apply.
  return { ...env, LEDGER_DATABASE_URL: own, OLTP_DATABASE_URL: own, LEDGER_QLDB_ENDPOINT: '' };
}

async function openHostedStores(
  kind: TargetServiceKind,
  url: string,
  metrics: ServiceMetrics,
  logger: Logger,
) {
  const failures = createBackendFailureLog({
    logger,
    countFailure: (backend, code) => metrics.backendFailures.inc({ backend, code }),
    countTimeout: (backend) => metrics.backendTimeouts.inc({ backend }),
  });
  const db = openPostgresDatabase({ connectionString: url, events: failures.eventsOf(kind) });
  try {
    // The mirror's tables (the outbox a write under a mirroring intent commits its row
    // to, the applied changes), as the gateway migrates a target database.
    if (kind === 'ledger') {
      const ledger = await openLedger(db);
      await applyMigrations(db, SYNC_MIGRATIONS);
      return { kind, ledger, commitments: createLedgerCommitments(ledger), close: () => db.close() } as const;
    }
    await applyMigrations(db, OLTP_MIGRATIONS);
    await applyMigrations(db, SYNC_MIGRATIONS);
    return { kind, oltp: createOltpStore(db), close: () => db.close() } as const;
  } catch (error) {
    await db.close();
    throw error;
  }
}

// The embedded data serves one process: this service, or a gateway. Its targets get the
// demo data as `figway serve` gives it (the backfill is idempotent).
async function openEmbeddedStores(kind: TargetServiceKind, config: Config, logger: Logger) {
  const claim = await claimEmbeddedData(config.dataDir);
  try {
    const backends = await openBackends(config);
    try {
      const { targets, legacyDb } = backends;
      if (targets === null || legacyDb === null) throw new ConfigError('the embedded default has no targets');
      for (const job of BACKFILL_JOBS) {
        const { failures: _failures, ...summary } = await runBackfill(job, { legacy: legacyDb, ...targets });
        logger.info(summary, `backfilled ${job}`);
      }
      const close = async () => {
        await backends.close();
        await claim.release();
      };
      const stores: ServiceStores =
        kind === 'ledger'
          ? { kind, ledger: targets.ledger, commitments: targets.commitments, close }
          : { kind, oltp: targets.oltp, close };
      return { stores, publish: claim.publish };
    } catch (error) {
      await backends.close();
      throw error;
    }
  } catch (error) {
    await claim.release();
    throw error;
  }
}

/**
 * Opens the store of `kind` as `config` (read from {@link serviceEnvironment}) names it:
 * its own PostgreSQL database, migrated, or the embedded default's, claimed for this
 * process. `publish` tells the embedded lock where the service listens.
 */
export async function openServiceStores(
  kind: TargetServiceKind,
  config: Config,
  metrics: ServiceMetrics,
  logger: Logger,
): Promise<{ stores: ServiceStores; publish(url: string): Promise<void> }> {
  const setting = SERVICE_DATABASE_SETTING[kind];
  switch (config.targets.kind) {
    case 'postgres':
      return {
        stores: await openHostedStores(kind, config.targets.ledgerUrl, metrics, logger),
        publish: async () => {},
      };
    case 'embedded':
      return openEmbeddedStores(kind, config, logger);
    case 'qldb':
    case 'none':
      throw new ConfigError(
        `figway service ${kind} needs ${setting} (or the embedded default, with no database setting at all).`,
      );
  }
}
