import type { ChangePublisher } from '../../core/changeEvents.ts';
import type { Database } from '../../core/database.ts';
import type { RateLimitedLog } from '../../reports/rateLimitedLog.ts';
import { legacyCommitmentChanges } from './legacyChangeEvents.ts';
import { toCapturedChange } from './queueRows.ts';

/** A backlog longer than this is left to the appliers' claims, which read it in batches. */
const MOST = 5000;

/**
 * The fast path of legacy's change feed: on each NOTIFY of the capture triggers, reads
 * the transactions that captured changes since the last read, each whole (ids are
 * handed out before commit, so one transaction's rows can straddle another's), and
 * publishes them at once, without waiting for an applier to claim them, which may be
 * busy writing the previous batch to the ledger. Best effort: a transaction applied and
 * deleted before it is read, one that commits after a later id was read, and a backlog
 * of more than 5000 changes are published by the appliers when they claim them (under
 * the same event ids, so subscribers get each once). Returns the stop.
 */
export async function startLegacyFeed(
  legacyDb: Database,
  publisher: ChangePublisher,
  log: RateLimitedLog,
): Promise<() => Promise<void>> {
  const [start] = await legacyDb.query('select coalesce(max(id), 0) as id from figway.legacy_changes');
  let cursor = Number(start?.id ?? 0);
  let reading: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function readNew() {
    do {
      again = false;
      const fresh = await legacyDb.query(
        'select id, transaction_id from figway.legacy_changes where id > $1 order by id limit $2',
        [cursor, MOST + 1],
      );
      if (fresh.length === 0) continue;
      const newest = Number(fresh.at(-1)?.id ?? cursor);
      if (fresh.length > MOST) {
        // A bulk change: the appliers tell it as they claim it, in batches.
        const [top] = await legacyDb.query('select coalesce(max(id), 0) as id from figway.legacy_changes');
        cursor = Math.max(newest, Number(top?.id ?? 0));
        continue;
      }
      const transactions = [...new Set(fresh.map((row) => String(row.transaction_id)))];
      const rows = await legacyDb.query(
        'select * from figway.legacy_changes where transaction_id = any($1::xid8[]) order by id',
        [transactions],
      );
      cursor = Math.max(newest, ...rows.map((row) => Number(row.id)));
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
