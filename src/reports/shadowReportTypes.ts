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

/** A differing path, in how many observations it differed, and one example to look at. */
export interface PathCount {
  path: string;
  /** Observations (comparisons run, not weighted) where this path differed at least once. */
  count: number;
  /** The newest such observation, and the first of its diffs at this path (`id`: the list item's, when it has one). */
  example: { observationId: number; id?: string; control: unknown; candidate: unknown };
}

/**
 * The shadow report of one unit for one cohort. A comparison is one unit in one request,
 * every value of it in the response (each list item) judged together. Each observation
 * stands for 1/sampleRate comparisons of the traffic: outcome counts and rates are such
 * weighted estimates, while `samples` counts the comparisons that ran.
 */
export interface UnitCohortReport {
  unit: string;
  cohort: string;
  /** Comparisons that ran (stored observations): the evidence the verdict counts. */
  samples: number;
  /** Estimated comparisons in the traffic: the sum of 1/sampleRate over the samples. */
  comparisons: number;
  /** `samples / comparisons`: the share of the traffic's comparisons that ran. */
  effectiveSampleRate: number;
  /** Values compared in the samples (list items), not weighted. */
  items: number;
  /** Estimated comparisons that matched (weighted by 1/sampleRate, as are the four below). */
  matched: number;
  mismatched: number;
  noise: number;
  candidateErrors: number;
  timeouts: number;
  /** Weighted mismatches over weighted comparisons, as are the three rates below. */
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

/** One bucket of a {@link MismatchSeries}. */
export interface MismatchPoint {
  start: string;
  /** Comparisons that ran in the bucket. */
  samples: number;
  /** Estimated comparisons in the traffic: the sum of 1/sampleRate. */
  comparisons: number;
  /** Estimated mismatches: the sum of 1/sampleRate over the mismatched samples. */
  mismatches: number;
  /** `mismatches / comparisons`; null without samples. */
  mismatchRate: number | null;
}

/** Mismatch rate over time for one unit, in equal buckets, weighted by 1/sampleRate. */
export interface MismatchSeries {
  unit: string;
  points: MismatchPoint[];
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
  /** Each differing value; `id` is the list item's (the object holding the field), when it has one. */
  diffs: Array<{ path: string; id?: string; control: unknown; candidate: unknown }>;
  controlMs: number | null;
  candidateMs: number | null;
  controlError: string | null;
  candidateError: string | null;
  /** The probability this comparison had of being sampled (0 < rate <= 1). */
  sampleRate: number;
  /** Values compared (the unit's occurrences in the response). */
  items: number;
}

/** How a candidate failed: it threw (or answered an error), or it did not answer in time. */
export type FailureOutcome = 'candidate_error' | 'timeout';

/**
 * Candidate failures of one unit, cohort and outcome whose messages share one key (ids,
 * uuids, numbers and timestamps replaced: see failureMessageKey.ts). Counts are weighted by
 * 1/sample rate as the report's are, so the `rate`s of a unit and cohort's candidate errors
 * add up to its `candidateErrorRate`, and those of its timeouts to its `timeoutRate`.
 */
export interface CandidateFailureGroup {
  unit: string;
  /** The cohort, `(none)` for observations without one, as the report names it. */
  cohort: string;
  outcome: FailureOutcome;
  /** The message key the group shares; `(no message)` when the observations hold none. */
  message: string;
  /** Failed comparisons that ran (stored observations). */
  samples: number;
  /** Estimated failed comparisons in the traffic: the sum of 1/sampleRate. */
  comparisons: number;
  /** `comparisons` over the unit and cohort's estimated comparisons in the period. */
  rate: number;
  firstAt: string;
  lastAt: string;
  /** The newest observation of the group, and its message as it was recorded. */
  example: { observationId: number; message: string | null };
}

/** The candidate failures since `since`: most frequent first within each unit and cohort. */
export interface CandidateFailures {
  since: string;
  groups: CandidateFailureGroup[];
  /** True when there were more groups than the limit: narrow the period or choose a unit. */
  truncated: boolean;
}

/** One bucket of a {@link RateSeries}: every count weighted by 1/sampleRate but `samples`. */
export interface RatePoint {
  start: string;
  samples: number;
  comparisons: number;
  mismatches: number;
  candidateErrors: number;
  timeouts: number;
  /** Each count over `comparisons`; null without samples. */
  mismatchRate: number | null;
  candidateErrorRate: number | null;
  timeoutRate: number | null;
}

/** The mismatch, candidate-error and timeout rates of one unit over time. */
export interface RateSeries {
  unit: string;
  points: RatePoint[];
}

/**
 * Rates over the time the observations of a period cover: buckets of `bucketMs` from `from`
 * (the first observation's bucket) to `to` (the end of the last one's); `from` and `to` are
 * null, and `series` empty, when the period holds no observation.
 */
export interface RateSeriesAnswer {
  since: string;
  from: string | null;
  to: string | null;
  bucketMs: number;
  series: RateSeries[];
}
