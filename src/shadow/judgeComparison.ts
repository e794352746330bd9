import { setTimeout as sleep } from 'node:timers/promises';
import type { ShadowSettings } from '../core/catalogue.ts';
import type { Outcome, PathDiff } from '../core/observation.ts';
import { compareSelection, ProjectionFailure } from './compareSelection.ts';
import type { ComparisonRules } from './compareValues.ts';
import { type AnsweredBy, noteAnsweredBy } from './fieldNames.ts';
import { ignoreFor } from './ignoreByFieldNames.ts';
import type { NoiseMemory } from './noiseMemory.ts';
import { projectSelection } from './projectSelection.ts';
import type { ShadowStep } from './reportInternalError.ts';
import type { ComparedItem, Settled } from './unitComparison.ts';

/** What judging a comparison found. */
export interface Judgement {
  outcome: Outcome;
  /** Every differing path of every item, each with its item's id. */
  diffs: PathDiff[];
  /** The slowest item's read on each side (after a recheck, the rechecked read). */
  controlMs: number;
  candidateMs: number;
  /** The control's first error, or `timeout` when it had not answered in time. */
  controlError: string | null;
  /**
   * The comparator's error when it failed (counted as a mismatch), else the candidate's
   * error that made the outcome a candidate error, else the candidate's first error.
   */
  candidateError: string | null;
}

/** What judging needs: the items with both reads settled, the unit's rules, and ways to read again. */
export interface ComparisonInput {
  unit: string;
  settings: ShadowSettings;
  items: readonly ComparedItem[];
  noise: NoiseMemory;
  /** Whether this comparison reads the control again to learn which paths are noise. */
  checkNoise: boolean;
  /** Reads one side of the given items again, all in one round (batched), each within the unit's timeout. */
  reread: (
    items: readonly ComparedItem[],
    role: 'control' | 'candidate',
    round: number,
  ) => Promise<Settled[]>;
  /** Hears every failure inside judging (projecting, comparing, re-reading), with its step. */
  raised: (step: ShadowStep, error: unknown) => void;
}

/** What a diff holds instead of a candidate's answer that could not be projected. */
export const PROJECTION_FAILED = '(projection failed)';

/** How one item compared. */
type ItemVerdict =
  | { kind: 'compared'; diffs: PathDiff[]; comparatorError: string | null }
  | { kind: 'candidate_error'; error: string }
  | { kind: 'timeout' };

// Re-read rounds: a noise check reads the control through a fresh context, a recheck the candidate.
const NOISE_ROUND = 1;
const RECHECK_ROUND = 2;

// The unit's ignore patterns name fields as the schema does: spelled with the response
// keys of the operation the item was answered from, so an alias neither escapes a pattern
// nor falls under one.
function rulesOf(settings: ShadowSettings, info: AnsweredBy): ComparisonRules {
  return {
    ignore: ignoreFor(info, settings.ignore),
    tolerance: settings.tolerance,
    orderedLists: settings.orderedLists,
  };
}

