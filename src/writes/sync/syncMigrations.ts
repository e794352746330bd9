import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../../backends/sql/applyMigrations.ts';

/** figway's change capture, installed in the legacy database: the queue, its triggers, NOTIFY. */
export const CAPTURE_MIGRATIONS: MigrationSet = {
  name: 'capture',
  directory: fileURLToPath(new URL('./migrations/legacy', import.meta.url)),
};

/** The mirror's state in each target database: applied changes, the outbox, conflicts. */
export const SYNC_MIGRATIONS: MigrationSet = {
  name: 'sync',
  directory: fileURLToPath(new URL('./migrations/target', import.meta.url)),
};
