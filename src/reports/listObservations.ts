import type { Queryable } from '../core/database.ts';
import type { Outcome } from '../core/observation.ts';
import { failureMessageKeySql } from './failureMessageKey.ts';
import { OBSERVATION_COLUMNS, toObservationRow } from './observationRow.ts';
import type { ObservationRow } from './shadowReportTypes.ts';

/** Which observations {@link listObservations} returns; every filter is optional. */
export interface ObservationFilter {
  unit?: string;
  /** A cohort, or `(none)` for observations without one (as the report names them). */
  cohort?: string;
  outcome?: Outcome;
  /** Only observations at or after this instant. @default every stored one */
  since?: Date;
  /** Only candidate errors and timeouts whose message has this key (candidateFailureGroups' `message`). */
  message?: string;
  /** At most this many. @default 50 */
  limit?: number;
}

// Rows of the outcome `dropped` (stores from before adaptive sampling) are no observations.
const LIST = `select ${OBSERVATION_COLUMNS}
from observations.observations
where outcome <> 'dropped'
  and ($1::text is null or unit = $1::text)
  and ($2::text is null or coalesce(cohort, '(none)') = $2::text)
  and ($3::text is null or outcome = $3::text)
  and ($5::timestamptz is null or at >= $5::timestamptz)
  and ($6::text is null or (outcome in ('candidate_error', 'timeout')
    and ${failureMessageKeySql('candidate_error')} = $6::text))
order by at desc, id desc
limit $4::int`;

const ONE = `select ${OBSERVATION_COLUMNS} from observations.observations
where id = $1::bigint and outcome <> 'dropped'`;

/** Stored observations matching `filter`, newest first (`dropped` rows of older stores left out). */
export async function listObservations(
  db: Queryable,
  filter: ObservationFilter = {},
): Promise<ObservationRow[]> {
  const rows = await db.query(LIST, [
    filter.unit ?? null,
    filter.cohort ?? null,
    filter.outcome ?? null,
    filter.limit ?? 50,
    filter.since?.toISOString() ?? null,
    filter.message ?? null,
  ]);
  return rows.map(toObservationRow);
}

/** The observation with `id`, or null when there is none (or the row is a `dropped` one of an older store). */
export async function getObservation(db: Queryable, id: number): Promise<ObservationRow | null> {
  const [row] = await db.query(ONE, [id]);
  return row === undefined ? null : toObservationRow(row);
}
