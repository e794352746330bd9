import type { ChangePublisher } from '../../core/changeEvents.ts';
import type { Database } from '../../core/database.ts';
import type { RateLimitedLog } from '../../reports/rateLimitedLog.ts';
import { legacyCommitmentChanges } from './legacyChangeEvents.ts';
import { toCapturedChange } from './queueRows.ts';

/** A backlog longer than this is left to the appliers' claims, which read it in batches. */
const MOST = 5000;

/**
 * Ids the feed read past without finding them, each with the end (`xmax`) of the
 * snapshot that missed it. An id is handed out before its transaction commits, so a
 * missing one may belong to a transaction still in progress: it is looked for again on
 * each read until found, or until a read's snapshot begins after every transaction
 * that could hold it had ended (its `xmin` reached that `xmax`), when it was rolled back
 * or already applied and deleted (the applier told it).
 */
type Gaps = Map<number, bigint>;

// What a read tells about the gaps: the ones it found leave, the ids it skipped join,
// and the ones every possible writer of which had ended before it began are gone.
function settleGaps(gaps: Gaps, seen: number, found: readonly number[], xmin: bigint, xmax: bigint) {
  let next = seen + 1;
  for (const id of found) {
    gaps.delete(id);
    if (id <= seen) continue;
    // Past MOST held ids, any more are left to the appliers' claims.
    for (let skipped = next; skipped < id && gaps.size < MOST; skipped += 1) gaps.set(skipped, xmax);
    next = id + 1;
  }
  for (const [id, missedBefore] of gaps) if (xmin >= missedBefore) gaps.delete(id);
}

/**
 * The fast path of legacy's change feed: on each NOTIFY of the capture triggers, reads
 * the changes captured since the last read and publishes them at once, without waiting
 * for an applier to claim them, which may be busy writing the previous batch to the
 * ledger. Ids are handed out before commit, so a transaction still in progress can hold
 * ids below ones already committed: the feed looks for such ids again on each read
 * (one query, with the new ones) until their transaction ends, and tells each
 * transaction whole when it commits, in id order. A change to a commitment's row is thus
 * told after the changes to that row committed before it. Best effort: a change applied
 * and deleted before it is read, a backlog of more than 5000 changes, and ids beyond
 * 5000 held back are published by the appliers when they claim them (under the same
 * event ids, so subscribers get each once). Returns the stop.
 */
export async function startLegacyFeed(
  legacyDb: Database,
  publisher: ChangePublisher,
  log: RateLimitedLog,
): Promise<() => Promise<void>> {
  const [start] = await legacyDb.query('select coalesce(max(id), 0) as id from figway.legacy_changes');
  let seen = Number(start?.id ?? 0);
  const gaps: Gaps = new Map();
  let reading: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function readNew() {
    do {
      again = false;
      // The snapshot is the statement's own: the rows and the transactions it saw in progress agree.
      const fresh = await legacyDb.query(
        `select id, pg_snapshot_xmin(pg_current_snapshot())::text as xmin,
                pg_snapshot_xmax(pg_current_snapshot())::text as xmax
           from figway.legacy_changes where id > $1 or id = any($2::bigint[]) order by id limit $3`,
        [seen, [...gaps.keys()], MOST + 1],
      );
      const [first] = fresh;
      if (first === undefined) continue;
      const found = fresh.map((row) => Number(row.id));
      const newest = Math.max(seen, ...found);
      if (fresh.length > MOST) {
        // A bulk change: the appliers tell it as they claim it, in batches.
        const [top] = await legacyDb.query('select coalesce(max(id), 0) as id from figway.legacy_changes');
        seen = Math.max(newest, Number(top?.id ?? 0));
        gaps.clear();
        continue;
      }
      settleGaps(gaps, seen, found, BigInt(String(first.xmin)), BigInt(String(first.xmax)));
      seen = newest;
      // Every row of a transaction committed since the last read is among those found.
      const rows = await legacyDb.query(
        'select * from figway.legacy_changes where id = any($1::bigint[]) order by id',
        [found],
      );
      const events = legacyCommitmentChanges(rows.map(toCapturedChange));
      if (events.length > 0) publisher.publish(events);
    } while (again && !stopped);
  }

  function wake() {
    if (stopped) return;
    if (reading !== null) {
      again = true;
      return;
    }
    reading = readNew()
      .catch((error: unknown) => {
        // The applier still publishes what it claims: only the fast path is late.
        log.log('sync/feed', 'warn', { err: error }, 'reading new legacy changes for subscribers failed');
      })
      .finally(() => {
        reading = null;
      });
  }

  const unlisten = await legacyDb.listen('figway_legacy_changes', wake);
  return async () => {
    stopped = true;
    await unlisten();
    await reading;
  };
}
