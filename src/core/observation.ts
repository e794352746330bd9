import type { Side, Stage } from './stage.ts';

/**
 * How one shadow comparison ended: the sides agreed; they differed; they differed
 * only where the control disagrees with itself (noise); the candidate threw or
 * timed out; or the sample was dropped because too many candidates were in flight.
 */
export type Outcome = 'matched' | 'mismatched' | 'noise' | 'candidate_error' | 'timeout' | 'dropped';

/** One path where control and candidate differ, with both values (redacted where configured). */
export interface PathDiff {
  /** Dotted response path, aliases as the client named them: `commitment.parties.[id=…].role`. */
  path: string;
  control: unknown;
  candidate: unknown;
}

/** One shadow comparison of one migration unit in one request. Observations are immutable. */
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
}
