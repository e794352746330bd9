/** Whether a unit may be promoted, from its shadow observations against its thresholds. */
export type Verdict = 'ready' | 'hold' | 'rollback';

/** The thresholds a verdict is judged against, per unit. */
export interface VerdictThresholds {
  /** Fewer samples than this is `hold`. @default 100 */
  minSamples: number;
  /** The largest mismatch rate for `ready` (0.001 = 0.1%, field level, for reads). @default 0.001 */
  maxMismatchRate: number;
  /** A candidate error (or timeout) rate above this is `rollback`. @default 0.05 */
  rollbackErrorRate: number;
  /** A mismatch rate this many times the maximum is `rollback`. @default 10 */
  rollbackMismatchFactor: number;
}

/** Latency percentiles in milliseconds; null without samples. */
export interface Latency {
  p50: number | null;
  p99: number | null;
}

/** A differing path, how often it differed, and one example to look at. */
export interface PathCount {
  path: string;
  count: number;
  example: { observationId: number; control: unknown; candidate: unknown };
}

/** The shadow report of one unit for one cohort. */
export interface UnitCohortReport {
  unit: string;
  cohort: string;
  /** Comparisons that ran: matched + mismatched + noise + candidate errors + timeouts. */
  samples: number;
  matched: number;
  mismatched: number;
  noise: number;
  candidateErrors: number;
  timeouts: number;
  /** Samples dropped because too many candidates were in flight (not part of `samples`). */
  dropped: number;
  mismatchRate: number;
  noiseRate: number;
  candidateErrorRate: number;
  timeoutRate: number;
  controlLatency: Latency;
  candidateLatency: Latency;
  /** The most frequent differing paths, most frequent first (at most 5). */
  topPaths: PathCount[];
  verdict: Verdict;
  /** Why, in a sentence. */
  reason: string;
}

/** The whole shadow-diff report. */
export interface ShadowReport {
  generatedAt: string;
  /** Observations at or after this instant are counted. */
  since: string;
  units: UnitCohortReport[];
}

/** Mismatch rate over time for one unit, in equal buckets. */
export interface MismatchSeries {
  unit: string;
  points: Array<{ start: string; samples: number; mismatches: number }>;
}

/** One stored observation, as the drill-down shows it. */
export interface ObservationRow {
  id: number;
  at: string;
  unit: string;
  stage: string;
  control: 'legacy' | 'target';
  cohort: string | null;
  operationName: string | null;
  clientName: string | null;
  clientVersion: string | null;
  query: string | null;
  variables: unknown;
  outcome: string;
  diffs: Array<{ path: string; control: unknown; candidate: unknown }>;
  controlMs: number | null;
  candidateMs: number | null;
  controlError: string | null;
  candidateError: string | null;
}
