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

// A record is a candidate once applied more than `$2` days ago.
const OLD_RECORD = `applied_at < now() - $2::float8 * interval '1 day'`;

// Whether the queue row `row` was made before the records' cutoff, with a day to spare
// for clocks that differ between the queue's database and the records': such a change,
// still queued, keeps its record, so a change delivered again is still skipped.
function queuedBefore(queue: RecordTable['queue'], row: string): string {
  return `${row}.${queue.madeAt} < now() - ($2::float8 - 1) * interval '1 day'`;
}

/** One batch's outcome: records deleted, candidates looked at, and the last candidate's key. */
interface Batch {
  removed: number;
  found: number;
  last: string | null;
}

// The queue in the records' database: one statement, the queue consulted row by row
// through its primary key.
async function pruneBatchBeside(
  records: RecordTable,
  after: string,
  days: number,
  size: number,
): Promise<Batch> {
  const { db, table, key, queue } = records;
  const [row] = await db.query(
    `with doomed as (
       select r.${key} from ${table} r
       where r.${key} > $1::bigint and r.${OLD_RECORD}
         and not exists (select 1 from ${queue.table} q where q.id = r.${key} and ${queuedBefore(queue, 'q')})
       order by r.${key} limit $3
     ), gone as (
       delete from ${table} where ${key} in (select ${key} from doomed) returning ${key}
     )
     select (select count(*) from gone) as removed, (select count(*) from doomed) as found,
            (select max(${key}) from doomed) as last`,
    [after, days, size],
  );
  const last = row?.last;
  return {
    removed: Number(row?.removed ?? 0),
    found: Number(row?.found ?? 0),
    last: last === null || last === undefined ? null : String(last),
  };
}

// The queue in another database: the batch's candidates are read, the queue asked which
// of them it still holds, and the others deleted; no list is longer than the batch.
async function pruneBatchApart(
  records: RecordTable,
  after: string,
  days: number,
  size: number,
): Promise<Batch> {
  const { db, table, key, queue } = records;
  const candidates = await db.query(
    `select ${key} as id from ${table} where ${key} > $1::bigint and ${OLD_RECORD} order by ${key} limit $3`,
    [after, days, size],
  );
  const ids = candidates.map((row) => String(row.id));
  if (ids.length === 0) return { removed: 0, found: 0, last: null };
  const queued = await queue.db.query(
    `select q.id from ${queue.table} q
     where q.id in (select unnest($1::bigint[])) and ${queuedBefore(queue, 'q')}`,
    [ids, days],
  );
  const kept = new Set(queued.map((row) => String(row.id)));
  const doomed = ids.filter((id) => !kept.has(id));
  let removed = 0;
  if (doomed.length > 0) {
    const [row] = await db.query(
      `with gone as (
         delete from ${table} where ${key} in (select unnest($1::bigint[])) and ${OLD_RECORD} returning ${key}
       )
       select count(*) as removed from gone`,
      [doomed, days],
    );
    removed = Number(row?.removed ?? 0);
  }
  return { removed, found: ids.length, last: ids[ids.length - 1] ?? null };
}

// Deletes in key order, one batch at a time, each batch starting after the last key the
// previous one found: no long transaction, and no batch rescans the rows (or the dead
// tuples) of the batches before it. The queue is asked about each batch's records alone,
// so its size (millions of changes after a long outage) costs no memory here.
async function pruneTable(
  records: RecordTable,
  olderThanDays: number,
  batchSize: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  const pruneBatch = records.db === records.queue.db ? pruneBatchBeside : pruneBatchApart;
  let removed = 0;
  let after = BEFORE_FIRST_ID;
  while (signal?.aborted !== true) {
    const batch = await pruneBatch(records, after, olderThanDays, batchSize);
    removed += batch.removed;
    if (batch.found < batchSize || batch.last === null) break;
    after = batch.last;
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
  let removed = 0;
  for (const records of tables) {
    if (options.signal?.aborted === true) break;
    removed += await pruneTable(records, olderThanDays, batchSize, options.signal);
  }
  return removed;
}
