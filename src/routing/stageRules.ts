import { isStage, type Stage } from '../core/stage.ts';
import type { FlagFeature, FlagStrategy } from './flagFiles.ts';

/** Who a rule applies to. */
export type RuleSelector =
  | { kind: 'users'; userIds: string[] }
  | { kind: 'cohort'; cohort: string }
  | { kind: 'percent'; percent: number }
  | { kind: 'everyone' };

/** "These users are at this stage": one Unleash strategy with one variant. */
export interface StageRule {
  selector: RuleSelector;
  stage: Stage;
}

// Unleash serves the variant of the first strategy that matches, so the most
// specific rules go first: named users, then a cohort, then a percentage, then everyone.
const PRECEDENCE: Record<RuleSelector['kind'], number> = { users: 0, cohort: 1, percent: 2, everyone: 3 };

/** The Unleash strategy for a rule: flexibleRollout sticky on userId, constrained, with the stage as its variant. */
export function strategyOf(flag: string, rule: StageRule): FlagStrategy {
  const { selector } = rule;
  const rollout = selector.kind === 'percent' ? String(selector.percent) : '100';
  const constraints =
    selector.kind === 'users'
      ? [{ contextName: 'userId', operator: 'IN', values: selector.userIds }]
      : selector.kind === 'cohort'
        ? [{ contextName: 'cohort', operator: 'IN', values: [selector.cohort] }]
        : [];
  return {
    name: 'flexibleRollout',
    parameters: { rollout, stickiness: 'userId', groupId: flag },
    constraints,
    variants: [{ name: rule.stage, weight: 1000, weightType: 'variable', stickiness: 'userId' }],
  };
}

/**
 * Reads a strategy back as a rule, or null when it is not one figway writes (made in
 * Unleash by hand): a cohort or users at less than 100% is no rule, since a rule for a
 * cohort or users takes all of them.
 */
export function ruleOf(strategy: FlagStrategy): StageRule | null {
  const stage = strategy.variants.length === 1 ? strategy.variants[0]?.name : undefined;
  if (strategy.name !== 'flexibleRollout' || !isStage(stage)) return null;
  const [constraint, ...more] = strategy.constraints;
  const percent = Number(strategy.parameters.rollout ?? '100');
  if (
    more.length > 0 ||
    Number.isNaN(percent) ||
    (constraint !== undefined &&
      (constraint.operator !== 'IN' || constraint.inverted === true || percent < 100))
  )
    return null;
  if (constraint?.contextName === 'userId')
    return { selector: { kind: 'users', userIds: constraint.values ?? [] }, stage };
  if (constraint?.contextName === 'cohort' && constraint.values?.length === 1) {
    return { selector: { kind: 'cohort', cohort: constraint.values[0] ?? '' }, stage };
  }
  if (constraint !== undefined) return null;
  return percent >= 100
    ? { selector: { kind: 'everyone' }, stage }
    : { selector: { kind: 'percent', percent }, stage };
}

function sameSelector(a: RuleSelector, b: RuleSelector): boolean {
  return (
    JSON.stringify(a.kind === 'users' ? { ...a, userIds: [...a.userIds].sort() } : a) ===
    JSON.stringify(b.kind === 'users' ? { ...b, userIds: [...b.userIds].sort() } : b)
  );
}

function precedenceOf(strategy: FlagStrategy): number {
  const rule = ruleOf(strategy);
  return rule === null ? PRECEDENCE.users : PRECEDENCE[rule.selector.kind];
}

/**
 * Puts `rule` on a flag: replaces the rule for the same users, cohort or percentage,
 * keeps the others, orders them most specific first, and enables the flag. Rules
 * made by hand in Unleash are kept, ahead of figway's.
 */
export function setRule(feature: FlagFeature, rule: StageRule): FlagFeature {
  const kept = feature.strategies.filter((strategy) => {
    const existing = ruleOf(strategy);
    return existing === null || !sameSelector(existing.selector, rule.selector);
  });
  const strategies = [...kept, strategyOf(feature.name, rule)].sort(
    (a, b) => precedenceOf(a) - precedenceOf(b),
  );
  return { ...feature, enabled: true, strategies };
}

/** A rule in words a product person reads: "cohort beta -> live". */
export function describeSelector(
  selector: RuleSelector,
  userNames: (id: string) => string = (id) => id,
): string {
  switch (selector.kind) {
    case 'users':
      return `users ${selector.userIds.map(userNames).join(', ')}`;
    case 'cohort':
      return `cohort ${selector.cohort}`;
    case 'percent':
      return `${selector.percent}% of users`;
    case 'everyone':
      return 'everyone';
  }
}
