import type { Config } from '../config.ts';
import { ensureFlagsFile } from '../routing/ensureFlagsFile.ts';
import { type FlagDefinitions, parseDefinitions, readDefinitions } from '../routing/flagFiles.ts';
import { fetchClientDefinitions } from '../routing/unleashAdmin.ts';

/**
 * The flags figway evaluates in this configuration: what the Unleash server at
 * UNLEASH_URL serves to clients (read leniently: a variant made by hand that is not a
 * stage is exactly what must be shown), or the local flags file (started from flags/
 * when it does not exist yet).
 */
export async function readFlagDefinitions(config: Config): Promise<FlagDefinitions> {
  if (config.flags.kind === 'unleash') {
    return parseDefinitions(
      await fetchClientDefinitions(config.flags.url, config.flags.token),
      config.flags.url,
      { stagesOnly: false },
    );
  }
  await ensureFlagsFile(config.flags.path);
  return readDefinitions(config.flags.path);
}
