import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError, FLAGS_DIR } from '../config.ts';
import { isStage } from './stage.ts';

export { FLAGS_DIR };

const unitName = z.string().regex(/^[A-Z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*$/, 'a unit is named Type.field');

// How a unit's shadow reads run and are judged; every setting has a default.
const shadowSchema = z
  .object({
    /** Share of requests in shadow/live stage that also read the candidate. */
    sampleRate: z.number().min(0).max(1).default(1),
    /** A candidate slower than this is recorded as a timeout. */
    timeoutMs: z.number().int().positive().default(1000),
    /** Response paths never compared, e.g. `edges[*].cursor`. */
    ignore: z.array(z.string()).default([]),
    /** Numbers this close are equal. */
    tolerance: z.number().min(0).default(0),
    /** Compare lists by position even when items have ids. */
    orderedLists: z.boolean().default(false),
    /** Share of sampled requests that read the control twice to learn which paths are noise. */
    noiseSampleRate: z.number().min(0).max(1).default(0),
    /** Re-check a mismatch once after this delay (replication lag); 0 turns it off. */
    recheckAfterMs: z.number().int().min(0).default(0),
    /** Diff paths whose values are hashed before they are stored. */
    redact: z.array(z.string()).default([]),
    /** Verdict thresholds of `figway report`. */
    maxMismatchRate: z.number().min(0).max(1).default(0.001),
    minSamples: z.number().int().min(1).default(100),
  })
  .prefault({});

const catalogueSchema = z.object({
  units: z
    .array(
      z.object({
        unit: unitName,
        flag: z.string().regex(/^[A-Za-z0-9._~-]+$/, 'a flag name uses letters, digits, . _ ~ -'),
        owner: z.string().min(1),
        description: z.string().min(1),
        fallback: z.enum(['none', 'legacy']).default('none'),
        shadow: shadowSchema,
      }),
    )
    .min(1),
});

/** How one unit's shadow reads run and are judged. */
export type ShadowSettings = z.infer<typeof shadowSchema>;

/** The shadow settings of a unit that sets none. */
export const DEFAULT_SHADOW: ShadowSettings = shadowSchema.parse(undefined);

/** One migration unit of the catalogue. */
export type CatalogueEntry = z.infer<typeof catalogueSchema>['units'][number];

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

function problems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

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

/**
 * Parses and checks flag definitions; every variant a strategy serves must name a
 * stage unless `stagesOnly` is false (for showing what a server holds as it is).
 */
export function parseDefinitions(
  value: unknown,
  source: string,
  options: { stagesOnly?: boolean } = {},
): FlagDefinitions {
  const parsed = definitionsSchema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`${source} is not a valid flag file: ${problems(parsed.error)}`);
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
  const parsed = catalogueSchema.safeParse(await readJson(path));
  if (!parsed.success) throw new ConfigError(`${path} is not a valid catalogue: ${problems(parsed.error)}`);
  const { units } = parsed.data;
  for (const key of ['unit', 'flag'] as const) {
    const seen = new Set<string>();
    for (const entry of units) {
      if (seen.has(entry[key])) throw new ConfigError(`${path}: ${key} ${entry[key]} appears twice.`);
      seen.add(entry[key]);
    }
  }
  return units;
}
