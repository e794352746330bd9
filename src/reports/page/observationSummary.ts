import type { ObservationRow } from '../shadowReportTypes.js';
import { millis, when } from './formatValues.js';

// One observation may hold a diff per list item at the same path: each path is named once.
function differences(row: ObservationRow): string {
  const paths = [...new Set(row.diffs.map((diff) => diff.path))];
  if (paths.length === 0) return 'no differing path';
  const shown = paths.slice(0, 3).join(', ') + (paths.length > 3 ? ', …' : '');
  return `${row.diffs.length} differing of ${row.items} compared: ${shown}`;
}

// What went wrong, as the outcome says: the candidate's own message for an error.
function outcomeText(row: ObservationRow): string {
  switch (row.outcome) {
    case 'candidate_error':
      return `candidate error: ${row.candidateError ?? '(no message)'}`;
    case 'timeout':
      return `timed out${row.candidateMs === null ? '' : ` after ${millis(row.candidateMs)}`}`;
    default:
      return differences(row);
  }
}

/** One line about an observation for the drill-down's list: id, time, cohort, operation, stage and what differed or failed. */
export function observationSummary(row: ObservationRow): string {
  return [
    `#${row.id}`,
    when(row.at, true),
    row.cohort ?? 'no cohort',
    row.operationName ?? 'anonymous operation',
    row.stage,
    outcomeText(row),
  ].join(' · ');
}
