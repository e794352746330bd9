import type { ChangePublisher } from '../../core/changeEvents.ts';
import type { Database } from '../../core/database.ts';
import type { RateLimitedLog } from '../../reports/rateLimitedLog.ts';
import { legacyCommitmentChanges } from './legacyChangeEvents.ts';
import { toCapturedChange } from './queueRows.ts';

/** Changes read per statement; a longer backlog is read in several. */
const PAGE = 1000;

/**
 * The fast path of legacy's change feed: on each NOTIFY of the capture triggers, reads
 * the changes captured since the last read (by id) and publishes them at once, without
 * waiting for an applier to claim them, which may be busy writing the previous batch to
 * the ledger. Best effort: a change that is applied and deleted before it is read, or
 * whose transaction commits after a later id was read, is published by the applier when
 * it claims it (its event id is the same, so subscribers get it once). Returns the stop.
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
      const rows = await legacyDb.query(
        'select * from figway.legacy_changes where id > $1 order by id limit $2',
        [cursor, PAGE],
      );
      if (rows.length === 0) continue;
      const changes = rows.map(toCapturedChange);
      cursor = Math.max(cursor, ...changes.map((change) => change.id));
      const events = legacyCommitmentChanges(changes);
      if (events.length > 0) publisher.publish(events);
      if (rows.length === PAGE) again = true;
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
