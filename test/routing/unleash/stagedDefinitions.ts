import { demoUser } from '../../../harness/testGateway.ts';
import { FLAGS_DIR, type FlagDefinitions, readDefinitions } from '../../../src/routing/flagFiles.ts';
import { type StageRule, setRule } from '../../../src/routing/stageRules.ts';
import type { UnleashAdminOptions } from '../../../src/routing/unleashAdmin.ts';
import type { UnleashServer } from '../../support/unleashServer.ts';

/** The flag of `Commitment.status`, which the beta cohort has live. */
export const STATUS_FLAG = 'figway.Commitment.status';
/** The flag of `Query.commitment`, which alice alone has in shadow. */
export const COMMITMENT_FLAG = 'figway.Query.commitment';

/** A strategy as Unleash's admin API stores it. */
export interface StoredStrategy {
  id: string;
  name: string;
  parameters: Record<string, string>;
  constraints: Array<{ contextName: string; operator: string; values: string[] }>;
  variants: Array<{ name: string; weight: number; stickiness: string; weightType: string }>;
}

/**
 * The default definitions of flags/ (every flag off) with two rules: cohort beta has
 * `Commitment.status` live, and alice alone has `Query.commitment` in shadow.
 */
export async function stagedDefinitions(
  extra: ReadonlyArray<{ flag: string; rule: StageRule }> = [],
): Promise<FlagDefinitions> {
  const defaults = await readDefinitions(`${FLAGS_DIR}/definitions.json`);
  const rules = [
    { flag: STATUS_FLAG, rule: { selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' } },
    {
      flag: COMMITMENT_FLAG,
      rule: { selector: { kind: 'users', userIds: [demoUser('alice').id] }, stage: 'shadow' },
    },
    ...extra,
  ] satisfies ReadonlyArray<{ flag: string; rule: StageRule }>;
  const features = defaults.features.map((feature) =>
    rules
      .filter(({ flag }) => flag === feature.name)
      .reduce((staged, { rule }) => setRule(staged, rule), feature),
  );
  return { ...defaults, features };
}

/** How pushDefinitions reaches `server` with its admin token. */
export function adminOf(server: UnleashServer): UnleashAdminOptions {
  return { url: server.url, token: server.adminToken };
}

/** The path of a flag's strategies in the `development` environment, under /api. */
export function strategiesPath(flag: string): string {
  return `/admin/projects/default/features/${flag}/environments/development/strategies`;
}

/** A flag as the admin API stores it: archived or not, and its `development` environment. */
export async function storedFlag(
  server: UnleashServer,
  flag: string,
): Promise<{ enabled: boolean; strategies: StoredStrategy[] }> {
  const feature = (await server.admin('GET', `/admin/projects/default/features/${flag}`)) as {
    environments: Array<{ name: string; enabled: boolean; strategies: StoredStrategy[] }>;
  };
  const development = feature.environments.find((environment) => environment.name === 'development');
  if (development === undefined) throw new Error(`${flag} has no development environment`);
  return development;
}
