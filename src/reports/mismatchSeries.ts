import type { Queryable } from '../core/database.ts';
import type { MismatchSeries } from './shadowReportTypes.ts';

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
// `now`; least() puts that one into the last bucket instead of dropping it.
const SERIES = `select unit,
  least(width_bucket(extract(epoch from at)::float8, $1::float8, $2::float8, $3::int), $3::int) as bucket,
  count(*) filter (where outcome <> 'dropped')::int as samples,
  count(*) filter (where outcome = 'mismatched')::int as mismatches
from observations.observations
where at >= to_timestamp($1::float8) and at <= to_timestamp($2::float8)
  and ($4::text is null or unit = $4::text)
group by 1, 2
order by 1, 2`;

interface SeriesRow {
  unit: string;
  bucket: number;
  samples: number;
  mismatches: number;
  [column: string]: unknown;
}

/**
 * Samples (dropped ones excluded) and mismatches per unit in `buckets` equal time
 * buckets from `since` to `now`, every bucket present (zeros where nothing was
 * observed); units without observations in that time are left out. Throws a
 * RangeError when `buckets` is not a positive integer or `since` is not before `now`.
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
      series = {
        unit: row.unit,
        points: Array.from({ length: buckets }, (_, index) => ({
          start: new Date(start + index * width).toISOString(),
          samples: 0,
          mismatches: 0,
        })),
      };
      byUnit.set(row.unit, series);
    }
    const point = series.points[Number(row.bucket) - 1];
    if (point === undefined) continue;
    point.samples += Number(row.samples);
    point.mismatches += Number(row.mismatches);
  }
  return [...byUnit.values()];
}
