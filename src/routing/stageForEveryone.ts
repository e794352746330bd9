import { z } from 'zod';
import { isStage, type Stage } from '../core/stage.ts';

/**
 * Why a `Mutation.*` unit has one stage for everyone, in the words figway refuses a
 * per-user rule with; `unit` and `stage` make the command it suggests instead.
 */
export function oneStageForEveryone(unit: string, stage: string): string {
  return (
    'Mutation units take one stage for everyone: a row must have one authoritative side at a time, ' +
    'or two users in different stages would write diverging histories. ' +
    `Move it for everyone: figway flags set ${unit} ${stage}`
  );
}

/** True for a unit that writes (`Mutation.*`): its stage is one for everyone, never per user. */
export function isMutationUnit(unit: string): boolean {
  return unit.startsWith('Mutation.');
}

/** True for the flag of a `Mutation.*` unit; the catalogue names each unit's flag `figway.<unit>`. */
export function isMutationFlag(flag: string): boolean {
  return flag.startsWith('figway.Mutation.');
}

// Lenient on purpose: the definition comes from unleash-client, or from a flags file
// already checked by flagFiles.ts; anything that does not fit fails closed to legacy.
const strategySchema = z.looseObject({
  name: z.string(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  constraints: z.array(z.unknown()).optional(),
  segments: z.array(z.unknown()).optional(),
  variants: z.array(z.looseObject({ name: z.string() })).optional(),
});
const featureSchema = z.looseObject({
  enabled: z.boolean(),
  strategies: z.array(strategySchema).optional(),
  variants: z.array(z.looseObject({ name: z.string() })).optional(),
});

/** A flag as far as deciding its stage for everyone needs it. */
export type EveryoneFeature = z.infer<typeof featureSchema>;
/** One strategy of such a flag. */
export type EveryoneStrategy = z.infer<typeof strategySchema>;

/** Reads a flag definition (from unleash-client or a file), or null when it is not one. */
export function asEveryoneFeature(value: unknown): EveryoneFeature | null {
  const parsed = featureSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

const EVERYONE_STRATEGIES = new Set(['default', 'flexibleRollout']);

/**
 * Why `strategy` picks some users and not others (constraints, segments, a
 * percentage, a strategy keyed on users or hosts, variants split between users), or
 * null when it applies to everyone alike.
 */
export function userSelection(strategy: EveryoneStrategy): string | null {
  if ((strategy.constraints?.length ?? 0) > 0) return 'it has constraints';
  if ((strategy.segments?.length ?? 0) > 0) return 'it has segments';
  if (!EVERYONE_STRATEGIES.has(strategy.name)) return `strategy ${strategy.name} selects users or hosts`;
  const rollout = Number(String(strategy.parameters?.rollout ?? '100'));
  if (strategy.name === 'flexibleRollout' && !(rollout >= 100)) return `it rolls out to ${rollout}% of users`;
  if (new Set(strategy.variants?.map((variant) => variant.name)).size > 1)
    return 'it splits users between variants';
  return null;
}

/**
 * A flag's stage for everyone, and how many strategies were ignored because they select
 * users. On `not-a-stage` the stage is `legacy` by default only, and `variant` is the
 * name served that is not a stage.
 */
export type EveryoneDecision =
  | { stage: Stage; reason: 'variant' | 'off'; ignored: number }
  | { stage: 'legacy'; reason: 'not-a-stage'; ignored: number; variant: string };

/**
 * The stage of a flag for everyone: the variant of the first strategy that selects
 * no one in particular; strategies that select users are ignored (and counted).
 *
 * figway reads the strategies itself rather than asking unleash-client with an empty
 * context: a flexibleRollout sticky on userId never matches a context without one,
 * and one on default stickiness turns into a coin toss per request.
 */
export function stageForEveryone(feature: EveryoneFeature): EveryoneDecision {
  let ignored = 0;
  for (const strategy of feature.enabled ? (feature.strategies ?? []) : []) {
    // A strategy without variants of its own serves the flag's, as in Unleash.
    const variants = (strategy.variants?.length ?? 0) > 0 ? strategy.variants : feature.variants;
    if (userSelection({ ...strategy, variants }) !== null) {
      ignored += 1;
      continue;
    }
    const [name] = variants?.map((variant) => variant.name) ?? [];
    // A strategy with no variant at all enables the flag with no stage in it: legacy, as unleash-client answers.
    if (name === undefined) return { stage: 'legacy', reason: 'off', ignored };
    return isStage(name)
      ? { stage: name, reason: 'variant', ignored }
      : { stage: 'legacy', reason: 'not-a-stage', ignored, variant: name };
  }
  return { stage: 'legacy', reason: 'off', ignored };
}
