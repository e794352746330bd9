import type { Database } from '../../core/database.ts';
import type { Logger } from '../../core/logger.ts';
import type { RateLimitedLog } from '../../reports/rateLimitedLog.ts';
import { pruneAppliedChanges } from './pruneAppliedChanges.ts';

// A record of an applied change only matters while the change can be delivered again
// (a crash between applying it and leaving its queue: redelivered within a lease);
// the records of changes still queued are kept however old. A week leaves room to
// look into what happened, and keeps the tables from growing without end.
const APPLIED_RECORD_DAYS = 7;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Prunes the records of applied changes now and every hour, one pruning at a time; a
 * failure is logged and tried again at the next tick. The returned function stops it,
 * waiting for a pruning in progress (aborted between batches).
 */
export function schedulePruning(
  dbs: { legacyDb: Database; ledgerDb: Database; oltpDb: Database },
  logger: Logger,
  log: RateLimitedLog,
): () => Promise<void> {
  const abort = new AbortController();
  let pruning: Promise<void> | null = null;
  const prune = () => {
    if (pruning !== null) return;
    pruning = pruneAppliedChanges(dbs, APPLIED_RECORD_DAYS, { signal: abort.signal })
      .then(
        (removed) => {
          if (removed > 0) logger.info({ removed }, 'pruned the records of changes applied over a week ago');
        },
        (error: unknown) => {
          log.log('sync/prune', 'warn', { err: error }, 'could not prune the records of applied changes');
        },
      )
      .finally(() => {
        pruning = null;
      });
  };
  prune();
  const timer = setInterval(prune, PRUNE_EVERY_MS).unref();
  return async () => {
    clearInterval(timer);
    abort.abort();
    await pruning;
  };
}
