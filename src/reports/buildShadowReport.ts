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

// Each row stands for 1/sample_rate comparisons. The rate is a `real`: as numeric it keeps
// its six significant digits, so a rate of 0.1 weighs 10, not 9.99999985. Rows of the
// `dropped` outcome (stores from before adaptive sampling) are left out entirely.
const COUNTS = `with sampled as (
  select unit, coalesce(cohort, '(none)') as cohort, outcome, items, control_ms, candidate_ms,
    1 / sample_rate::numeric as weight
  from observations.observations
  where at >= $1::timestamptz and ($2::text is null or unit = $2::text) and outcome <> 'dropped'
)
select unit, cohort,
  count(*)::int as samples,
  sum(weight)::float8 as comparisons,
  sum(items)::float8 as items,
  coalesce(sum(weight) filter (where outcome = 'matched'), 0)::float8 as matched,
  coalesce(sum(weight) filter (where outcome = 'mismatched'), 0)::float8 as mismatched,
  coalesce(sum(weight) filter (where outcome = 'noise'), 0)::float8 as noise,
  coalesce(sum(weight) filter (where outcome = 'candidate_error'), 0)::float8 as candidate_errors,
  coalesce(sum(weight) filter (where outcome = 'timeout'), 0)::float8 as timeouts,
  percentile_cont(0.5) within group (order by control_ms) as control_p50,
  percentile_cont(0.99) within group (order by control_ms) as control_p99,
  percentile_cont(0.5) within group (order by candidate_ms) as candidate_p50,
  percentile_cont(0.99) within group (order by candidate_ms) as candidate_p99
from sampled
group by unit, cohort
order by unit, cohort`;

interface CountsRow {
  unit: string;
  cohort: string;
  samples: number;
  comparisons: number;
  items: number;
  matched: number;
  mismatched: number;
  noise: number;
  candidate_errors: number;
  timeouts: number;
  control_p50: unknown;
  control_p99: unknown;
  candidate_p50: unknown;
  candidate_p99: unknown;
  [column: string]: unknown;
}

const rateOf = (count: number, total: number) => (total === 0 ? 0 : count / total);

function unitCohortReport(
  row: CountsRow,
  topPaths: UnitCohortReport['topPaths'],
  thresholds: VerdictThresholds,
): UnitCohortReport {
  const [samples, comparisons, items, matched, mismatched, noise, candidateErrors, timeouts] = [
    row.samples,
    row.comparisons,
    row.items,
    row.matched,
    row.mismatched,
    row.noise,
    row.candidate_errors,
    row.timeouts,
  ].map(Number) as [number, number, number, number, number, number, number, number];
  const rates = {
    mismatchRate: rateOf(mismatched, comparisons),
    noiseRate: rateOf(noise, comparisons),
    candidateErrorRate: rateOf(candidateErrors, comparisons),
    timeoutRate: rateOf(timeouts, comparisons),
  };
  return {
    unit: row.unit,
    cohort: row.cohort,
    samples,
    comparisons,
    effectiveSampleRate: rateOf(samples, comparisons),
    items,
    matched,
    mismatched,
    noise,
    candidateErrors,
    timeouts,
    ...rates,
    controlLatency: { p50: millisecondsOf(row.control_p50), p99: millisecondsOf(row.control_p99) },
    candidateLatency: { p50: millisecondsOf(row.candidate_p50), p99: millisecondsOf(row.candidate_p99) },
    topPaths,
    ...judgeVerdict({ samples, ...rates }, thresholds),
  };
}

/**
 * The shadow-diff report: for each migration unit and cohort (a null cohort as
 * `(none)`) with observations since `options.since`, the comparisons that ran
 * (`samples`), each outcome and its rate estimated for the traffic (every observation
 * weighted by 1/its sample rate), the effective sample rate, p50/p99 latency of both
 * sides over the samples, the five most frequent differing paths with an example each,
 * and a verdict (its sample minimums count the samples). Rows of the outcome `dropped`,
 * which stores from before adaptive sampling may hold, are left out. Units are ordered
 * by name, then cohort.
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
