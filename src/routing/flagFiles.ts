import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError, FLAGS_DIR } from '../config.ts';
import { type CatalogueEntry, describeIssues, parseCatalogue } from '../core/catalogue.ts';
import { isStage } from '../core/stage.ts';
import { isMutationFlag, oneStageForEveryone, userSelection } from './stageForEveryone.ts';

export { FLAGS_DIR };

const constraintSchema = z.looseObject({
  contextName: z.string().min(1),
  operator: z.string().min(1),
  values: z.array(z.string()).optional(),
  value: z.string().optional(),
  inverted: z.boolean().optional(),
  caseInsensitive: z.boolean().optional(),
});

const variantSchema = z.looseObject({
  name: z.string().min(1),
  weight: z.number().int().min(0).max(1000),
  weightType: z.string().optional(),
  stickiness: z.string().optional(),
});

const strategySchema = z.looseObject({
  name: z.string().min(1),
  parameters: z.record(z.string(), z.string()).default({}),
  constraints: z.array(constraintSchema).default([]),
  variants: z.array(variantSchema).default([]),
});

const featureSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  enabled: z.boolean(),
  strategies: z.array(strategySchema).default([]),
  variants: z.array(variantSchema).default([]),
});

const definitionsSchema = z.looseObject({
  version: z.number().int(),
  features: z.array(featureSchema),
});

/** Flag definitions in Unleash's client format (what `GET /api/client/features` returns). */
export type FlagDefinitions = z.infer<typeof definitionsSchema>;
/** One feature flag of the definitions. */
export type FlagFeature = FlagDefinitions['features'][number];
/** One activation strategy of a flag. */
export type FlagStrategy = FlagFeature['strategies'][number];

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

// A Mutation unit's flag may only hold rules for everyone (see stageForEveryone.ts).
function refuseUserRules(feature: FlagFeature, source: string) {
  for (const strategy of feature.strategies) {
    const selection = userSelection(strategy);
    if (selection === null) continue;
    throw new ConfigError(
      `${source}: flag ${feature.name} has a rule for some users only (${selection}). ` +
        oneStageForEveryone(feature.name.replace(/^figway\./, ''), strategy.variants[0]?.name ?? 'live'),
    );
  }
}

/**
 * Parses and checks flag definitions; unless `stagesOnly` is false (for showing what
 * a server holds as it is), every variant a strategy serves must name a stage and the
 * flag of a `Mutation.*` unit may only hold rules for everyone.
 */
export function parseDefinitions(
  value: unknown,
  source: string,
  options: { stagesOnly?: boolean } = {},
): FlagDefinitions {
  const parsed = definitionsSchema.safeParse(value);
  if (!parsed.success)
    throw new ConfigError(`${source} is not a valid flag file: ${describeIssues(parsed.error)}`);
  if (options.stagesOnly === false) return parsed.data;
  for (const feature of parsed.data.features) {
    const variants = [...feature.variants, ...feature.strategies.flatMap((strategy) => strategy.variants)];
    const wrong = variants.find((variant) => !isStage(variant.name));
    if (wrong !== undefined) {
      throw new ConfigError(
        `${source}: flag ${feature.name} serves variant "${wrong.name}", which is not a stage ` +
          '(legacy, dualwrite, shadow, live, rampdown, complete).',
      );
    }
    if (isMutationFlag(feature.name)) refuseUserRules(feature, source);
  }
  return parsed.data;
}

/** Reads a flag definitions file; a malformed one throws a ConfigError naming the file and the problem. */
export async function readDefinitions(path: string): Promise<FlagDefinitions> {
  return parseDefinitions(await readJson(path), path);
}

/** Writes flag definitions atomically (write aside, then rename), so a reader never sees half a file. */
export async function writeDefinitions(path: string, definitions: FlagDefinitions): Promise<void> {
  const aside = `${path}.${process.pid}.tmp`;
  await writeFile(aside, `${JSON.stringify(definitions, null, 2)}\n`);
  await rename(aside, path);
}

/** Reads the catalogue of migration units; units and flags must be unique. */
export async function readCatalogue(path = `${FLAGS_DIR}/catalogue.json`): Promise<CatalogueEntry[]> {
  return parseCatalogue(await readJson(path), path);
}

/**
 * Reads the catalogue `FIGWAY_CATALOGUE_FILE` names (`file`), checked as the shipped one
 * is, or the shipped `flags/catalogue.json` when `file` is null. A missing, unreadable or
 * invalid file throws a ConfigError that names the setting.
 */
export async function readConfiguredCatalogue(file: string | null): Promise<CatalogueEntry[]> {
  if (file === null) return readCatalogue();
  try {
    return await readCatalogue(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      `FIGWAY_CATALOGUE_FILE: ${error.message.replace(/\.$/, '')}. Point it at a catalogue shaped like flags/catalogue.json, ` +
        'or unset it to use that one.',
    );
  }
}
