import { isStage, type Stage } from '../core/stage.ts';
import type { FlagFeature, FlagStrategy } from './flagFiles.ts';

/** A variant a strategy serves: its name, the stage figway serves for it, and its share of the users it selects. */
export interface ServedVariant {
  variant: string;
  /** The variant's name when it is a stage; `legacy` when it is not (figway fails closed). */
  stage: Stage;
  /** Its weight over the weights of the variants served, in percent. */
  percent: number;
  /** Context values that always get this variant, whatever the weights (`cohort beta`). */
  overrides?: string[];
}

/** What a matching strategy serves: the stage column of `figway flags list`, and the variants in parts. */
export interface VariantsDescription {
  stage: string;
  served: ServedVariant[];
}

type Variant = FlagStrategy['variants'][number];

const total = (variants: readonly Variant[]) => variants.reduce((sum, variant) => sum + variant.weight, 0);

function overridesOf(variant: Variant): string[] {
  const overrides = (variant as { overrides?: unknown }).overrides;
  if (!Array.isArray(overrides)) return [];
  return overrides.flatMap((entry: unknown) => {
    const { contextName, values } = (entry ?? {}) as { contextName?: unknown; values?: unknown };
    return typeof contextName === 'string' && Array.isArray(values)
      ? [`${contextName} ${values.map(String).join(', ')}`]
      : [];
  });
}

function nameOf(served: ServedVariant): string {
  return served.stage === served.variant ? served.variant : `${served.variant} (not a stage: legacy)`;
}

// unleash-client picks a strategy's variant by the stickiness of its first variant (else the
// strategy's) hashed with the strategy's groupId; a flag variant by its own, with the flag name.
function splitHashing(strategy: FlagStrategy, feature: FlagFeature, own: boolean): string {
  const variants = own ? strategy.variants : feature.variants;
  const stickiness =
    variants[0]?.stickiness || (own ? strategy.parameters.stickiness : undefined) || 'default';
  const groupId = own ? (strategy.parameters.groupId ?? '') : feature.name;
  return `stickiness ${stickiness}${groupId === feature.name ? '' : `, group ${groupId || '(none)'}`}`;
}

const round = (percent: number) => Math.round(percent * 10) / 10;

/**
 * The variants a matching strategy serves, as unleash-client picks them: the strategy's
 * own when their weights add up to more than 0, else the flag's (environment) variants,
 * else none, which figway serves as `legacy`. Several variants read `live 50% / shadow
 * 50%` with their stickiness; overrides (a context value that always gets a variant) are
 * named; a variant that is not a stage reads `on (not a stage: legacy)`.
 */
export function describeVariants(strategy: FlagStrategy, feature: FlagFeature): VariantsDescription {
  const own = total(strategy.variants) > 0;
  const variants = own ? strategy.variants : total(feature.variants) > 0 ? feature.variants : [];
  const sum = total(variants);
  const served: ServedVariant[] = variants
    .filter((variant) => variant.weight > 0 || overridesOf(variant).length > 0)
    .map((variant) => {
      const overrides = overridesOf(variant);
      return {
        variant: variant.name,
        stage: isStage(variant.name) ? variant.name : 'legacy',
        percent: round((variant.weight / sum) * 100),
        ...(overrides.length > 0 ? { overrides } : {}),
      };
    });
  if (served.length === 0) return { stage: 'legacy (no variant)', served: [] };
  const weighted = served.filter((entry) => entry.percent > 0);
  const split =
    weighted.length > 1
      ? `${weighted.map((entry) => `${nameOf(entry)} ${entry.percent}%`).join(' / ')} (${splitHashing(strategy, feature, own)})`
      : weighted[0] === undefined
        ? ''
        : nameOf(weighted[0]);
  const overrides = served.flatMap((entry) =>
    (entry.overrides ?? []).map((override) => `${override} always ${nameOf(entry)}`),
  );
  const from = own ? '' : ' (the flag variants)';
  const stage = [split + from, ...overrides].filter(Boolean).join('; ');
  return { stage, served };
}
