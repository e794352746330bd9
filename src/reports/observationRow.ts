import type { Row } from '../core/database.ts';
import type { ObservationRow } from './shadowReportTypes.ts';

/**
 * The columns of `observations.observations` that {@link toObservationRow} reads, for a select
 * list. The sample rate is a `real`, read as numeric so 0.1 reads as 0.1, not 0.10000000149.
 */
export const OBSERVATION_COLUMNS = `id, at, unit, stage, control, cohort, operation_name, client_name,
  client_version, query, variables, diffs, outcome, control_ms, candidate_ms, control_error, candidate_error,
  sample_rate::numeric as sample_rate, items`;

/** A timestamp as the drivers return it (a Date from pg and PGlite, text otherwise) in ISO 8601 UTC. */
export function isoOf(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/**
 * Milliseconds from a `real` column or a percentile, rounded to the microsecond: a
 * `real` widened to double shows float4 noise (12.3 reads as 12.300000190734863).
 */
export function millisecondsOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return Math.round(Number(value) * 1000) / 1000;
}

function textOf(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function diffsOf(value: unknown): ObservationRow['diffs'] {
  if (!Array.isArray(value)) return [];
  return value.map((entry: unknown) => {
    const diff = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    return {
      path: String(diff.path ?? ''),
      ...(diff.id === undefined || diff.id === null ? {} : { id: String(diff.id) }),
      control: diff.control ?? null,
      candidate: diff.candidate ?? null,
    };
  });
}

/** One row of `observations.observations`, selected with {@link OBSERVATION_COLUMNS}, as the drill-down shows it. */
export function toObservationRow(row: Row): ObservationRow {
  return {
    id: Number(row.id),
    at: isoOf(row.at),
    unit: String(row.unit),
    stage: String(row.stage),
    control: row.control === 'target' ? 'target' : 'legacy',
    cohort: textOf(row.cohort),
    operationName: textOf(row.operation_name),
    clientName: textOf(row.client_name),
    clientVersion: textOf(row.client_version),
    query: textOf(row.query),
    variables: row.variables ?? null,
    outcome: String(row.outcome),
    diffs: diffsOf(row.diffs),
    controlMs: millisecondsOf(row.control_ms),
    candidateMs: millisecondsOf(row.candidate_ms),
    controlError: textOf(row.control_error),
    candidateError: textOf(row.candidate_error),
    sampleRate: Number(row.sample_rate),
    items: Number(row.items),
  };
}
