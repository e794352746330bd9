import { join } from 'node:path';
import type { Database } from '../backends/sql/database.ts';
import { migrate } from '../backends/sql/migrate.ts';
import { openPgliteDatabase } from '../backends/sql/pgliteDatabase.ts';
import { LEGACY_MIGRATIONS } from '../backends/supabase/legacyMigrations.ts';
import { seedDemoData } from '../backends/supabase/seed/seedDemoData.ts';

/**
 * Opens the embedded legacy Supabase database in `<dataDir>/legacy` (PGlite),
 * applies the legacy migrations and, on first start, seeds the demo data.
 */
export async function openEmbeddedLegacy(dataDir: string): Promise<{ db: Database; seeded: boolean }> {
  const db = await openPgliteDatabase(join(dataDir, 'legacy'));
  try {
    await migrate(db, LEGACY_MIGRATIONS);
    return { db, seeded: await seedDemoData(db) };
  } catch (error) {
    await db.close();
    throw error;
  }
}
