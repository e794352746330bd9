import type { ShadowSettings } from '../core/catalogue.ts';
import type { Outcome, PathDiff } from '../core/observation.ts';
import { compareValues } from './compareValues.ts';
import type { NoiseMemory } from './noiseMemory.ts';
import { projectSelection, type SelectionInfo } from './projectSelection.ts';
import type { ShadowStep } from './reportInternalError.ts';

/** How one side's read ended. */
export type Settled =
  | { kind: 'value'; value: unknown; ms: number }
  | { kind: 'error'; error: string; ms: number }
  | { kind: 'timeout'; ms: number };

/** What judging an experiment found. */
export interface Judgement {
  outcome: Outcome;
  diffs: PathDiff[];
  /** The latest candidate read that was compared (after a recheck, the rechecked one). */
  candidate: Settled;
  /** When the comparator itself failed, why (counted as a mismatch). */
  comparatorError: string | null;
}

/** What judging needs: both reads, the unit's rules, and ways to read again. */
export interface ExperimentInput {
  unit: string;
  root: string;
  info: SelectionInfo;
  settings: ShadowSettings;
  control: Settled;
  candidate: Settled;
  noise: NoiseMemory;
  /** A second control read with fresh loaders, when this sample checks for noise. */
  rereadControl: (() => Promise<Settled>) | null;
  /** A fresh candidate read after the recheck delay, when the unit rechecks mismatches. */
  recheckCandidate: (() => Promise<Settled>) | null;
  /** Hears every failure inside judging (projecting, comparing, re-reading), with its step. */
  raised: (step: ShadowStep, error: unknown) => void;
}

// A failure tagged with the step it happened in, so the one catch can report it by name.
class StepFailure extends Error {
  readonly step: ShadowStep;
  override readonly cause: unknown;
  constructor(step: ShadowStep, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.step = step;
    this.cause = cause;
  }
}

function asStepFailure(error: unknown, step: ShadowStep): StepFailure {
  return error instanceof StepFailure ? error : new StepFailure(step, error);
}

function inStep<T>(step: ShadowStep, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw asStepFailure(error, step);
  }
}

function diff(input: ExperimentInput, control: Settled, candidate: Settled): PathDiff[] {
  if (control.kind !== 'value' || candidate.kind !== 'value') return [];
  const rules = {
    ignore: input.settings.ignore,
    tolerance: input.settings.tolerance,
    orderedLists: input.settings.orderedLists,
  };
  const projectedControl = inStep('project', () => projectSelection(control.value, input.info));
  const projectedCandidate = inStep('project', () => projectSelection(candidate.value, input.info));
  return inStep('compare', () => compareValues(input.root, projectedControl, projectedCandidate, rules));
}

/** What a diff holds instead of a candidate's answer that could not be projected. */
export const PROJECTION_FAILED = '(projection failed)';

// A control that failed is compared on whether the candidate failed too: the client got
// the error. The candidate's answer is projected like any other: the raw record holds
// fields the client never selected (terms, descriptions, raw user ids).
function controlFailed(input: ExperimentInput): Judgement | null {
  if (input.control.kind === 'value') return null;
  if (input.candidate.kind !== 'value')
    return { outcome: 'matched', diffs: [], candidate: input.candidate, comparatorError: null };
  const controlError = input.control.kind === 'error' ? input.control.error : 'timeout';
  let candidate: unknown = PROJECTION_FAILED;
  let comparatorError: string | null = null;
  try {
    candidate = projectSelection(input.candidate.value, input.info);
  } catch (error) {
    const failure = asStepFailure(error, 'project');
    input.raised(failure.step, failure.cause);
    comparatorError = failure.message;
  }
  return {
    outcome: 'mismatched',
    diffs: [{ path: input.root, control: `error: ${controlError}`, candidate }],
    candidate: input.candidate,
    comparatorError,
  };
}

// Scientist's rule: a comparator that throws is reported, and counts as a mismatch.
function comparatorFailed(input: ExperimentInput, error: unknown): Judgement {
  const failure = asStepFailure(error, 'compare');
  input.raised(failure.step, failure.cause);
  return {
    outcome: 'mismatched',
    diffs: [{ path: input.root, control: '(comparator failed)', candidate: failure.message }],
    candidate: input.candidate,
    comparatorError: failure.message,
  };
}

// Noise is learned on the side: a failure here is reported and leaves the outcome alone.
async function learnNoise(input: ExperimentInput): Promise<void> {
  if (input.rereadControl === null) return;
  try {
    const again = await input.rereadControl();
    input.noise.learn(input.unit, diff(input, input.control, again));
  } catch (error) {
    const failure = asStepFailure(error, 'reread');
    input.raised(failure.step, failure.cause);
  }
}

/**
 * Judges one experiment, after the client has its answer: compares what the client
 * selected, re-checks a mismatch once after the unit's delay, learns noise from a
 * second control read when this sample asks for it, and classifies the outcome.
 * Never throws: every failure inside is reported to `raised` with its step, and a
 * comparator that throws is a mismatch with its error recorded.
 */
export async function judgeExperiment(input: ExperimentInput): Promise<Judgement> {
  const failed = controlFailed(input);
  if (failed !== null) return failed;
  if (input.candidate.kind === 'timeout')
    return { outcome: 'timeout', diffs: [], candidate: input.candidate, comparatorError: null };
  if (input.candidate.kind === 'error')
    return { outcome: 'candidate_error', diffs: [], candidate: input.candidate, comparatorError: null };
  let candidate: Settled = input.candidate;
  let diffs: PathDiff[];
  try {
    diffs = diff(input, input.control, candidate);
    if (diffs.length > 0 && input.recheckCandidate !== null) {
      candidate = await input.recheckCandidate().catch((error: unknown) => {
        throw asStepFailure(error, 'recheck');
      });
      if (candidate.kind !== 'value') return judgeExperiment({ ...input, candidate, recheckCandidate: null });
      diffs = diff(input, input.control, candidate);
    }
  } catch (error) {
    return comparatorFailed(input, error);
  }
  await learnNoise(input);
  const outcome: Outcome =
    diffs.length === 0 ? 'matched' : input.noise.allNoise(input.unit, diffs) ? 'noise' : 'mismatched';
  return { outcome, diffs, candidate, comparatorError: null };
}
