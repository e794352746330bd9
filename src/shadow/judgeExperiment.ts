import type { ShadowSettings } from '../routing/flagFiles.ts';
import { compareValues } from './compareValues.ts';
import type { NoiseMemory } from './noiseMemory.ts';
import type { Outcome, PathDiff } from './observation.ts';
import { projectSelection, type SelectionInfo } from './projectSelection.ts';

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
}

function diff(input: ExperimentInput, control: Settled, candidate: Settled): PathDiff[] {
  if (control.kind !== 'value' || candidate.kind !== 'value') return [];
  const rules = {
    ignore: input.settings.ignore,
    tolerance: input.settings.tolerance,
    orderedLists: input.settings.orderedLists,
  };
  return compareValues(
    input.root,
    projectSelection(control.value, input.info),
    projectSelection(candidate.value, input.info),
    rules,
  );
}

// A control that failed is compared on whether the candidate failed too: the client got the error.
function controlFailed(input: ExperimentInput): Judgement | null {
  if (input.control.kind === 'value') return null;
  const bothFailed = input.candidate.kind !== 'value';
  const controlError = input.control.kind === 'error' ? input.control.error : 'timeout';
  return {
    outcome: bothFailed ? 'matched' : 'mismatched',
    diffs: bothFailed
      ? []
      : [
          {
            path: input.root,
            control: `error: ${controlError}`,
            candidate: (input.candidate as { value: unknown }).value,
          },
        ],
    candidate: input.candidate,
    comparatorError: null,
  };
}

/**
 * Judges one experiment, after the client has its answer: compares what the client
 * selected, re-checks a mismatch once after the unit's delay, learns noise from a
 * second control read when this sample asks for it, and classifies the outcome.
 * Never throws: a comparator that throws is a mismatch with its error recorded.
 */
export async function judgeExperiment(input: ExperimentInput): Promise<Judgement> {
  const failed = controlFailed(input);
  if (failed !== null) return failed;
  if (input.candidate.kind === 'timeout')
    return { outcome: 'timeout', diffs: [], candidate: input.candidate, comparatorError: null };
  if (input.candidate.kind === 'error')
    return { outcome: 'candidate_error', diffs: [], candidate: input.candidate, comparatorError: null };
  try {
    let candidate: Settled = input.candidate;
    let diffs = diff(input, input.control, candidate);
    if (diffs.length > 0 && input.recheckCandidate !== null) {
      candidate = await input.recheckCandidate();
      if (candidate.kind !== 'value') return judgeExperiment({ ...input, candidate, recheckCandidate: null });
      diffs = diff(input, input.control, candidate);
    }
    if (input.rereadControl !== null)
      input.noise.learn(input.unit, diff(input, input.control, await input.rereadControl()));
    const outcome: Outcome =
      diffs.length === 0 ? 'matched' : input.noise.allNoise(input.unit, diffs) ? 'noise' : 'mismatched';
    return { outcome, diffs, candidate, comparatorError: null };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      outcome: 'mismatched',
      diffs: [{ path: input.root, control: '(comparator failed)', candidate: message }],
      candidate: input.candidate,
      comparatorError: message,
    };
  }
}
