import type { Queryable } from '../core/database.ts';
import { bucketedOutcomes } from './bucketedOutcomes.ts';
import { fitBuckets } from './fitBuckets.ts';
import { isoOf } from './observationRow.ts';
import type { RatePoint, RateSeries, RateSeriesAnswer } from './shadowReportTypes.ts';

/** What {@link rateSeries} charts. */
export interface RateSeriesOptions {
  /** Observations at or after this instant are charted. */
  since: Date;
  /** Only this migration unit. @default every unit */
  unit?: string;
  /** Observations after this instant are left out. @default new Date() */
  now?: Date;
  /** The most buckets the span is cut into. @default 60 */
  maxBuckets?: number;
}

const RANGE = `select min(at) as first, max(at) as last
from observations.observations
where at >= $1::timestamptz and at <= $2::timestamptz
  and ($3::text is null or unit = $3::text) and outcome <> 'dropped'`;

const rateOf = (count: number, comparisons: number) => (comparisons > 0 ? count / comparisons : null);

function emptyPoints(from: number, widthMs: number, buckets: number): RatePoint[] {
  return Array.from({ length: buckets }, (_, index) => ({
    start: new Date(from + index * widthMs).toISOString(),
    samples: 0,
    comparisons: 0,
    mismatches: 0,
    candidateErrors: 0,
    timeouts: 0,
    mismatchRate: null,
    candidateErrorRate: null,
    timeoutRate: null,
  }));
}

/**
 * Per unit, the mismatch, candidate-error and timeout rates (weighted by 1/sample rate, as
 * the report's are) over the time the observations from `since` to `now` cover, not the
 * whole period: buckets fitted to that span by fitBuckets (seconds for a few minutes of
 * data, hours for days of it). Every bucket is present (zeros and null rates where nothing
 * was observed); units without observations are left out. Throws a RangeError when `since`
 * is after `now`.
 */
export async function rateSeries(db: Queryable, options: RateSeriesOptions): Promise<RateSeriesAnswer> {
  const now = options.now ?? new Date();
  if (options.since.getTime() > now.getTime()) throw new RangeError('since must not be after now');
  const unit = options.unit ?? null;
  const since = options.since.toISOString();
  const [range] = await db.query(RANGE, [since, now.toISOString(), unit]);
  if (range?.first === null || range?.first === undefined || range.last === null)
    return { since, from: null, to: null, bucketMs: 0, series: [] };
  const fitted = fitBuckets(
    Date.parse(isoOf(range.first)),
    Date.parse(isoOf(range.last)),
    options.maxBuckets,
  );
  const rows = await bucketedOutcomes(db, {
    start: fitted.from,
    end: fitted.to,
    buckets: fitted.buckets,
    ...(unit === null ? {} : { unit }),
    // The clock-aligned buckets at the ends reach before `since` and after `now`: count only the period.
    period: { since: options.since, until: now },
  });
  const byUnit = new Map<string, RateSeries>();
  for (const row of rows) {
    let series = byUnit.get(row.unit);
    if (series === undefined) {
      series = { unit: row.unit, points: emptyPoints(fitted.from, fitted.widthMs, fitted.buckets) };
      byUnit.set(row.unit, series);
    }
    const point = series.points[row.bucket - 1];
    if (point === undefined) continue;
    const { samples, comparisons, mismatches, candidateErrors, timeouts } = row;
    Object.assign(point, { samples, comparisons, mismatches, candidateErrors, timeouts });
    point.mismatchRate = rateOf(mismatches, comparisons);
    point.candidateErrorRate = rateOf(candidateErrors, comparisons);
    point.timeoutRate = rateOf(timeouts, comparisons);
  }
  return {
    since,
    from: new Date(fitted.from).toISOString(),
    to: new Date(fitted.to).toISOString(),
    bucketMs: fitted.widthMs,
    series: [...byUnit.values()],
  };
}
