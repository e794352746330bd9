import type { Queryable } from '../../core/database.ts';
import type { QueueStatus } from './changeQueue.ts';
import type { Direction } from './syncDirection.ts';

/** Where the mirror stands, each way. */
export interface SyncStatus {
  toTarget: DirectionStatus;
  toLegacy: DirectionStatus;
  conflicts: { open: number; recent: ConflictRow[] };
}

/** One direction of the mirror: its queue, and the lag of what this process applied lately. */
export interface DirectionStatus extends QueueStatus {
  /** Lag percentiles, in seconds, of the last changes this process applied; null when it applied none. */
  lag: { p50: number; p99: number; samples: number } | null;
}

/** A change that could not be applied without overwriting the authoritative side. */
export interface ConflictRow {
  id: number;
  entity: string;
  entityId: string;
  changeId: number | null;
  detail: string;
  detectedAt: string;
}

/** How many conflicts are open in the ledger's database, and the newest 50 of them. */
export async function readOpenConflicts(ledgerDb: Queryable): Promise<SyncStatus['conflicts']> {
  const [count] = await ledgerDb.query(
    'select count(*) as n from figway.sync_conflicts where resolved_at is null',
  );
  const rows = await ledgerDb.query(
    `select id, entity, entity_id, change_id, detail, detected_at from figway.sync_conflicts
     where resolved_at is null order by id desc limit 50`,
  );
  return {
    open: Number(count?.n ?? 0),
    recent: rows.map((row) => ({
      id: Number(row.id),
      entity: String(row.entity),
      entityId: String(row.entity_id),
      changeId: row.change_id === null ? null : Number(row.change_id),
      detail: String(row.detail),
      detectedAt: (row.detected_at instanceof Date
        ? row.detected_at
        : new Date(String(row.detected_at))
      ).toISOString(),
    })),
  };
}

/** One direction's queue now, with the lag of what this process applied lately. */
export async function directionStatus(way: Direction): Promise<DirectionStatus> {
  return { ...(await way.queue.status()), lag: way.lag.summary() };
}
