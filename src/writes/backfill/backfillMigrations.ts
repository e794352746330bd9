import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../../backends/sql/applyMigrations.ts';

/** The backfill's progress tables, created in each target database. */
export const BACKFILL_MIGRATIONS: MigrationSet = {
  name: 'backfill',
  directory: fileURLToPath(new URL('./migrations', import.meta.url)),
};