// Each diff with its item's id, and noted with the field it was answered from: redaction
// reads its path, named with the client's aliases, by field names.
function withId(diffs: PathDiff[], id: string | null, info: AnsweredBy): PathDiff[] {
  for (const diff of diffs) {
    if (id !== null) diff.id = id;
    noteAnsweredBy(diff, info);
  }
  return diffs;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Both sides failed: the client got the control's error, so a candidate failing with
// another code is a mismatch at the item; the messages, which backends word differently,
// are not compared (the observation keeps both).
function bothFailed(
  item: ComparedItem,
  control: Settled & { kind: 'error' },
  candidate: Settled & { kind: 'error' },
): ItemVerdict {
  if (control.code === candidate.code) return { kind: 'compared', diffs: [], comparatorError: null };
  const diff = { path: item.root, control: `error ${control.code}`, candidate: `error ${candidate.code}` };
  return { kind: 'compared', diffs: withId([diff], item.id, item.info), comparatorError: null };
}

// One item, both reads settled. A read that did not end in time is a timeout; a control
// that failed is compared on how the candidate ended (the client got the error); a
// comparator that throws is reported and counts as a mismatch (Scientist's rule).
function judgeItem(
  input: ComparisonInput,
  item: ComparedItem,
  control: Settled,
  candidate: Settled,
): ItemVerdict {
  const { root, id, info } = item;
  // A candidate too slow is a timeout whatever the control did; a control that had not
  // answered (a response held past maxWaitMs) leaves nothing to compare the candidate
  // with: the comparison could not be made in time, which is no mismatch of the candidate's.
  if (candidate.kind === 'timeout' || control.kind === 'timeout') return { kind: 'timeout' };
  if (control.kind === 'error') {
    if (candidate.kind === 'error') return bothFailed(item, control, candidate);
    let projected: unknown = PROJECTION_FAILED;
    let comparatorError: string | null = null;
    try {
      projected = projectSelection(candidate.value, info);
    } catch (error) {
      input.raised('project', error);
      comparatorError = message(error);
    }
    const diff = { path: root, control: `error: ${control.error}`, candidate: projected };
    return { kind: 'compared', diffs: withId([diff], id, info), comparatorError };
  }
  if (candidate.kind === 'error') return { kind: 'candidate_error', error: candidate.error };
  try {
    const diffs = compareSelection(root, control.value, candidate.value, info, rulesOf(input.settings, info));
    return { kind: 'compared', diffs: withId(diffs, id, info), comparatorError: null };
  } catch (error) {
    input.raised(
      error instanceof ProjectionFailure ? 'project' : 'compare',
      error instanceof ProjectionFailure ? error.cause : error,
    );
    const diff = { path: root, control: '(comparator failed)', candidate: message(error) };
    return { kind: 'compared', diffs: withId([diff], id, info), comparatorError: message(error) };
  }
}

const differs = (verdict: ItemVerdict) => verdict.kind === 'compared' && verdict.diffs.length > 0;

// A mismatch may be replication lag: after the unit's delay, the differing items'
// candidates are read again (one batched round) and judged on the fresh answer.
async function recheck(input: ComparisonInput, verdicts: ItemVerdict[]): Promise<void> {
  const { items, settings } = input;
  if (settings.recheckAfterMs === 0) return;
  const indexes = items.flatMap((item, index) =>
    differs(verdicts[index] as ItemVerdict) && item.controlResult?.kind === 'value' ? [index] : [],
  );
  if (indexes.length === 0) return;
  await sleep(settings.recheckAfterMs, undefined, { ref: false });
  const again = await input.reread(
    indexes.map((index) => items[index] as ComparedItem),
    'candidate',
    RECHECK_ROUND,
  );
  indexes.forEach((index, position) => {
    const item = items[index] as ComparedItem;
    item.candidateResult = again[position] as Settled;
    verdicts[index] = judgeItem(input, item, item.controlResult as Settled, item.candidateResult);
  });
}

// Noise is learned on the side from a second control read: a failure here is reported
// and leaves the outcome alone.
async function learnNoise(input: ComparisonInput): Promise<void> {
  if (!input.checkNoise) return;
  try {
    const items = input.items.filter((item) => item.controlResult?.kind === 'value');
    const again = await input.reread(items, 'control', NOISE_ROUND);
    // A failure while comparing the two control reads is reported as the re-read's, and
    // its stand-in diff is not learned as noise.
    const rereading = {
      ...input,
      raised: (_step: ShadowStep, error: unknown) => input.raised('reread', error),
    };
    const diffs = items.flatMap((item, index) => {
      const verdict = judgeItem(rereading, item, item.controlResult as Settled, again[index] as Settled);
      return verdict.kind === 'compared' && verdict.comparatorError === null ? verdict.diffs : [];
    });
    input.noise.learn(input.unit, diffs);
  } catch (error) {
    input.raised('reread', error);
  }
}

function slowest(items: readonly ComparedItem[], role: 'controlResult' | 'candidateResult'): number {
  let ms = 0;
  for (const item of items) ms = Math.max(ms, item[role]?.ms ?? 0);
  return ms;
}

/**
 * Judges one comparison, after the client has its answer: every item of the unit in
 * the response, projected to what the client selected and compared, differing items
 * rechecked once after the unit's delay, noise learned when this comparison checks for
 * it. The outcome is the worst of its items: a candidate error, then a timeout (a read
 * of either side that did not end in time), then a mismatch (unless every differing path
 * is known noise; two failures are a mismatch when their codes differ), else matched. Never throws:
 * every failure inside is reported to `raised` with its step.
 */
export async function judgeComparison(input: ComparisonInput): Promise<Judgement> {
  const { items } = input;
  const verdicts = items.map((item) =>
    judgeItem(input, item, item.controlResult as Settled, item.candidateResult as Settled),
  );
  try {
    await recheck(input, verdicts);
  } catch (error) {
    input.raised('recheck', error);
  }
  await learnNoise(input);
  const diffs: PathDiff[] = [];
  let candidateError: string | null = null;
  let comparatorError: string | null = null;
  let timedOut = false;
  for (const verdict of verdicts) {
    if (verdict.kind === 'candidate_error') candidateError ??= verdict.error;
    else if (verdict.kind === 'timeout') timedOut = true;
    else {
      for (const diff of verdict.diffs) diffs.push(diff);
      comparatorError ??= verdict.comparatorError;
    }
  }
  let outcome: Outcome = 'matched';
  if (candidateError !== null) outcome = 'candidate_error';
  else if (timedOut) outcome = 'timeout';
  else if (diffs.length > 0)
    outcome = comparatorError === null && input.noise.allNoise(input.unit, diffs) ? 'noise' : 'mismatched';
  return {
    outcome,
    diffs,
    controlMs: slowest(items, 'controlResult'),
    candidateMs: slowest(items, 'candidateResult'),
    controlError: firstFailure(items, 'controlResult'),
    candidateError: comparatorError ?? candidateError ?? firstFailure(items, 'candidateResult'),
  };
}

// The first error of one side among the items, else `timeout` for a control that had not answered.
function firstFailure(
  items: readonly ComparedItem[],
  role: 'controlResult' | 'candidateResult',
): string | null {
  let timedOut = false;
  for (const item of items) {
    const settled = item[role];
    if (settled?.kind === 'error') return settled.error;
    if (settled?.kind === 'timeout') timedOut = true;
  }
  return timedOut && role === 'controlResult' ? 'timeout' : null;
}
