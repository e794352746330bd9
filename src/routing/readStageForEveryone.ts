import { ConfigError, type FlagsConfig } from '../config.ts';
import { STAGES, type Stage } from '../core/stage.ts';
import { ensureFlagsFile } from './ensureFlagsFile.ts';
import {
  type FlagDefinitions,
  parseDefinitions,
  readConfiguredCatalogue,
  readDefinitions,
} from './flagFiles.ts';
import { stageForEveryone } from './stageForEveryone.ts';
import { fetchClientDefinitions } from './unleashAdmin.ts';

/**
 * The stage `unit` has for everyone, read once from where the gateway reads its
 * flags (the flags file, or the Unleash server's client API) under the flag the
 * gateway's catalogue names (`catalogueFile`, FIGWAY_CATALOGUE_FILE), without a gateway's
 * stage source: for commands that run alone, such as `figway reconcile`, which read it
 * before they touch anything. A flag that is missing, or off, is `legacy`, as it is for
 * every gateway; strategies that select users are ignored, as gateways ignore them.
 *
 * A flag whose rule for everyone serves a variant that is not a stage (made by hand in
 * Unleash) throws a ConfigError naming the flag and the variant: gateways refuse the
 * unit's writes then (requestRouter.ts), and reading it as `legacy` would take legacy
 * as the authority while the fleet may write the target.
 */
export async function readStageForEveryone(
  flags: FlagsConfig,
  unit: string,
  catalogueFile: string | null,
): Promise<Stage> {
  const entry = (await readConfiguredCatalogue(catalogueFile)).find((candidate) => candidate.unit === unit);
  const flag = entry?.flag ?? `figway.${unit}`;
  const source = flags.kind === 'unleash' ? flags.url : flags.path;
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
  if (feature === undefined) return 'legacy';
  const decision = stageForEveryone(feature);
  if (decision.reason !== 'not-a-stage') return decision.stage;
  throw new ConfigError(
    `the stage of ${unit} for everyone is unknown: its flag ${flag} (${source}) serves variant ` +
      `"${decision.variant}", which is not a stage (${STAGES.join(', ')}). Gateways refuse its writes ` +
      'until the flag names a stage, and which side is authoritative cannot be told, so nothing was done. ' +
      'Name a stage in the flag, then run the command again.',
  );
}
