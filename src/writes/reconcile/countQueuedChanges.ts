import type { Queryable } from '../../core/database.ts';
import type { QueuedChanges, QueuedCount } from './reconcileTypes.ts';

/** An entity kind as the mirror's queues name it. */
export type QueuedEntity = 'commitment' | 'profile' | 'commitment_type';

type QueueTable = 'figway.legacy_changes' | 'figway.outbox';

// A database without the mirror installed (no capture on legacy, no sync state on the
// ledger) has nothing queued; to_regclass tells without failing the run.
async function countQueue(db: Queryable, table: QueueTable, entity: QueuedEntity): Promise<QueuedCount> {
  const [present] = await db.query('select to_regclass($1) is not null as present', [table]);
  if (present?.present !== true) return { pending: 0, dead: 0 };
  const [row] = await db.query(
    `select count(*) filter (where dead_at is null)::int as pending,
            count(*) filter (where dead_at is not null)::int as dead
     from ${table} where entity = $1`,
    [entity],
  );
  return { pending: Number(row?.pending ?? 0), dead: Number(row?.dead ?? 0) };
}

/**
 * The changes of `entity` still in the mirror's queues: captured on legacy and not yet
 * applied to the target (`figway.legacy_changes` on `legacy`), and written on the
 * target and not yet copied to legacy (`figway.outbox` on `ledger`), each as pending
 * and dead letters. While any is pending, a divergent row may only be waiting for the
 * mirror. Zeros for a database without the queue's table.
 */
export async function countQueuedChanges(
  legacy: Queryable,
  ledger: Queryable,
  entity: QueuedEntity,
): Promise<QueuedChanges> {
  const [toTarget, toLegacy] = await Promise.all([
    countQueue(legacy, 'figway.legacy_changes', entity),
    countQueue(ledger, 'figway.outbox', entity),
  ]);
  return { toTarget, toLegacy };
}
