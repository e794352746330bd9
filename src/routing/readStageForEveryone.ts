import type { FlagsConfig } from '../config.ts';
import type { Stage } from '../core/stage.ts';
import { ensureFlagsFile } from './ensureFlagsFile.ts';
import { type FlagDefinitions, parseDefinitions, readCatalogue, readDefinitions } from './flagFiles.ts';
import { stageForEveryone } from './stageForEveryone.ts';
import { fetchClientDefinitions } from './unleashAdmin.ts';

/**
 * The stage `unit` has for everyone, read once from where the gateway reads its
 * flags (the flags file, or the Unleash server's client API), without a gateway's
 * stage source: for commands that run alone, such as `figway reconcile`. A flag that
 * is missing, or off, is `legacy`.
 */
export async function readStageForEveryone(flags: FlagsConfig, unit: string): Promise<Stage> {
  const entry = (await readCatalogue()).find((candidate) => candidate.unit === unit);
  const flag = entry?.flag ?? `figway.${unit}`;
  let definitions: FlagDefinitions;
  if (flags.kind === 'unleash') {
    definitions = parseDefinitions(await fetchClientDefinitions(flags.url, flags.token), flags.url, {
      stagesOnly: false,
    });
  } else {
    await ensureFlagsFile(flags.path);
    definitions = await readDefinitions(flags.path);
  }
  const feature = definitions.features.find((candidate) => candidate.name === flag);
  return feature === undefined ? 'legacy' : stageForEveryone(feature).stage;
}
