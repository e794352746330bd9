import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '../sql/applyMigrations.ts';

/**
 * The legacy Supabase data model: a stand-in for the Supabase platform (roles, the
 * auth schema and its helpers; applied only where no auth schema exists), then the
 * Connect tables, triggers and row-level security.
 */
export const LEGACY_MIGRATIONS: MigrationSet = {
  name: 'supabase',
  directory: fileURLToPath(new URL('./migrations', import.meta.url)),
};

/** The tables the Connect data model creates in the legacy database, schema-qualified. */
export const CONNECT_TABLES = [
  'public.profiles',
  'public.commitment_types',
  'public.commitments',
  'public.commitment_parties',
  'public.commitment_documents',
  'public.commitment_history',
] as const;
