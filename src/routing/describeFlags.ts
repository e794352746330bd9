import type { CatalogueEntry } from '../core/catalogue.ts';
import type { FlagDefinitions, FlagStrategy } from './flagFiles.ts';
import { describeSelector, ruleOf } from './stageRules.ts';

/** One line of `figway flags list`: who, at which stage. */
export interface StageLine {
  who: string;
  stage: string;
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

/** The catalogue's units with their stages per cohort, users or percentage, everyone else last. */
export function describeFlags(
  catalogue: readonly CatalogueEntry[],
  definitions: FlagDefinitions,
  userNames: (id: string) => string = (id) => id,
): UnitStages[] {
  const features = new Map(definitions.features.map((feature) => [feature.name, feature]));
  return catalogue.map((entry) => {
    const feature = features.get(entry.flag);
    const lines: StageLine[] =
      feature === undefined
        ? [{ who: 'everyone (flag missing: figway serves legacy)', stage: 'legacy' }]
        : feature.enabled
          ? feature.strategies.map((strategy) => describeStrategy(strategy, userNames))
          : [];
    const coversEveryone = lines.some((line) => line.who === 'everyone');
    if (feature !== undefined && !coversEveryone) {
      lines.push({ who: lines.length === 0 ? 'everyone' : 'everyone else', stage: 'legacy' });
    }
    return { unit: entry.unit, flag: entry.flag, owner: entry.owner, description: entry.description, lines };
  });
}

/** `figway flags list` as text, 80 columns wide. */
export function formatUnitStages(units: readonly UnitStages[]): string {
  const out = [`${'UNIT'.padEnd(32)}${'WHO'.padEnd(36)}STAGE`];
  for (const unit of units) {
    unit.lines.forEach((line, index) => {
      out.push(`${(index === 0 ? unit.unit : '').padEnd(32)}${line.who.padEnd(36)}${line.stage}`);
    });
  }
  return `${out.join('\n')}\n`;
}
