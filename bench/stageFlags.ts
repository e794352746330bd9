import { FLAGS_DIR, type FlagDefinitions, readDefinitions } from '../src/routing/flagFiles.ts';
import { setRule } from '../src/routing/stageRules.ts';

/**
 * The read stages the peers benchmark compares: legacy only, legacy answering with the
 * target read in the background, the target answering with legacy read in the
 * background, the target only.
 */
export type BenchStage = 'legacy' | 'shadow' | 'live' | 'complete';

/**
 * Flag definitions that put every migration unit at `stage` for everyone. At
 * `legacy` they are the shipped definitions unchanged (every flag off), the path
 * a gateway before any migration takes.
 */
export async function stageFlags(stage: BenchStage): Promise<FlagDefinitions> {
  const shipped = await readDefinitions(`${FLAGS_DIR}/definitions.json`);
  if (stage === 'legacy') return shipped;
  return {
    ...shipped,
    features: shipped.features.map((feature) => setRule(feature, { selector: { kind: 'everyone' }, stage })),
  };
}
