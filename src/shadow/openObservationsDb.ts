import { join } from 'node:path';
import { applyMigrations } from '../backends/sql/applyMigrations.ts';
import { openPgliteDatabase } from '../backends/sql/pgliteDatabase.ts';
import { openPostgresDatabase } from '../backends/sql/postgresDatabase.ts';
import { type Config, ConfigError } from '../config.ts';
import type { Database } from '../core/database.ts';
import { OBSERVATION_MIGRATIONS } from './observationMigrations.ts';

/** Opens the database that holds shadow observations, for a command that reads them. */
export type ObservationsDbOpener = (config: Config) => Promise<Database>;

/**
 * Opens the observation store the configuration names. The embedded default keeps
 * observations in its one PGlite at `<dataDir>/pglite` (migrated here, so a data
 * folder that never served still reports); otherwise `OBSERVATIONS_DATABASE_URL`
 * names a PostgreSQL database the gateways have migrated. Throws a ConfigError
 * naming that variable when it is unset. Only one process may open the embedded
 * PGlite: the caller makes sure no gateway holds it.
 */
export async function openObservationsDb(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Database> {
  if (config.legacy.transport === 'embedded') {
    const db = await openPgliteDatabase(join(config.dataDir, 'pglite'));
    try {
      await applyMigrations(db, OBSERVATION_MIGRATIONS);
    } catch (error) {
      await db.close();
      throw error;
    }
    return db;
  }
  const url = env.OBSERVATIONS_DATABASE_URL;
  if (url === undefined || url.trim() === '') {
    throw new ConfigError(
      'OBSERVATIONS_DATABASE_URL is not set: set it to the PostgreSQL database the gateways store ' +
        'shadow observations in (postgres://user@host:5432/db).',
    );
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError('OBSERVATIONS_DATABASE_URL must be a postgres:// or postgresql:// URL.');
  }
  return openPostgresDatabase({ connectionString: url, maxConnections: 2 });
}
