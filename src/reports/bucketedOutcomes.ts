import type { Queryable } from '../core/database.ts';

/** What {@link bucketedOutcomes} counts: `buckets` equal buckets from `start` to `end` (epoch ms). */
export interface BucketQuery {
  start: number;
  end: number;
  buckets: number;
  /** Only this migration unit. @default every unit */
  unit?: string;
  /**
   * Only observations from this instant to this one (the period asked about), when the
   * buckets reach past it at either end. @default start to end
   */
  period?: { since: Date; until: Date };
}

/** The totals of one unit in one bucket (numbered from 1): each count but `samples` weighted by 1/sample rate. */
export interface BucketTotals {
  unit: string;
  bucket: number;
  samples: number;
  comparisons: number;
  mismatches: number;
  candidateErrors: number;
  timeouts: number;
}

// width_bucket numbers the buckets 1..n and gives n + 1 to an observation exactly at
// `end`; least() puts that one into the last bucket instead of dropping it. Weights are
// 1/sample_rate as in buildShadowReport; `dropped` rows (older stores) are left out.
const BUCKETS = `select unit,
  least(width_bucket(extract(epoch from at)::float8, $1::float8, $2::float8, $3::int), $3::int) as bucket,
  count(*)::int as samples,
  sum(1 / sample_rate::numeric)::float8 as comparisons,
  coalesce(sum(1 / sample_rate::numeric) filter (where outcome = 'mismatched'), 0)::float8 as mismatches,
  coalesce(sum(1 / sample_rate::numeric) filter (where outcome = 'candidate_error'), 0)::float8 as candidate_errors,
  coalesce(sum(1 / sample_rate::numeric) filter (where outcome = 'timeout'), 0)::float8 as timeouts
from observations.observations
where at >= to_timestamp($1::float8) and at <= to_timestamp($2::float8)
  and ($4::text is null or unit = $4::text) and outcome <> 'dropped'
  and ($5::timestamptz is null or at >= $5::timestamptz)
  and ($6::timestamptz is null or at <= $6::timestamptz)
group by 1, 2
order by 1, 2`;

/**
 * Per unit and bucket with observations, the samples that ran and the weighted
 * comparisons, mismatches, candidate errors and timeouts; ordered by unit, then bucket.
 * Buckets without observations are left out.
 */
export async function bucketedOutcomes(db: Queryable, query: BucketQuery): Promise<BucketTotals[]> {
  const rows = await db.query(BUCKETS, [
    query.start / 1000,
    query.end / 1000,
    query.buckets,
    query.unit ?? null,
    query.period?.since.toISOString() ?? null,
    query.period?.until.toISOString() ?? null,
  ]);
  return rows.map((row) => ({
    unit: String(row.unit),
    bucket: Number(row.bucket),
    samples: Number(row.samples),
    comparisons: Number(row.comparisons),
    mismatches: Number(row.mismatches),
    candidateErrors: Number(row.candidate_errors),
    timeouts: Number(row.timeouts),
  }));
}
