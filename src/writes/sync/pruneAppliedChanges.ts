import type { Database } from '../../core/database.ts';

/** The databases that hold the mirror's records of applied changes, and its queues. */
export interface PruneDeps {
  /** Holds `figway.applied_outbox` and the capture queue `figway.legacy_changes`. */
  legacyDb: Database;
  /** Holds `figway.applied_changes` and the outbox `figway.outbox`. */
  ledgerDb: Database;
  /** Holds `figway.applied_changes` (the ledger's database too in the embedded default). */
  oltpDb: Database;
}

/** Options of {@link pruneAppliedChanges}. */
export interface PruneOptions {
  /** Records deleted per statement (each its own short transaction). @default 10000 */
  batchSize?: number;
  /** Stops between batches once aborted; what was deleted so far stays deleted and is counted. */
  signal?: AbortSignal;
}

/** One table of records, the queue whose changes it records, and the database of each. */
interface RecordTable {
  db: Database;
  table: 'figway.applied_changes' | 'figway.applied_outbox';
  key: 'change_id' | 'outbox_id';
  queue: {
    db: Database;
    table: 'figway.legacy_changes' | 'figway.outbox';
    madeAt: 'captured_at' | 'created_at';
  };
}

// Ids are identities that start at 1: every record's key is greater.
const BEFORE_FIRST_ID = '0';

// The ids of changes still queued that were made before the records' cutoff, with a
// day to spare for clocks that differ between the queue's database and the records':
// their records are kept, so a change delivered again is still skipped.
async function stillQueued(queue: RecordTable['queue'], olderThanDays: number): Promise<string[]> {
  const rows = await queue.db.query(
    `select id from ${queue.table} where ${queue.madeAt} < now() - ($1::float8 - 1) * interval '1 day'`,
    [olderThanDays],
  );
  return rows.map((row) => String(row.id));
}

// Deletes in key order, one batch per statement, each batch starting after the last
// key the previous one found: no long transaction, and no batch rescans the rows (or
// the dead tuples) of the batches before it.
async function pruneTable(
  records: RecordTable,
  olderThanDays: number,
  keep: readonly string[],
  batchSize: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  const { db, table, key } = records;
  let removed = 0;
  let after = BEFORE_FIRST_ID;
  while (signal?.aborted !== true) {
    const [row] = await db.query(
      `with doomed as (
         select ${key} from ${table}
         where ${key} > $1::bigint and applied_at < now() - $2::float8 * interval '1 day'
           and ${key} <> all($3::bigint[])
         order by ${key} limit $4
       ), gone as (
         delete from ${table} where ${key} in (select ${key} from doomed) returning ${key}
       )
       select (select count(*) from gone) as removed, (select count(*) from doomed) as found,
              (select max(${key}) from doomed) as last`,
      [after, olderThanDays, keep, batchSize],
    );
    removed += Number(row?.removed ?? 0);
    if (Number(row?.found ?? 0) < batchSize || row?.last === null || row?.last === undefined) break;
    after = String(row.last);
  }
  return removed;
}

/**
 * Deletes the mirror's records of applied changes (`figway.applied_changes` in the
 * ledger's and the OLTP service's databases, `figway.applied_outbox` in legacy's)
 * older than `olderThanDays`, once per distinct database, in batches; returns how many
 * it deleted. A record only matters while its change can be delivered again, that is
 * while its queue row exists: the records of changes still queued are kept, however old.
 * Throws when a database fails (what earlier batches deleted stays deleted).
 */
export async function pruneAppliedChanges(
  deps: PruneDeps,
  olderThanDays: number,
  options: PruneOptions = {},
): Promise<number> {
  if (!Number.isFinite(olderThanDays) || olderThanDays < 0) {
    throw new RangeError(`olderThanDays must be a number of days, 0 or more (got ${olderThanDays})`);
  }
  const batchSize = options.batchSize ?? 10_000;
  const capture = { db: deps.legacyDb, table: 'figway.legacy_changes', madeAt: 'captured_at' } as const;
  const outbox = { db: deps.ledgerDb, table: 'figway.outbox', madeAt: 'created_at' } as const;
  const tables: RecordTable[] = [];
  for (const db of new Set([deps.ledgerDb, deps.oltpDb])) {
    tables.push({ db, table: 'figway.applied_changes', key: 'change_id', queue: capture });
  }
  tables.push({ db: deps.legacyDb, table: 'figway.applied_outbox', key: 'outbox_id', queue: outbox });
  const queued = new Map<RecordTable['queue'], string[]>();
  let removed = 0;
  for (const records of tables) {
    if (options.signal?.aborted === true) break;
    let keep = queued.get(records.queue);
    if (keep === undefined) {
      keep = await stillQueued(records.queue, olderThanDays);
      queued.set(records.queue, keep);
    }
    removed += await pruneTable(records, olderThanDays, keep, batchSize, options.signal);
  }
  return removed;
}
