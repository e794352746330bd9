import type { Queryable } from '../core/database.ts';
import { judgeVerdict } from './judgeVerdict.ts';
import { millisecondsOf } from './observationRow.ts';
import type { ShadowReport, UnitCohortReport, VerdictThresholds } from './shadowReportTypes.ts';
import { topDifferingPaths, unitCohortKey } from './topDifferingPaths.ts';

/** The thresholds a unit is judged against unless `thresholdsFor` says otherwise. */
export const DEFAULT_THRESHOLDS: VerdictThresholds = {
  minSamples: 100,
  maxMismatchRate: 0.001,
  rollbackErrorRate: 0.05,
  rollbackMismatchFactor: 10,
};

/** What {@link buildShadowReport} reports on. */
export interface ShadowReportOptions {
  /** Observations at or after this instant are counted. */
  since: Date;
  /** Only this migration unit. @default every unit */
  unit?: string;
  /** The thresholds of each unit. @default () => DEFAULT_THRESHOLDS */
  thresholdsFor?: (unit: string) => VerdictThresholds;
  /** The report's `generatedAt`. @default new Date() */
  now?: Date;
}

// Latencies are taken over every row that has one: a dropped sample still timed its control.
const COUNTS = `select unit, coalesce(cohort, '(none)') as cohort,
  count(*) filter (where outcome = 'matched')::int as matched,
  count(*) filter (where outcome = 'mismatched')::int as mismatched,
  count(*) filter (where outcome = 'noise')::int as noise,
  count(*) filter (where outcome = 'candidate_error')::int as candidate_errors,
  count(*) filter (where outcome = 'timeout')::int as timeouts,
  count(*) filter (where outcome = 'dropped')::int as dropped,
  percentile_cont(0.5) within group (order by control_ms) as control_p50,
  percentile_cont(0.99) within group (order by control_ms) as control_p99,
  percentile_cont(0.5) within group (order by candidate_ms) as candidate_p50,
  percentile_cont(0.99) within group (order by candidate_ms) as candidate_p99
from observations.observations
where at >= $1::timestamptz and ($2::text is null or unit = $2::text)
group by unit, coalesce(cohort, '(none)')
order by unit, coalesce(cohort, '(none)')`;

interface CountsRow {
  unit: string;
  cohort: string;
  matched: number;
  mismatched: number;
  noise: number;
  candidate_errors: number;
  timeouts: number;
  dropped: number;
  control_p50: unknown;
  control_p99: unknown;
  candidate_p50: unknown;
  candidate_p99: unknown;
  [column: string]: unknown;
}

const rateOf = (count: number, samples: number) => (samples === 0 ? 0 : count / samples);

function unitCohortReport(
  row: CountsRow,
  topPaths: UnitCohortReport['topPaths'],
  thresholds: VerdictThresholds,
): UnitCohortReport {
  const [matched, mismatched, noise, candidateErrors, timeouts, dropped] = [
    row.matched,
    row.mismatched,
    row.noise,
    row.candidate_errors,
    row.timeouts,
    row.dropped,
  ].map(Number) as [number, number, number, number, number, number];
  const samples = matched + mismatched + noise + candidateErrors + timeouts;
  const rates = {
    mismatchRate: rateOf(mismatched, samples),
    noiseRate: rateOf(noise, samples),
    candidateErrorRate: rateOf(candidateErrors, samples),
    timeoutRate: rateOf(timeouts, samples),
  };
  return {
    unit: row.unit,
    cohort: row.cohort,
    samples,
    matched,
    mismatched,
    noise,
    candidateErrors,
    timeouts,
    dropped,
    ...rates,
    controlLatency: { p50: millisecondsOf(row.control_p50), p99: millisecondsOf(row.control_p99) },
    candidateLatency: { p50: millisecondsOf(row.candidate_p50), p99: millisecondsOf(row.candidate_p99) },
    topPaths,
    ...judgeVerdict({ samples, ...rates }, thresholds),
  };
}

/**
 * The shadow-diff report: for each migration unit and cohort (a null cohort as
 * `(none)`) with observations since `options.since`, the count of each outcome, the
 * rates over the samples (dropped ones excluded), p50/p99 latency of both sides, the
 * five most frequent differing paths with an example each, and a verdict. Units are
 * ordered by name, then cohort.
 */
export async function buildShadowReport(db: Queryable, options: ShadowReportOptions): Promise<ShadowReport> {
  const since = options.since.toISOString();
  const unit = options.unit ?? null;
  const rows = await db.query<CountsRow>(COUNTS, [since, unit]);
  const topPaths = await topDifferingPaths(db, { since: options.since, ...(unit === null ? {} : { unit }) });
  const thresholdsFor = options.thresholdsFor ?? (() => DEFAULT_THRESHOLDS);
  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    since,
    units: rows.map((row) =>
      unitCohortReport(row, topPaths.get(unitCohortKey(row.unit, row.cohort)) ?? [], thresholdsFor(row.unit)),
    ),
  };
}
