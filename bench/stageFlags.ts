import { FLAGS_DIR, type FlagDefinitions, readDefinitions } from '../src/routing/flagFiles.ts';
import { setRule } from '../src/routing/stageRules.ts';

/** The stages the shadow benchmark compares: no shadow read, target read in the background, legacy read in the background. */
export type BenchStage = 'legacy' | 'shadow' | 'live';

/** The benchmark's stages, in the order the table prints them. */
export const BENCH_STAGES: readonly BenchStage[] = ['legacy', 'shadow', 'live'];

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
