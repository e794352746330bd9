import type { Database } from '../../src/backends/sql/database.ts';
import { migrate } from '../../src/backends/sql/migrate.ts';
import { LEGACY_MIGRATIONS } from '../../src/backends/supabase/legacyMigrations.ts';
import { seedDemoData } from '../../src/backends/supabase/seed/seedDemoData.ts';
import type { TestEngine } from './databases.ts';

/** A fresh legacy Supabase database on `engine`, migrated and seeded with the demo data. */
export async function createLegacyDatabase(engine: TestEngine) {
  const created = await engine.create();
  await migrate(created.db, LEGACY_MIGRATIONS);
  await seedDemoData(created.db);
  return created as { db: Database; url: string | null; drop(): Promise<void> };
}
