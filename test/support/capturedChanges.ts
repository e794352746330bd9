import { DEMO_COMMITMENTS } from '../../src/backends/supabase/seed/demoCommitments.ts';
import type { Database } from '../../src/core/database.ts';
import { toCapturedChange } from '../../src/writes/sync/queueRows.ts';
import type { CapturedChange } from '../../src/writes/sync/syncTypes.ts';

/** The id of the demo commitment at `index`; throws when there is none. */
export function demoId(index: number): string {
  const id = DEMO_COMMITMENTS[index]?.id;
  if (id === undefined) throw new Error(`no demo commitment ${index}`);
  return id;
}

/** Runs `work` on legacy and returns the changes it captured, in id order. */
export async function capture(legacy: Database, work: () => Promise<unknown>): Promise<CapturedChange[]> {
  const [mark] = await legacy.query('select coalesce(max(id), 0) as id from figway.legacy_changes');
  await work();
  const rows = await legacy.query('select * from figway.legacy_changes where id > $1 order by id', [
    Number(mark?.id ?? 0),
  ]);
  return rows.map(toCapturedChange);
}
