import { FLAGS_DIR, type FlagDefinitions, readCatalogue, readDefinitions } from '../src/routing/flagFiles.ts';
import { setRule } from '../src/routing/stageRules.ts';

/** The write stages the writes benchmark compares: legacy only, legacy mirrored to the target, target mirrored to legacy. */
export type WriteStage = 'legacy' | 'dualwrite' | 'live';

/** The writes benchmark's stages, in the order the table prints them. */
export const WRITE_STAGES: readonly WriteStage[] = ['legacy', 'dualwrite', 'live'];

/**
 * Flag definitions that put every `Mutation.*` unit at `stage` for everyone (a
 * mutation unit has one stage for everyone) and leave every other unit as shipped.
 * At `legacy` they are the shipped definitions unchanged.
 */
export async function mutationFlags(stage: WriteStage): Promise<FlagDefinitions> {
  const shipped = await readDefinitions(`${FLAGS_DIR}/definitions.json`);
  if (stage === 'legacy') return shipped;
  const mutationFlagNames = new Set(
    (await readCatalogue()).filter((entry) => entry.unit.startsWith('Mutation.')).map((entry) => entry.flag),
  );
  if (mutationFlagNames.size === 0) throw new Error('the flag catalogue has no Mutation unit');
  return {
    ...shipped,
    features: shipped.features.map((feature) =>
      mutationFlagNames.has(feature.name)
        ? setRule(feature, { selector: { kind: 'everyone' }, stage })
        : feature,
    ),
  };
}
