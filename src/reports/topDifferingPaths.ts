import type { Queryable } from '../core/database.ts';
import type { PathCount } from './shadowReportTypes.ts';

/** What {@link topDifferingPaths} counts: mismatched observations at or after `since`, of one unit or all. */
export interface TopPathsQuery {
  since: Date;
  unit?: string;
  /** Paths kept per unit and cohort. @default 5 */
  limit?: number;
}

/** The key {@link topDifferingPaths} files a unit and cohort under. */
export function unitCohortKey(unit: string, cohort: string): string {
  return `${unit}\u0000${cohort}`;
}

// Counts each path once per observation (one may hold a diff per list item at the same
// path), keeps the newest observation as the example, and reads that example's first diff
// at the path back from its own row, so no query holds all the diffs.
const TOP_PATHS = `with diffs as (
  select o.id, o.unit, coalesce(o.cohort, '(none)') as cohort, d.value ->> 'path' as path
  from observations.observations o
  cross join lateral jsonb_array_elements(
    case when jsonb_typeof(o.diffs) = 'array' then o.diffs else '[]'::jsonb end
  ) as d(value)
  where o.outcome = 'mismatched' and o.at >= $1::timestamptz and ($2::text is null or o.unit = $2::text)
),
counted as (
  select unit, cohort, path, count(distinct id)::int as count, max(id) as example_id,
    row_number() over (partition by unit, cohort order by count(distinct id) desc, path) as rank
  from diffs
  where path is not null
  group by unit, cohort, path
)
select c.unit, c.cohort, c.path, c.count, c.example_id, example.diff_id, example.control,
  example.candidate
from counted c
cross join lateral (
  select d.value ->> 'id' as diff_id, d.value -> 'control' as control, d.value -> 'candidate' as candidate
  from observations.observations o
  cross join lateral jsonb_array_elements(o.diffs) with ordinality as d(value, position)
  where o.id = c.example_id and d.value ->> 'path' = c.path
  order by d.position
  limit 1
) example
where c.rank <= $3::int
order by c.unit, c.cohort, c.rank`;

interface TopPathRow {
  unit: string;
  cohort: string;
  path: string;
  count: number;
  example_id: unknown;
  diff_id: string | null;
  control: unknown;
  candidate: unknown;
  [column: string]: unknown;
}

/**
 * The most frequent differing paths of mismatched observations per unit and cohort
 * (null cohort as `(none)`), most frequent first, each counted once per observation
 * (not weighted) and with its newest example; keyed by {@link unitCohortKey}.
 */
export async function topDifferingPaths(
  db: Queryable,
  query: TopPathsQuery,
): Promise<Map<string, PathCount[]>> {
  const rows = await db.query<TopPathRow>(TOP_PATHS, [
    query.since.toISOString(),
    query.unit ?? null,
    query.limit ?? 5,
  ]);
  const byUnitCohort = new Map<string, PathCount[]>();
  for (const row of rows) {
    const key = unitCohortKey(row.unit, row.cohort);
    const paths = byUnitCohort.get(key) ?? [];
    paths.push({
      path: row.path,
      count: Number(row.count),
      example: {
        observationId: Number(row.example_id),
        ...(row.diff_id === null || row.diff_id === undefined ? {} : { id: String(row.diff_id) }),
        control: row.control ?? null,
        candidate: row.candidate ?? null,
      },
    });
    byUnitCohort.set(key, paths);
  }
  return byUnitCohort;
}
