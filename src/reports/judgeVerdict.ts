import { formatPercent } from './formatPercent.ts';
import type { Verdict, VerdictThresholds } from './shadowReportTypes.ts';

/**
 * Below this many samples no verdict is `rollback`: two errors out of ten say little,
 * and an alert that fires on the first requests of a new cohort trains people to ignore it.
 */
export const ROLLBACK_MIN_SAMPLES = 20;

/** The rates of one unit and cohort that a verdict is judged on. */
export interface VerdictInput {
  /** Comparisons that ran (stored observations, not weighted): the sample minimums count these. */
  samples: number;
  /** The rates are estimates for the traffic: each sample weighted by 1/its sample rate. */
  mismatchRate: number;
  candidateErrorRate: number;
  timeoutRate: number;
}

/** A verdict and the sentence that explains it, with the numbers it was judged on. */
export interface VerdictJudgement {
  verdict: Verdict;
  reason: string;
}

/**
 * Judges one unit and cohort against `thresholds`:
 * - `rollback` when there are at least {@link ROLLBACK_MIN_SAMPLES} samples and candidate
 *   errors plus timeouts exceed `rollbackErrorRate`, or the mismatch rate exceeds
 *   `maxMismatchRate * rollbackMismatchFactor`;
 * - `ready` when there are at least `minSamples` samples, the mismatch rate is at most
 *   `maxMismatchRate` and errors plus timeouts are at most `rollbackErrorRate`;
 * - `hold` otherwise. Pure; never throws.
 */
export function judgeVerdict(input: VerdictInput, thresholds: VerdictThresholds): VerdictJudgement {
  const { samples, mismatchRate } = input;
  const errorRate = input.candidateErrorRate + input.timeoutRate;
  const rollbackMismatchRate = thresholds.maxMismatchRate * thresholds.rollbackMismatchFactor;
  const over = `over ${samples} sample${samples === 1 ? '' : 's'}`;
  const errors = `Candidate errors and timeouts are ${formatPercent(errorRate)} ${over}`;
  const mismatches = `The mismatch rate is ${formatPercent(mismatchRate)} ${over}`;
  if (samples >= ROLLBACK_MIN_SAMPLES) {
    if (errorRate > thresholds.rollbackErrorRate)
      return {
        verdict: 'rollback',
        reason: `${errors}, above the rollback bound of ${formatPercent(thresholds.rollbackErrorRate)}.`,
      };
    if (mismatchRate > rollbackMismatchRate)
      return {
        verdict: 'rollback',
        reason:
          `${mismatches}, above the rollback bound of ${formatPercent(rollbackMismatchRate)} ` +
          `(${thresholds.rollbackMismatchFactor} times the ${formatPercent(thresholds.maxMismatchRate)} maximum).`,
      };
  }
  if (samples < thresholds.minSamples)
    return {
      verdict: 'hold',
      reason:
        `Only ${samples} of the ${thresholds.minSamples} samples needed; so far the mismatch rate is ` +
        `${formatPercent(mismatchRate)} and errors plus timeouts are ${formatPercent(errorRate)}.`,
    };
  if (mismatchRate > thresholds.maxMismatchRate)
    return {
      verdict: 'hold',
      reason: `${mismatches}, above the ${formatPercent(thresholds.maxMismatchRate)} maximum for ready.`,
    };
  if (errorRate > thresholds.rollbackErrorRate)
    return {
      verdict: 'hold',
      reason: `${errors}, above the ${formatPercent(thresholds.rollbackErrorRate)} bound, but too few samples to roll back.`,
    };
  return {
    verdict: 'ready',
    reason:
      `${mismatches} (at most ${formatPercent(thresholds.maxMismatchRate)}) and candidate errors ` +
      `and timeouts are ${formatPercent(errorRate)} (at most ${formatPercent(thresholds.rollbackErrorRate)}).`,
  };
}
