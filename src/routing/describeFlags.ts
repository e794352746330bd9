import { z } from 'zod';
import type { CatalogueEntry } from '../core/catalogue.ts';
import type { FlagConstraint } from './describeConstraint.ts';
import { describeStrategy, type SegmentLookup, type StageLine } from './describeStrategy.ts';
import type { FlagDefinitions, FlagFeature } from './flagFiles.ts';
import { isDisabledStrategy, servedFeature } from './servedFeature.ts';
import { isMutationUnit, stageForEveryone, userSelection } from './stageForEveryone.ts';

export type { LineScope, StageLine } from './describeStrategy.ts';

/** A unit and the stages its flag gives, in the order Unleash evaluates them. */
export interface UnitStages {
  unit: string;
  flag: string;
  owner: string;
  description: string;
  lines: StageLine[];
}

type UserNames = (id: string) => string;

const legacyLine = (who: string): StageLine => ({
  who,
  stage: 'legacy',
  served: [],
  scope: { kind: 'unit' },
});

const segmentsSchema = z.array(
  z.looseObject({
    id: z.number(),
    name: z.string().optional(),
    constraints: z.array(z.looseObject({ contextName: z.string(), operator: z.string() })).default([]),
  }),
);

/** The definitions' top-level `segments` by id (what unleash-client resolves a strategy's segment ids with). */
function segmentLookup(definitions: FlagDefinitions): SegmentLookup {
  const parsed = segmentsSchema.safeParse((definitions as { segments?: unknown }).segments ?? []);
  const segments = parsed.success ? parsed.data : [];
  return new Map(
    segments.map((segment) => [
      segment.id,
      { name: segment.name ?? String(segment.id), constraints: segment.constraints as FlagConstraint[] },
    ]),
  );
}

const dependenciesSchema = z.array(
  z.looseObject({
    feature: z.string(),
    enabled: z.boolean().optional(),
    variants: z.array(z.string()).optional(),
  }),
);

// A flag with parents (Unleash's flag dependencies) is off for anyone whose parents do not hold.
function dependencyLines(feature: FlagFeature): StageLine[] {
  const parsed = dependenciesSchema.safeParse((feature as { dependencies?: unknown }).dependencies ?? []);
  if (!parsed.success) return [legacyLine('everyone: the flag has dependencies figway cannot read')];
  return parsed.data.map((parent) => {
    const wanted =
      parent.enabled === false
        ? 'off'
        : `on${parent.variants?.length ? ` with variant ${parent.variants.join(' or ')}` : ''}`;
    return legacyLine(`anyone for whom parent flag ${parent.feature} is not ${wanted}`);
  });
}

function featureLines(feature: FlagFeature, segments: SegmentLookup, userNames: UserNames): StageLine[] {
  if (!feature.enabled) return [legacyLine('everyone (flag off)')];
  const evaluated = servedFeature(feature);
  // Unleash switches off a flag whose every strategy is disabled: not "on, no strategy".
  if (!evaluated.enabled) return [legacyLine('everyone (flag off: every strategy is disabled)')];
  const lines = dependencyLines(feature);
  if (evaluated.strategies.length === 0) {
    // unleash-client enables a flag without strategies for everyone, with the flag's variants.
    const none = { name: 'default', parameters: {}, constraints: [], variants: [] };
    const { line } = describeStrategy(none, feature, segments, userNames);
    return [...lines, { ...line, who: 'everyone (flag on, no strategy)' }];
  }
  let reachedEveryone = false;
  for (const strategy of feature.strategies) {
    const { line, matchesEveryone } = describeStrategy(strategy, feature, segments, userNames);
    if (isDisabledStrategy(strategy))
      lines.push({
        ...line,
        who: `${line.who} (strategy disabled)`,
        stage: 'not evaluated',
        served: [],
        scope: { kind: 'nobody' },
      });
    else if (reachedEveryone)
      lines.push({
        ...line,
        stage: 'never reached (everyone matched above)',
        served: [],
        scope: { kind: 'nobody' },
      });
    else lines.push(line);
    reachedEveryone ||= matchesEveryone && !isDisabledStrategy(strategy);
  }
  if (!reachedEveryone) lines.push(legacyLine(lines.length === 0 ? 'everyone' : 'everyone else'));
  return lines;
}

// A Mutation unit has one stage for everyone: its rules that select users are shown
// as ignored, and "everyone" gets the stage the router gives every caller.
function mutationLines(feature: FlagFeature, segments: SegmentLookup, userNames: UserNames): StageLine[] {
  const evaluated = servedFeature(feature);
  const { stage } = stageForEveryone(evaluated);
  const everyone: StageLine = evaluated.enabled
    ? {
        who: 'everyone',
        stage,
        served: stage === 'legacy' ? [] : [{ variant: stage, stage, percent: 100 }],
        scope: { kind: 'unit' },
      }
    : legacyLine('everyone (flag off)');
  const lines: StageLine[] = [everyone];
  for (const strategy of evaluated.enabled ? evaluated.strategies : []) {
    const selection = userSelection(strategy);
    if (selection === null) continue;
    const { line } = describeStrategy(strategy, feature, segments, userNames);
    lines.push({ ...line, ignored: selection, served: [], scope: { kind: 'nobody' } });
  }
  return lines;
}

/**
 * The catalogue's units with what their flags give, line by line in the order Unleash
 * evaluates them: each strategy with its constraints, percentage, stickiness and
 * variants (see describeStrategy.ts), a flag that is off or missing said so, and
 * everyone no strategy matches last, at `legacy`.
 */
export function describeFlags(
  catalogue: readonly CatalogueEntry[],
  definitions: FlagDefinitions,
  userNames: UserNames = (id) => id,
): UnitStages[] {
  const features = new Map(definitions.features.map((feature) => [feature.name, feature]));
  const segments = segmentLookup(definitions);
  return catalogue.map((entry) => {
    const feature = features.get(entry.flag);
    const described = {
      unit: entry.unit,
      flag: entry.flag,
      owner: entry.owner,
      description: entry.description,
    };
    if (feature === undefined)
      return { ...described, lines: [legacyLine('everyone (flag missing: figway serves legacy)')] };
    const lines = isMutationUnit(entry.unit)
      ? mutationLines(feature, segments, userNames)
      : featureLines(feature, segments, userNames);
    return { ...described, lines };
  });
}

export { formatUnitStages } from './formatUnitStages.ts';
