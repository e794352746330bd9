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
