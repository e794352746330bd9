import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../backends/sql/applyMigrations.ts';

/** The observation store's table. */
export const OBSERVATION_MIGRATIONS: MigrationSet = {
  name: 'observations',
  directory: fileURLToPath(new URL('./migrations', import.meta.url)),
};
