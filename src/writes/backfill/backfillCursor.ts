import type { Queryable } from '../../core/database.ts';
import type { BackfillJob } from './backfillTypes.ts';

/** The id after which `job` resumes, or null to start from the beginning. */
export async function readCursor(db: Queryable, job: BackfillJob): Promise<string | null> {
  const [row] = await db.query('select cursor from figway.backfill_cursors where job = $1', [job]);
  return row === undefined || row.cursor === null ? null : String(row.cursor);
}

/** Records that `job` has committed everything up to `cursor` (null: the run completed). */
export async function writeCursor(db: Queryable, job: BackfillJob, cursor: string | null): Promise<void> {
  await db.query(
    `insert into figway.backfill_cursors (job, cursor, updated_at) values ($1, $2, now())
     on conflict (job) do update set cursor = excluded.cursor, updated_at = excluded.updated_at`,
    [job, cursor],
  );
}
