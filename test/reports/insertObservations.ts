import type { Queryable } from '../../src/core/database.ts';
import type { Observation } from '../../src/core/observation.ts';

/** A matched `shadow` observation of `Commitment.status` for cohort beta at `at`, with `overrides`. */
export function observation(at: Date, overrides: Partial<Observation> = {}): Observation {
  return {
    at: at.toISOString(),
    unit: 'Commitment.status',
    stage: 'shadow',
    control: 'legacy',
    cohort: 'beta',
    userHash: 'u-hash',
    operationName: 'CommitmentStatus',
    clientName: 'web',
    clientVersion: '1.0.0',
    query: 'query CommitmentStatus($id: ID!) { commitment(id: $id) { status } }',
    variables: { id: 'c-1' },
    outcome: 'matched',
    diffs: [],
    controlMs: 10,
    candidateMs: 12,
    controlError: null,
    candidateError: null,
    ...overrides,
  };
}

// One statement for any number of rows: a few hundred single inserts take seconds on PGlite.
const INSERT = `insert into observations.observations (at, unit, stage, control, cohort, user_hash,
  operation_name, client_name, client_version, query, variables, outcome, diffs, control_ms,
  candidate_ms, control_error, candidate_error)
select at, unit, stage, control, cohort, user_hash, operation_name, client_name, client_version,
  query, variables, outcome, coalesce(diffs, '[]'::jsonb), control_ms, candidate_ms, control_error,
  candidate_error
from jsonb_array_elements($1::jsonb) with ordinality as e(value, position)
cross join lateral jsonb_to_record(e.value) as r(at timestamptz, unit text, stage text,
  control text, cohort text, user_hash text, operation_name text, client_name text,
  client_version text, query text, variables jsonb, outcome text, diffs jsonb, control_ms real,
  candidate_ms real, control_error text, candidate_error text)
order by e.position
returning id`;

/** Inserts `observations` as rows of `observations.observations`, in order; returns their ids. */
export async function insertObservations(db: Queryable, observations: Observation[]): Promise<number[]> {
  const records = observations.map((entry) => ({
    at: entry.at,
    unit: entry.unit,
    stage: entry.stage,
    control: entry.control,
    cohort: entry.cohort,
    user_hash: entry.userHash,
    operation_name: entry.operationName,
    client_name: entry.clientName,
    client_version: entry.clientVersion,
    query: entry.query,
    variables: entry.variables,
    outcome: entry.outcome,
    diffs: entry.diffs,
    control_ms: entry.controlMs,
    candidate_ms: entry.candidateMs,
    control_error: entry.controlError,
    candidate_error: entry.candidateError,
  }));
  const rows = await db.query<{ id: unknown }>(INSERT, [JSON.stringify(records)]);
  return rows.map((row) => Number(row.id));
}

/** `count` observations made by `make(index)`. */
export function times(count: number, make: (index: number) => Observation): Observation[] {
  return Array.from({ length: count }, (_, index) => make(index));
}
