import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../sql/applyMigrations.ts';

/** The OLTP service's tables: profiles and commitment types. */
export const OLTP_MIGRATIONS: MigrationSet = {
  name: 'oltp',
  directory: fileURLToPath(new URL('./migrations', import.meta.url)),
};
