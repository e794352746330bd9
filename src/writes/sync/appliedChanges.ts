import type { Queryable, Row } from '../../core/database.ts';

/** A captured change that would overwrite newer authoritative state, for `figway.sync_conflicts`. */
export interface SyncConflict {
  entity: 'commitment';
  entityId: string;
  changeId: number;
  detail: string;
  legacyRow: Row;
  /** The commitment version the target holds, or null when it holds none. */
  targetVersion: number | null;
}

/** The ids among `ids` that `figway.applied_changes` of `db` records as applied. */
export async function readAppliedChanges(db: Queryable, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db.query(
    'select change_id from figway.applied_changes where change_id = any($1::bigint[])',
    [ids],
  );
  return new Set(rows.map((row) => Number(row.change_id)));
}

/**
 * Records the changes as applied, inside the transaction that applies them. A plain
 * insert on purpose: a change applied twice concurrently fails on the primary key
 * and rolls its second application back.
 */
export async function recordAppliedChanges(tx: Queryable, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query('insert into figway.applied_changes (change_id) select unnest($1::bigint[])', [ids]);
}

/** Records conflicts in `figway.sync_conflicts`, inside the transaction that decides them. */
export async function recordSyncConflicts(tx: Queryable, conflicts: readonly SyncConflict[]): Promise<void> {
  for (const conflict of conflicts) {
    await tx.query(
      `insert into figway.sync_conflicts (entity, entity_id, change_id, detail, legacy_row, target_version)
       values ($1, $2, $3, $4, $5::jsonb, $6)`,
      [
        conflict.entity,
        conflict.entityId,
        conflict.changeId,
        conflict.detail,
        JSON.stringify(conflict.legacyRow),
        conflict.targetVersion,
      ],
    );
  }
}

/**
 * The oldest open conflict (`resolved_at` null in `figway.sync_conflicts`) of each
 * commitment among `ids` that has one, by commitment id, in one query. While a
 * commitment has one, its captured legacy changes wait on it.
 */
export async function readOpenConflicts(db: Queryable, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query(
    `select entity_id, min(id) as id from figway.sync_conflicts
     where resolved_at is null and entity = 'commitment' and entity_id = any($1::text[])
     group by entity_id`,
    [ids],
  );
  return new Map(rows.map((row) => [String(row.entity_id), Number(row.id)]));
}
