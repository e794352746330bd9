import type { QueuedRow } from './changeQueue.ts';
import { isRetryable } from './classifyFailure.ts';
import type { ChangeOutcome } from './syncTypes.ts';

/** What becomes of each claimed change once its applier answered. */
export interface SortedOutcomes {
  /** Applied, skipped or recorded as a conflict: they leave the queue. */
  done: Array<{ row: QueuedRow; result: 'applied' | 'skipped' | 'conflict' }>;
  /** The first failed change of each entity, to be retried (poison: refused, not unreachable). */
  failures: Array<{ row: QueuedRow; error: unknown; poison: boolean }>;
  /** The later changes of a failed entity: given back untouched, to wait behind it. */
  released: QueuedRow[];
  failedEntities: Set<string>;
  /** True when there were failures and every one was a side that could not be reached (or a race). */
  unavailable: boolean;
}

/** Sorts the claimed rows (in id order) by their outcomes; a row without one has failed. */
export function sortOutcomes(rows: readonly QueuedRow[], outcomes: readonly ChangeOutcome[]): SortedOutcomes {
  const byId = new Map(outcomes.map((outcome) => [outcome.id, outcome]));
  const sorted: SortedOutcomes = {
    done: [],
    failures: [],
    released: [],
    failedEntities: new Set(),
    unavailable: true,
  };
  for (const row of rows) {
    const outcome = byId.get(row.id) ?? {
      id: row.id,
      result: 'failed',
      error: new Error('the applier gave no outcome'),
    };
    if (outcome.result !== 'failed') sorted.done.push({ row, result: outcome.result });
    else if (sorted.failedEntities.has(row.entityId)) sorted.released.push(row);
    else {
      sorted.failedEntities.add(row.entityId);
      const poison = !isRetryable(outcome.error);
      if (poison) sorted.unavailable = false;
      sorted.failures.push({ row, error: outcome.error, poison });
    }
  }
  sorted.unavailable = sorted.failures.length > 0 && sorted.unavailable;
  return sorted;
}
