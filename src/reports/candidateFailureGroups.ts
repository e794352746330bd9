import type { Queryable } from '../core/database.ts';
import { failureMessageKeySql } from './failureMessageKey.ts';
import { isoOf } from './observationRow.ts';
import type { CandidateFailureGroup, CandidateFailures, FailureOutcome } from './shadowReportTypes.ts';

/** Which failures {@link candidateFailureGroups} groups. */
export interface CandidateFailureQuery {
  /** Observations at or after this instant are counted. */
  since: Date;
  /** Only this migration unit. @default every unit */
  unit?: string;
  /** At most this many groups, the most frequent of each unit and cohort first. @default 100 */
  limit?: number;
}

// Weights and the left-out `dropped` rows as in buildShadowReport, so a group's rate is its
// share of the same comparisons the report's rates divide by.
const GROUPS = `with period as (
  select id, at, unit, coalesce(cohort, '(none)') as cohort, outcome, candidate_error,
    1 / sample_rate::numeric as weight
  from observations.observations
  where at >= $1::timestamptz and ($2::text is null or unit = $2::text) and outcome <> 'dropped'
),
totals as (
  select unit, cohort, sum(weight) as comparisons from period group by unit, cohort
),
grouped as (
  select unit, cohort, outcome, ${failureMessageKeySql('candidate_error')} as message,
    count(*)::int as samples, sum(weight) as comparisons, min(at) as first_at, max(at) as last_at,
    (array_agg(id order by at desc, id desc))[1] as example_id
  from period
  where outcome in ('candidate_error', 'timeout')
  group by 1, 2, 3, 4
)
select g.unit, g.cohort, g.outcome, g.message, g.samples, g.comparisons::float8 as comparisons,
  (g.comparisons / t.comparisons)::float8 as rate, g.first_at, g.last_at, g.example_id,
  (select o.candidate_error from observations.observations o where o.id = g.example_id) as example_message
from grouped g
join totals t on t.unit = g.unit and t.cohort = g.cohort
order by g.unit, g.cohort, g.comparisons desc, g.outcome, g.message
limit $3::int`;

interface GroupRow {
  unit: string;
  cohort: string;
  outcome: string;
  message: string;
  samples: number;
  comparisons: number;
  rate: number;
  first_at: unknown;
  last_at: unknown;
  example_id: unknown;
  example_message: string | null;
  [column: string]: unknown;
}

const outcomeOf = (text: string): FailureOutcome => (text === 'timeout' ? 'timeout' : 'candidate_error');

function groupOf(row: GroupRow): CandidateFailureGroup {
  return {
    unit: row.unit,
    cohort: row.cohort,
    outcome: outcomeOf(row.outcome),
    message: row.message,
    samples: Number(row.samples),
    comparisons: Number(row.comparisons),
    rate: Number(row.rate),
    firstAt: isoOf(row.first_at),
    lastAt: isoOf(row.last_at),
    example: {
      observationId: Number(row.example_id),
      message: row.example_message === null || row.example_message === undefined ? null : row.example_message,
    },
  };
}

/**
 * The candidate errors and timeouts since `query.since`, grouped per unit, cohort (null as
 * `(none)`), outcome and message key (failureMessageKey.ts: the same error about different
 * ids is one group), each with the samples that ran, the estimated comparisons of the
 * traffic (weighted by 1/sample rate as the report is), its share of the unit and cohort's
 * comparisons, when it was first and last seen, and its newest observation. Ordered by
 * unit, cohort, then most frequent first, at most `query.limit` of them (`truncated`
 * says some were left out). `dropped` rows of older stores are left out.
 */
export async function candidateFailureGroups(
  db: Queryable,
  query: CandidateFailureQuery,
): Promise<CandidateFailures> {
  const since = query.since.toISOString();
  const limit = query.limit ?? 100;
  // One more than the limit, to tell whether groups were left out.
  const rows = await db.query<GroupRow>(GROUPS, [since, query.unit ?? null, limit + 1]);
  return { since, groups: rows.slice(0, limit).map(groupOf), truncated: rows.length > limit };
}
