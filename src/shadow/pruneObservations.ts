import type { Queryable } from '../core/database.ts';

/** Deletes observations older than `days`; returns how many went. */
export async function pruneObservations(db: Queryable, days: number): Promise<number> {
  const rows = await db.query(
    'delete from observations.observations where at < now() - make_interval(days => $1) returning id',
    [days],
  );
  return rows.length;
}
