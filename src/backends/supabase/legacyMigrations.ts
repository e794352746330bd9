import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../sql/migrate.ts';

/** The legacy Supabase data model: platform roles and auth helpers, tables, triggers, RLS. */
export const LEGACY_MIGRATIONS: MigrationSet = {
  name: 'supabase',
  directory: fileURLToPath(new URL('./migrations', import.meta.url)),
};
