import { applyMigrations } from '../../backends/sql/applyMigrations.ts';
import type { Database } from '../../core/database.ts';
import { readCursor } from './backfillCursor.ts';
import { BACKFILL_MIGRATIONS } from './backfillMigrations.ts';
import type { BackfillJob, BackfillSummary } from './backfillTypes.ts';
import { readLegacyAsService } from './readLegacyAsService.ts';

/**
 * Begins a run of `job`: makes sure the target has the progress tables, counts the
 * legacy rows of `table`, and returns an empty summary with the cursor to resume from.
 */
export async function startBackfill(legacy: Database, target: Database, job: BackfillJob, table: string) {
  await applyMigrations(target, BACKFILL_MIGRATIONS);
  const [count] = await readLegacyAsService(legacy, (tx) =>
    tx.query(`select count(*)::int as n from public.${table}`),
  );
  const summary: BackfillSummary = {
    job,
    total: Number(count?.n ?? 0),
    read: 0,
    written: 0,
    skipped: 0,
    failed: 0,
    revisions: 0,
    failures: [],
    interrupted: false,
  };
  return { summary, cursor: await readCursor(target, job) };
}
