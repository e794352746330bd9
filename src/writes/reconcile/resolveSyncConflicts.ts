import type { Queryable } from '../../core/database.ts';

/**
 * Marks the open rows of `figway.sync_conflicts` for `ids` resolved, after a repair
 * made both sides equal; returns how many. A database without the mirror's tables
 * has no conflicts to resolve.
 */
export async function resolveSyncConflicts(
  db: Queryable,
  entity: 'commitment' | 'profile' | 'commitment_type',
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const [table] = await db.query("select to_regclass('figway.sync_conflicts') is not null as present");
  if (table?.present !== true) return 0;
  const resolved = await db.query(
    `update figway.sync_conflicts set resolved_at = now()
     where resolved_at is null and entity = $1 and entity_id = any($2::text[]) returning id`,
    [entity, ids],
  );
  return resolved.length;
}
