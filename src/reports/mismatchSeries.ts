import type { Queryable } from '../core/database.ts';
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

// width_bucket numbers the buckets 1..n and gives n + 1 to an observation exactly at
// `now`; least() puts that one into the last bucket instead of dropping it. Weights are
// 1/sample_rate as in buildShadowReport; `dropped` rows (older stores) are left out.
const SERIES = `select unit,
  least(width_bucket(extract(epoch from at)::float8, $1::float8, $2::float8, $3::int), $3::int) as bucket,
  count(*)::int as samples,
  sum(1 / sample_rate::numeric)::float8 as comparisons,
  coalesce(sum(1 / sample_rate::numeric) filter (where outcome = 'mismatched'), 0)::float8 as mismatches
from observations.observations
where at >= to_timestamp($1::float8) and at <= to_timestamp($2::float8)
  and ($4::text is null or unit = $4::text) and outcome <> 'dropped'
group by 1, 2
order by 1, 2`;

interface SeriesRow {
  unit: string;
  bucket: number;
  samples: number;
  comparisons: number;
  mismatches: number;
  [column: string]: unknown;
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
  const rows = await db.query<SeriesRow>(SERIES, [start / 1000, end / 1000, buckets, options.unit ?? null]);
  const width = (end - start) / buckets;
  const byUnit = new Map<string, MismatchSeries>();
  for (const row of rows) {
    let series = byUnit.get(row.unit);
    if (series === undefined) {
      series = { unit: row.unit, points: emptyPoints(start, width, buckets) };
      byUnit.set(row.unit, series);
    }
    const point = series.points[Number(row.bucket) - 1];
    if (point === undefined) continue;
    // One row per unit and bucket: the bucket's totals, not increments.
    point.samples = Number(row.samples);
    point.comparisons = Number(row.comparisons);
    point.mismatches = Number(row.mismatches);
    point.mismatchRate = point.comparisons > 0 ? point.mismatches / point.comparisons : null;
  }
  return [...byUnit.values()];
}
