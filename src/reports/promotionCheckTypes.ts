// The promotion check's shapes, shared by the check, the CLI, the JSON API and the
// shadow page's browser modules (so nothing here imports anything but types).
import type { Stage } from '../core/stage.ts';
import type { Verdict } from './shadowReportTypes.ts';

/**
 * Whose observations show whether a rule's users may be where it puts them: one
 * cohort (observations record the caller's cohort), named users (observations record
 * a keyed hash of the user id, so the caller hashes the ids with the gateways' salt),
 * or the whole unit, every cohort, for any other rule: observations do not record
 * which strategy picked the user, so a percentage or another constraint is judged on
 * all of the unit's observations.
 */
export type EvidenceScope =
  | { kind: 'cohort'; cohort: string }
  | { kind: 'users'; users: string[]; userHashes: string[] }
  | { kind: 'unit'; why: string };

/** A flag rule that serves `live`, `rampdown` or `complete` to some users of a unit. */
export interface MovedRule {
  unit: string;
  flag: string;
  /** The rule as `figway flags list` words it. */
  who: string;
  /** The stages it serves from `live` on. */
  stages: Stage[];
  evidence: EvidenceScope;
}

/** A moved rule and the shadow-diff verdict of its evidence. */
export interface JudgedRule extends MovedRule {
  /** Comparisons that ran (stored observations) in the scope since `since`. */
  samples: number;
  mismatchRate: number;
  candidateErrorRate: number;
  timeoutRate: number;
  verdict: Verdict;
  reason: string;
}

/** What `figway flags check` and the shadow page report. */
export interface PromotionCheck {
  generatedAt: string;
  /** Observations at or after this instant are the evidence. */
  since: string;
  /** Every rule that serves live, rampdown or complete, with its verdict. */
  checked: JudgedRule[];
  /** Those whose verdict is not `ready`: moved without evidence. */
  withoutEvidence: JudgedRule[];
}
