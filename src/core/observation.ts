import type { Side, Stage } from './stage.ts';

/**
 * How one shadow comparison ended: the sides agreed; they differed; they differed
 * only where the control disagrees with itself (noise); the candidate threw or
 * timed out. (Stores written before adaptive sampling may also hold `dropped` rows,
 * samples shed at an in-flight cap; reports leave them out. A skipped sample is now
 * a metric, never an observation.)
 */
export type Outcome = 'matched' | 'mismatched' | 'noise' | 'candidate_error' | 'timeout';

/** One path where control and candidate differ, with both values (redacted where configured). */
export interface PathDiff {
  /**
   * Dotted response path, aliases as the client named them, list items of the request
   * as `[*]` and list items inside the unit's value by id: `commitments.edges[*].node.status`,
   * `commitment.parties[id=…].role`.
   */
  path: string;
  /**
   * Which item of the request's lists differs, by the id of the object that holds the unit's
   * field, when it has one; for a `Profile.*` unit (a profile's id is its user's id), the
   * id's keyed hash, as `userHash`.
   */
  id?: string;
  control: unknown;
  candidate: unknown;
}

/**
 * One shadow comparison of one migration unit in one request: every value of the unit
 * in the response (one per list item) judged together. Observations are immutable.
 */
export interface Observation {
  at: string;
  unit: string;
  stage: Stage;
  /** The side whose answer the client got: legacy in `shadow`, target in `live`. */
  control: Side;
  cohort: string | null;
  /** A stable hash of the user id; the raw id is never stored. */
  userHash: string | null;
  operationName: string | null;
  clientName: string | null;
  clientVersion: string | null;
  /** The operation's document, to replay it. */
  query: string | null;
  /** The operation's variables, with configured PII paths redacted or hashed. */
  variables: unknown;
  outcome: Outcome;
  diffs: PathDiff[];
  controlMs: number | null;
  candidateMs: number | null;
  controlError: string | null;
  candidateError: string | null;
  /**
   * The probability this comparison had of being sampled: the unit's configured rate
   * times the sampler's adaptive factor (0 < rate <= 1). Reports weight it by 1/rate.
   */
  sampleRate: number;
  /** Values compared: the unit's occurrences in the response (list items), after duplicates. */
  items: number;
}
