import { z } from 'zod';
import { ConfigError } from '../config.ts';

// The flag catalogue (flags/catalogue.json): every migration unit, its flag, owner,
// fallback policy and shadow settings. Routing reads it; the shadow runner and the
// reports use its settings, so it lives below both.

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
    /**
     * Paths by field names (whatever aliases the client used) whose values are hashed before
     * they are stored: every diff at, inside or enclosing one is hashed whole.
     */
    redact: z.array(z.string()).default([]),
    /**
     * Subscription units: how far the candidate side's event may trail the control's
     * (the mirror's lag) before it counts as missing.
     */
    lagWindowMs: z.number().int().positive().default(5000),
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

/** The problems zod found, one `path: message` each, for an error message. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/** Checks a parsed catalogue file; `source` names it in errors. Units and flags must be unique. */
export function parseCatalogue(value: unknown, source: string): CatalogueEntry[] {
  const parsed = catalogueSchema.safeParse(value);
  if (!parsed.success)
    throw new ConfigError(`${source} is not a valid catalogue: ${describeIssues(parsed.error)}`);
  const { units } = parsed.data;
  for (const key of ['unit', 'flag'] as const) {
    const seen = new Set<string>();
    for (const entry of units) {
      if (seen.has(entry[key])) throw new ConfigError(`${source}: ${key} ${entry[key]} appears twice.`);
      seen.add(entry[key]);
    }
  }
  return units;
}
