import type { Queryable } from '../../src/core/database.ts';
import type { Observation, Outcome } from '../../src/core/observation.ts';

/**
 * A row as a store may hold it: an observation, or a `dropped` sample that stores written
 * before adaptive sampling still hold (reports leave those out).
 */
export type StoredObservation = Omit<Observation, 'outcome'> & { outcome: Outcome | 'dropped' };

/**
 * A matched `shadow` observation of `Commitment.status` for cohort beta at `at`, sampled
 * at rate 1 and comparing one value, with `overrides`.
 */
export function observation(at: Date, overrides: Partial<StoredObservation> = {}): StoredObservation {
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
    sampleRate: 1,
    items: 1,
    ...overrides,
  };
}

// One statement for any number of rows: a few hundred single inserts take seconds on PGlite.
const INSERT = `insert into observations.observations (at, unit, stage, control, cohort, user_hash,
  operation_name, client_name, client_version, query, variables, outcome, diffs, control_ms,
  candidate_ms, control_error, candidate_error, sample_rate, items)
select at, unit, stage, control, cohort, user_hash, operation_name, client_name, client_version,
  query, variables, outcome, coalesce(diffs, '[]'::jsonb), control_ms, candidate_ms, control_error,
  candidate_error, sample_rate, items
from jsonb_array_elements($1::jsonb) with ordinality as e(value, position)
cross join lateral jsonb_to_record(e.value) as r(at timestamptz, unit text, stage text,
  control text, cohort text, user_hash text, operation_name text, client_name text,
  client_version text, query text, variables jsonb, outcome text, diffs jsonb, control_ms real,
  candidate_ms real, control_error text, candidate_error text, sample_rate real, items integer)
order by e.position
returning id`;

/** Inserts `observations` as rows of `observations.observations`, in order; returns their ids. */
export async function insertObservations(
  db: Queryable,
  observations: readonly StoredObservation[],
): Promise<number[]> {
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
    sample_rate: entry.sampleRate,
    items: entry.items,
  }));
  const rows = await db.query<{ id: unknown }>(INSERT, [JSON.stringify(records)]);
  return rows.map((row) => Number(row.id));
}

/** `count` observations made by `make(index)`. */
export function times(count: number, make: (index: number) => StoredObservation): StoredObservation[] {
  return Array.from({ length: count }, (_, index) => make(index));
}
