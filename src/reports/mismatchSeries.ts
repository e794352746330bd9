import type { Queryable } from '../core/database.ts';
import { bucketedOutcomes } from './bucketedOutcomes.ts';
import type { MismatchPoint, MismatchSeries } from './shadowReportTypes.ts';

/** What {@link mismatchSeries} charts. */
export interface MismatchSeriesOptions {
  /** Start of the first bucket. */
  since: Date;
  /** Number of equal buckets from `since` to `now`. @default 24 */
  buckets?: number;
  /** Only this migration unit. @default every unit */
  unit?: string;
  /** End of the last bucket. @default new Date() */
  now?: Date;
}

function emptyPoints(start: number, width: number, buckets: number): MismatchPoint[] {
  return Array.from({ length: buckets }, (_, index) => ({
    start: new Date(start + index * width).toISOString(),
    samples: 0,
    comparisons: 0,
    mismatches: 0,
    mismatchRate: null,
  }));
}

/**
 * Per unit, in `buckets` equal time buckets from `since` to `now`: the comparisons that
 * ran (`samples`), the estimated comparisons and mismatches of the traffic (each
 * observation weighted by 1/its sample rate) and the weighted mismatch rate. Every
 * bucket is present (zeros and a null rate where nothing was observed); units without
 * observations in that time are left out. Throws a RangeError when `buckets` is not a
 * positive integer or `since` is not before `now`.
 */
export async function mismatchSeries(
  db: Queryable,
  options: MismatchSeriesOptions,
): Promise<MismatchSeries[]> {
  const buckets = options.buckets ?? 24;
  const start = options.since.getTime();
  const end = (options.now ?? new Date()).getTime();
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError('buckets must be a positive integer');
  if (!(start < end)) throw new RangeError('since must be before now');
  const rows = await bucketedOutcomes(db, {
    start,
    end,
    buckets,
    ...(options.unit === undefined ? {} : { unit: options.unit }),
  });
  const width = (end - start) / buckets;
  const byUnit = new Map<string, MismatchSeries>();
  for (const row of rows) {
    let series = byUnit.get(row.unit);
    if (series === undefined) {
      series = { unit: row.unit, points: emptyPoints(start, width, buckets) };
      byUnit.set(row.unit, series);
    }
    const point = series.points[row.bucket - 1];
    if (point === undefined) continue;
    // One row per unit and bucket: the bucket's totals, not increments.
    point.samples = row.samples;
    point.comparisons = row.comparisons;
    point.mismatches = row.mismatches;
    point.mismatchRate = point.comparisons > 0 ? point.mismatches / point.comparisons : null;
  }
  return [...byUnit.values()];
}
