import type { Stage } from '../../src/core/stage.ts';
import {
  FLAGS_DIR,
  type FlagDefinitions,
  readCatalogue,
  readDefinitions,
} from '../../src/routing/flagFiles.ts';
import { type RuleSelector, type StageRule, setRule } from '../../src/routing/stageRules.ts';

/** The default flag definitions with `rules` added to the flags of the named units. */
export async function flagsWith(rules: Record<string, StageRule[]>): Promise<FlagDefinitions> {
  const defaults = await readDefinitions(`${FLAGS_DIR}/definitions.json`);
  const catalogue = await readCatalogue();
  const flagOf = (unit: string) => catalogue.find((entry) => entry.unit === unit)?.flag;
  return {
    ...defaults,
    features: defaults.features.map((feature) => {
      const unit = Object.keys(rules).find((candidate) => flagOf(candidate) === feature.name);
      return unit === undefined ? feature : (rules[unit] ?? []).reduce(setRule, feature);
    }),
  };
}

/**
 * One rule for every catalogue unit matching a pattern such as `Query.*` or
 * `Mutation.addParty`, ready to spread into {@link flagsWith}'s argument.
 */
export async function unitsAt(
  patterns: readonly string[],
  stage: Stage,
  selector: RuleSelector = { kind: 'everyone' },
): Promise<Record<string, StageRule[]>> {
  const matches = (unit: string) =>
    patterns.some((pattern) =>
      pattern.endsWith('.*') ? unit.startsWith(pattern.slice(0, -1)) : unit === pattern,
    );
  const units = (await readCatalogue()).map((entry) => entry.unit).filter(matches);
  if (units.length === 0) throw new Error(`no unit matches ${patterns.join(', ')}`);
  return Object.fromEntries(units.map((unit) => [unit, [{ selector, stage }]]));
}
