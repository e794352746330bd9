import { applyMigrations } from '../src/backends/sql/applyMigrations.ts';
import { LEGACY_MIGRATIONS } from '../src/backends/supabase/legacyMigrations.ts';
import { seedDemoData } from '../src/backends/supabase/seed/seedDemoData.ts';
import type { Database } from '../src/core/database.ts';
import type { TestEngine } from './databases.ts';

/** A fresh legacy Supabase database on `engine`, migrated and seeded with the demo data. */
export async function createLegacyDatabase(engine: TestEngine) {
  const created = await engine.create();
  await applyMigrations(created.db, LEGACY_MIGRATIONS);
  await seedDemoData(created.db);
  return created as { db: Database; url: string | null; drop(): Promise<void> };
}
