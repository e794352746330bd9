import type { Queryable } from '../../core/database.ts';

/** An entity kind as `figway.sync_conflicts` names it. */
export type ConflictEntity = 'commitment' | 'profile' | 'commitment_type';

async function hasConflictTable(db: Queryable): Promise<boolean> {
  const [table] = await db.query("select to_regclass('figway.sync_conflicts') is not null as present");
  return table?.present === true;
}

/**
 * The open rows of `figway.sync_conflicts` (`resolved_at` null) of `entity`: their
 * ids by entity id. A database without the mirror's tables has none.
 */
export async function readOpenSyncConflicts(
  db: Queryable,
  entity: ConflictEntity,
): Promise<Map<string, number[]>> {
  const open = new Map<string, number[]>();
  if (!(await hasConflictTable(db))) return open;
  const rows = await db.query(
    'select id, entity_id from figway.sync_conflicts where resolved_at is null and entity = $1 order by id',
    [entity],
  );
  for (const row of rows) {
    const id = String(row.entity_id);
    open.set(id, [...(open.get(id) ?? []), Number(row.id)]);
  }
  return open;
}

/**
 * Marks the rows of `figway.sync_conflicts` with these ids resolved, those still open;
 * returns how many it marked.
 */
export async function resolveSyncConflicts(db: Queryable, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const resolved = await db.query(
    `update figway.sync_conflicts set resolved_at = now()
     where resolved_at is null and id = any($1::bigint[]) returning id`,
    [ids],
  );
  return resolved.length;
}
