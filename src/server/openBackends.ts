import { join } from 'node:path';
import type { ConnectStore } from '../backends/connectStore.ts';
import { createLedgerCommitments, type LedgerCommitments } from '../backends/ledger/ledgerCommitments.ts';
import { type Ledger, openLedger } from '../backends/ledger/openLedger.ts';
import { OLTP_MIGRATIONS } from '../backends/oltp/oltpMigrations.ts';
import { createOltpStore, type OltpStore } from '../backends/oltp/oltpStore.ts';
import { applyMigrations } from '../backends/sql/applyMigrations.ts';
import { openPgliteDatabase } from '../backends/sql/pgliteDatabase.ts';
import { openPostgresDatabase } from '../backends/sql/postgresDatabase.ts';
import { LEGACY_MIGRATIONS } from '../backends/supabase/legacyMigrations.ts';
import { createPostgresTransport } from '../backends/supabase/postgresTransport.ts';
import { seedDemoData } from '../backends/supabase/seed/seedDemoData.ts';
import { createTargetStore } from '../backends/targetStore.ts';
import type { Config } from '../config.ts';
import type { BackendEvents, Database } from '../core/database.ts';
import { OBSERVATION_MIGRATIONS } from '../shadow/observationMigrations.ts';
import { installChangeCapture } from '../writes/sync/installChangeCapture.ts';
import { SYNC_MIGRATIONS } from '../writes/sync/syncMigrations.ts';

/** The target side: the ledger, the OLTP service, and the Connect port over both. */
export interface Targets {
  ledger: Ledger;
  oltp: OltpStore;
  commitments: LedgerCommitments;
  store: ConnectStore;
}

/** Every backend the configuration names, open and migrated. */
export interface Backends {
  legacy: ConnectStore;
  /** The legacy database itself, for backfills; null behind the rest transport. */
  legacyDb: Database | null;
  /** True when change capture is installed on the legacy database (it needs the Connect tables). */
  captureInstalled: boolean;
  targets: Targets | null;
  /** Where shadow observations are stored; null when no store is configured. */
  observationsDb: Database | null;
  /** True when this process created the embedded demo data just now. */
  seeded: boolean;
  close(): Promise<void>;
}

async function openTargets(ledgerDb: Database, oltpDb: Database): Promise<Targets> {
  const ledger = await openLedger(ledgerDb);
  await applyMigrations(ledgerDb, SYNC_MIGRATIONS);
  await applyMigrations(oltpDb, OLTP_MIGRATIONS);
  await applyMigrations(oltpDb, SYNC_MIGRATIONS);
  const oltp = createOltpStore(oltpDb);
  const commitments = createLedgerCommitments(ledger);
  return { ledger, oltp, commitments, store: createTargetStore({ oltp, commitments }) };
}

// The embedded default keeps legacy, ledger and OLTP in one PGlite, each in its own
// schema: PGlite serves one process, and one instance starts in a fraction of the time of three.
async function openEmbedded(dataDir: string): Promise<Backends> {
  const db = await openPgliteDatabase(join(dataDir, 'pglite'));
  try {
    await applyMigrations(db, LEGACY_MIGRATIONS);
    const seeded = await seedDemoData(db);
    // Captured from here on: the demo data reaches the targets by the backfill, not as changes.
    await installChangeCapture(db);
    const targets = await openTargets(db, db);
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
    return {
      legacy: createPostgresTransport(db),
      legacyDb: db,
      captureInstalled: true,
      targets,
      observationsDb: db,
      seeded,
      close: () => db.close(),
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** What the backends report about themselves. */
export interface BackendsOptions {
  /**
   * The events each PostgreSQL database reports (failures, budget cuts), by backend:
   * `legacy`, `ledger`, `oltp`, `observations`. @default a rate-limited warning on stderr
   */
  eventsOf?: (backend: BackendName) => BackendEvents;
}

/** The backends figway opens, as logs and metrics name them. */
export type BackendName = 'legacy' | 'ledger' | 'oltp' | 'observations';

async function openHosted(config: Config, options: BackendsOptions): Promise<Backends> {
  const opened: Database[] = [];
  const open = (connectionString: string, backend: BackendName) => {
    const events = options.eventsOf?.(backend);
    const db = openPostgresDatabase({ connectionString, ...(events === undefined ? {} : { events }) });
    opened.push(db);
    return db;
  };
  const close = async () => void (await Promise.all(opened.map((db) => db.close())));
  try {
    let legacy: ConnectStore;
    let legacyDb: Database | null = null;
    let captureInstalled = false;
    if (config.legacy.transport === 'rest') {
      // Loaded on demand: supabase-js is only needed for a hosted project.
      const { createRestTransport } = await import('../backends/supabase/restTransport.ts');
      const events = options.eventsOf?.('legacy');
      legacy = createRestTransport({
        url: config.legacy.url,
        anonKey: config.legacy.anonKey,
        ...(events === undefined ? {} : { events }),
      });
    } else if (config.legacy.transport === 'postgres') {
      legacyDb = open(config.legacy.databaseUrl, 'legacy');
      captureInstalled = await installChangeCapture(legacyDb);
      legacy = createPostgresTransport(legacyDb);
    } else {
      throw new Error('openHosted needs a hosted legacy configuration');
    }
    const targets =
      config.targets.kind === 'postgres'
        ? await openTargets(open(config.targets.ledgerUrl, 'ledger'), open(config.targets.oltpUrl, 'oltp'))
        : null;
    let observationsDb: Database | null = null;
    if (config.shadow.store.kind === 'postgres') {
      observationsDb = open(config.shadow.store.url, 'observations');
      await applyMigrations(observationsDb, OBSERVATION_MIGRATIONS);
    }
    return { legacy, legacyDb, captureInstalled, targets, observationsDb, seeded: false, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Opens the backends the configuration describes, applying figway's own migrations. */
export function openBackends(config: Config, options: BackendsOptions = {}): Promise<Backends> {
  return config.legacy.transport === 'embedded'
    ? openEmbedded(config.legacy.dataDir)
    : openHosted(config, options);
}
