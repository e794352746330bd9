import type { CatalogueEntry } from '../core/catalogue.ts';
import type { FlagDefinitions, FlagFeature, FlagStrategy } from './flagFiles.ts';
import { isMutationUnit, stageForEveryone, userSelection } from './stageForEveryone.ts';
import { describeSelector, ruleOf } from './stageRules.ts';

/** One line of `figway flags list`: who, at which stage. */
export interface StageLine {
  who: string;
  stage: string;
  /** Why the rule is not in effect: a `Mutation.*` unit ignores rules that select users. */
  ignored?: string;
}

/** A unit and the stages its flag gives, in the order Unleash evaluates them. */
export interface UnitStages {
  unit: string;
  flag: string;
  owner: string;
  description: string;
  lines: StageLine[];
}

function describeStrategy(strategy: FlagStrategy, userNames: (id: string) => string): StageLine {
  const rule = ruleOf(strategy);
  if (rule !== null) return { who: describeSelector(rule.selector, userNames), stage: rule.stage };
  const constraints = strategy.constraints.map(
    (c) => `${c.contextName} ${c.operator} ${(c.values ?? [c.value]).join(',')}`,
  );
  const variants = strategy.variants.map((variant) => variant.name).join('/') || 'no variant (legacy)';
  return {
    who: `${strategy.name}${constraints.length > 0 ? ` where ${constraints.join(' and ')}` : ''}`,
    stage: variants,
  };
}

// A Mutation unit has one stage for everyone: its rules that select users are shown
// as ignored, and "everyone" gets the stage the router gives every caller.
function mutationLines(feature: FlagFeature, userNames: (id: string) => string): StageLine[] {
  const lines: StageLine[] = [];
  for (const strategy of feature.strategies) {
    const selection = userSelection(strategy);
    if (selection !== null) lines.push({ ...describeStrategy(strategy, userNames), ignored: selection });
  }
  return [{ who: 'everyone', stage: stageForEveryone(feature).stage }, ...lines];
}

/** The catalogue's units with their stages per cohort, users or percentage, everyone else last. */
export function describeFlags(
  catalogue: readonly CatalogueEntry[],
  definitions: FlagDefinitions,
  userNames: (id: string) => string = (id) => id,
): UnitStages[] {
  const features = new Map(definitions.features.map((feature) => [feature.name, feature]));
  return catalogue.map((entry) => {
    const feature = features.get(entry.flag);
    const described = {
      unit: entry.unit,
      flag: entry.flag,
      owner: entry.owner,
      description: entry.description,
    };
    if (feature === undefined)
      return {
        ...described,
        lines: [{ who: 'everyone (flag missing: figway serves legacy)', stage: 'legacy' }],
      };
    if (isMutationUnit(entry.unit)) return { ...described, lines: mutationLines(feature, userNames) };
    const lines = feature.enabled
      ? feature.strategies.map((strategy) => describeStrategy(strategy, userNames))
      : [];
    if (!lines.some((line) => line.who === 'everyone'))
      lines.push({ who: lines.length === 0 ? 'everyone' : 'everyone else', stage: 'legacy' });
    return { ...described, lines };
  });
}

/**
 * `figway flags list` as text, about 80 columns wide (the unit column grows with the
 * longest unit name, a space after it); ignored rules are marked, with why under the table.
 */
export function formatUnitStages(units: readonly UnitStages[]): string {
  const width = Math.max(32, ...units.map((unit) => unit.unit.length + 1));
  const out = [`${'UNIT'.padEnd(width)}${'WHO'.padEnd(36)}STAGE`];
  let ignored = 0;
  for (const unit of units) {
    unit.lines.forEach((line, index) => {
      const stage = line.ignored === undefined ? line.stage : `${line.stage} (ignored)`;
      if (line.ignored !== undefined) ignored += 1;
      out.push(`${(index === 0 ? unit.unit : '').padEnd(width)}${line.who.padEnd(36)}${stage}`);
    });
  }
  if (ignored > 0) {
    out.push(
      '',
      `${ignored} ${ignored === 1 ? 'rule is' : 'rules are'} ignored: Mutation units take one stage for everyone, ` +
        'so a rule that selects users, a cohort or a percentage never applies to them.',
    );
  }
  return `${out.join('\n')}\n`;
}
