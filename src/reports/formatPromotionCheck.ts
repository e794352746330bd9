import type { EvidenceScope, JudgedRule, PromotionCheck } from './promotionCheck.ts';

function scopeText(evidence: EvidenceScope): string {
  switch (evidence.kind) {
    case 'cohort':
      return `cohort ${evidence.cohort}`;
    case 'users':
      return `users ${evidence.users.join(', ')}`;
    case 'unit':
      return `every observation of the unit (${evidence.why})`;
  }
}

function ruleText(rule: JudgedRule): string[] {
  const samples = `${rule.samples} sample${rule.samples === 1 ? '' : 's'}`;
  return [
    `${rule.unit}  ${rule.who} -> ${rule.stages.join(', ')}`,
    `  evidence: ${scopeText(rule.evidence)}, ${samples}: ${rule.verdict.toUpperCase()}. ${rule.reason}`,
  ];
}

/**
 * `figway flags check` as text: the rules at live, rampdown or complete whose verdict is
 * not ready, each with its evidence and the verdict's reason, then the ready ones in a line.
 */
export function formatPromotionCheck(check: PromotionCheck): string {
  const period = `observations since ${check.since}`;
  const { checked, withoutEvidence } = check;
  if (checked.length === 0)
    return `figway flags check: no unit is at live, rampdown or complete (${period}).\n`;
  const out: string[] = [];
  if (withoutEvidence.length === 0) {
    out.push(
      `figway flags check: every rule at live, rampdown or complete has a ready verdict ` +
        `(${checked.length} rule${checked.length === 1 ? '' : 's'}, ${period}).`,
    );
  } else {
    out.push(
      `figway flags check: ${withoutEvidence.length} of ${checked.length} rule${checked.length === 1 ? '' : 's'} ` +
        `at live, rampdown or complete moved without evidence (a shadow-diff verdict other than ready, ${period}):`,
      '',
      ...withoutEvidence.flatMap(ruleText),
    );
    const ready = checked.filter((rule) => rule.verdict === 'ready');
    if (ready.length > 0)
      out.push('', `Ready: ${ready.map((rule) => `${rule.unit} (${scopeText(rule.evidence)})`).join('; ')}.`);
  }
  return `${out.join('\n')}\n`;
}
