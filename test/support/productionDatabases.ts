import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_POSTGRES_URL, testEngines } from '../../harness/databases.ts';
import { openLedger } from '../../src/backends/ledger/openLedger.ts';
import { OLTP_MIGRATIONS } from '../../src/backends/oltp/oltpMigrations.ts';
import { createOltpStore } from '../../src/backends/oltp/oltpStore.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import { openPostgresDatabase } from '../../src/backends/sql/postgresDatabase.ts';
import { LEGACY_MIGRATIONS } from '../../src/backends/supabase/legacyMigrations.ts';
import { seedDemoData } from '../../src/backends/supabase/seed/seedDemoData.ts';
import { BACKFILL_JOBS } from '../../src/writes/backfill/backfillTypes.ts';
import { runBackfill } from '../../src/writes/backfill/runBackfill.ts';

/** The databases of a production deployment, each by role. */
export type DatabaseRole = 'legacy' | 'ledger' | 'oltp' | 'observations';

/** Four fresh databases on the test PostgreSQL, laid out as figway runs in production. */
export interface ProductionDatabases {
  /** The name of each database on the server. */
  names: Record<DatabaseRole, string>;
  /** The connection URL of each database. */
  urls: Record<DatabaseRole, string>;
  /** The environment `figway serve` needs to use them (NODE_ENV is left to the caller). */
  env: Record<string, string>;
  /** Ends every connection to the databases of `roles`, as a failover or an admin would; returns how many. */
  terminateConnections(roles: readonly DatabaseRole[]): Promise<Record<DatabaseRole, number>>;
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function urlOf(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Creates a seeded legacy database, a ledger and an OLTP database backfilled from it,
 * and an empty observation database on the test PostgreSQL (required: under CI a
 * missing server fails). figway migrates the observation database itself at start.
 */
export async function createProductionDatabases(): Promise<ProductionDatabases> {
  const engines = await testEngines();
  if (!engines.some((engine) => engine.name === 'postgres')) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_POSTGRES_URL}; this test needs it.`);
  }
  const suffix = randomBytes(5).toString('hex');
  const roles: DatabaseRole[] = ['legacy', 'ledger', 'oltp', 'observations'];
  const names = Object.fromEntries(roles.map((role) => [role, `figway_${role}_${suffix}`])) as Record<
    DatabaseRole,
    string
  >;
  await withAdmin(async (admin) => {
    for (const role of roles) await admin.query(`create database ${names[role]}`);
  });
  const urls = Object.fromEntries(roles.map((role) => [role, urlOf(names[role])])) as Record<
    DatabaseRole,
    string
  >;
  const legacy = openPostgresDatabase({ connectionString: urls.legacy });
  const ledgerDb = openPostgresDatabase({ connectionString: urls.ledger });
  const oltpDb = openPostgresDatabase({ connectionString: urls.oltp });
  try {
    await applyMigrations(legacy, LEGACY_MIGRATIONS);
    await seedDemoData(legacy);
    const ledger = await openLedger(ledgerDb);
    await applyMigrations(oltpDb, OLTP_MIGRATIONS);
    const oltp = createOltpStore(oltpDb);
    for (const job of BACKFILL_JOBS) await runBackfill(job, { legacy, ledger, oltp });
  } finally {
    await Promise.all([legacy.close(), ledgerDb.close(), oltpDb.close()]);
  }
  return {
    names,
    urls,
    env: {
      SUPABASE_DB_URL: urls.legacy,
      LEDGER_DATABASE_URL: urls.ledger,
      OLTP_DATABASE_URL: urls.oltp,
      OBSERVATIONS_DATABASE_URL: urls.observations,
    },
    terminateConnections: (wanted) =>
      withAdmin(async (admin) => {
        const counts = { legacy: 0, ledger: 0, oltp: 0, observations: 0 };
        for (const role of wanted) {
          const result = await admin.query(
            `select pg_terminate_backend(pid) from pg_stat_activity
             where datname = $1 and pid <> pg_backend_pid()`,
            [names[role]],
          );
          counts[role] = result.rowCount ?? 0;
        }
        return counts;
      }),
    drop: () =>
      withAdmin(async (admin) => {
        for (const role of roles) await admin.query(`drop database if exists ${names[role]} with (force)`);
      }),
  };
}
