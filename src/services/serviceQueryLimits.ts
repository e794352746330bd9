import type { QueryLimits } from '../config.ts';
import { QUERY_LIMIT_SETTINGS } from '../server/refuseQuery.ts';

/**
 * The query limits of a target service when no setting changes them. Its caller is a
 * gateway, which merges the reads of one resolver level into one document (an alias and
 * a root field per merged read, and long key lists): the client-facing limits would
 * refuse that. The depth stays close to the gateway's. The estimated cost (priced by
 * serviceCostEstimator, one item per key) is bounded at 50,000: the gateway's page of
 * 100 commitments with their parties and documents costs about 3,100, and one resolver
 * level's reads at their largest (that page and 1000 commitments by id with their parts,
 * merged into one document) about 32,000, or 48,000 with the parties and documents of
 * 1000 commitments read without them; 1000 aliases of a 1000-key batch cost over 2,000,000.
 */
export const SERVICE_QUERY_LIMITS: Readonly<QueryLimits> = {
  maxDepth: 12,
  maxAliases: 1000,
  maxRootFields: 1000,
  maxDirectives: 1000,
  maxTokens: 100_000,
  maxCost: 50_000,
  assumedListSize: 10,
};

/**
 * The limits a target service applies: each one set in `env` (FIGWAY_MAX_QUERY_DEPTH, ...)
 * as `configured` reads it, the others {@link SERVICE_QUERY_LIMITS}; so a refusal that
 * names a setting names one that raises the limit.
 */
export function serviceQueryLimits(env: NodeJS.ProcessEnv, configured: QueryLimits): QueryLimits {
  const limits = { ...SERVICE_QUERY_LIMITS };
  for (const key of Object.keys(QUERY_LIMIT_SETTINGS) as Array<keyof QueryLimits>) {
    const value = env[QUERY_LIMIT_SETTINGS[key]];
    if (value !== undefined && value !== '') limits[key] = configured[key];
  }
  return limits;
}
