import type { Queryable } from '../core/database.ts';
import { judgeVerdict } from './judgeVerdict.ts';
import type { JudgedRule, MovedRule, PromotionCheck } from './promotionCheckTypes.ts';
import type { VerdictThresholds } from './shadowReportTypes.ts';

export type { EvidenceScope, JudgedRule, MovedRule, PromotionCheck } from './promotionCheckTypes.ts';

// Weighted as buildShadowReport weights: each row stands for 1/sample_rate comparisons, and
// rows of the `dropped` outcome (stores from before adaptive sampling) are left out.
const EVIDENCE = `select count(*)::int as samples,
  coalesce(sum(1 / sample_rate::numeric), 0)::float8 as comparisons,
  coalesce(sum(1 / sample_rate::numeric) filter (where outcome = 'mismatched'), 0)::float8 as mismatched,
  coalesce(sum(1 / sample_rate::numeric) filter (where outcome = 'candidate_error'), 0)::float8 as candidate_errors,
  coalesce(sum(1 / sample_rate::numeric) filter (where outcome = 'timeout'), 0)::float8 as timeouts
from observations.observations
where at >= $1::timestamptz and unit = $2::text and outcome <> 'dropped'
  and ($3::text is null or coalesce(cohort, '(none)') = $3::text)
  and ($4::text[] is null or user_hash = any($4::text[]))`;

interface EvidenceRow {
  samples: number;
  comparisons: number;
  mismatched: number;
  candidate_errors: number;
  timeouts: number;
  [column: string]: unknown;
}

const rateOf = (count: number, total: number) => (total === 0 ? 0 : count / total);

async function judgeRule(
  db: Queryable,
  rule: MovedRule,
  since: Date,
  thresholds: VerdictThresholds,
): Promise<JudgedRule> {
  const { evidence } = rule;
  const [row] = await db.query<EvidenceRow>(EVIDENCE, [
    since.toISOString(),
    rule.unit,
    evidence.kind === 'cohort' ? evidence.cohort : null,
    evidence.kind === 'users' ? evidence.userHashes : null,
  ]);
  const comparisons = Number(row?.comparisons ?? 0);
  const input = {
    samples: Number(row?.samples ?? 0),
    mismatchRate: rateOf(Number(row?.mismatched ?? 0), comparisons),
    candidateErrorRate: rateOf(Number(row?.candidate_errors ?? 0), comparisons),
    timeoutRate: rateOf(Number(row?.timeouts ?? 0), comparisons),
  };
  return { ...rule, ...input, ...judgeVerdict(input, thresholds) };
}

/** What {@link judgeMovedRules} judges by. */
export interface PromotionCheckOptions {
  /** Observations at or after this instant are the evidence. */
  since: Date;
  /** The thresholds of each unit (the catalogue's, as the gateway's report uses). */
  thresholdsFor: (unit: string) => VerdictThresholds;
  /** The check's `generatedAt`. @default new Date() */
  now?: Date;
}

/**
 * Judges each moved rule on the observations of its scope since `since`, exactly as the
 * shadow-diff report judges a unit and cohort (the same weighting and verdict), and
 * lists those that are not `ready`: moved without evidence. A scope without observations
 * is `hold`. Rules are judged one query each, in order.
 */
export async function judgeMovedRules(
  db: Queryable,
  rules: readonly MovedRule[],
  options: PromotionCheckOptions,
): Promise<PromotionCheck> {
  const checked: JudgedRule[] = [];
  for (const rule of rules)
    checked.push(await judgeRule(db, rule, options.since, options.thresholdsFor(rule.unit)));
  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    since: options.since.toISOString(),
    checked,
    withoutEvidence: checked.filter((rule) => rule.verdict !== 'ready'),
  };
}
