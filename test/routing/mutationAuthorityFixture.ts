import { InMemStorageProvider, Unleash } from 'unleash-client';
import { demoUser } from '../../harness/testGateway.ts';
import type { Viewer } from '../../src/backends/viewer.ts';
import type { CatalogueEntry } from '../../src/core/catalogue.ts';
import { type FlagDefinitions, type FlagStrategy, readCatalogue } from '../../src/routing/flagFiles.ts';
import { createRequestRouter } from '../../src/routing/requestRouter.ts';
import { strategyOf } from '../../src/routing/stageRules.ts';
import { decideStage, type StageSource } from '../../src/routing/stageSource.ts';

/** The Mutation unit under test, its flag, and the refusal of a rule for some users only on it. */
export const MUTATION = 'Mutation.updateCommitmentStatus';
export const MUTATION_FLAG = `figway.${MUTATION}`;
export const REFUSAL =
  /Mutation units take one stage for everyone: a row must have one authoritative side at a time, or two users in different stages would write diverging histories\. Move it for everyone: figway flags set Mutation\.updateCommitmentStatus live/;

/** The shipped catalogue, and its entries by unit. */
export const catalogue = await readCatalogue();
export const units = new Map(catalogue.map((entry) => [entry.unit, entry] as [string, CatalogueEntry]));

/** The demo user `username` as the gateway's viewer. */
export function viewerOf(username: string): Viewer {
  const user = demoUser(username);
  return { kind: 'user', id: user.id, email: user.email, cohort: user.cohort, claims: {}, token: 't' };
}

/** The stage the request router gives `username` for `unit`, with targets available. */
export function stageOf(source: StageSource, username: string, unit: string) {
  return createRequestRouter(viewerOf(username), {
    source,
    catalogue: units,
    targetsAvailable: true,
    onFlagProblem: () => {},
    onRouteFallback: () => {},
  }).stageOf(unit);
}

/** The definitions with `strategy` put first on the flag of `unit`, as someone could in Unleash. */
export function withStrategy(
  definitions: FlagDefinitions,
  flag: string,
  strategy: FlagStrategy,
): FlagDefinitions {
  return {
    ...definitions,
    features: definitions.features.map((feature) =>
      feature.name === flag
        ? { ...feature, enabled: true, strategies: [strategy, ...feature.strategies] }
        : feature,
    ),
  };
}

/** A stage source over unleash-client evaluating `definitions` offline, skipping figway's file checks. */
export async function offlineSource(definitions: FlagDefinitions): Promise<StageSource> {
  const client = new Unleash({
    url: 'http://127.0.0.1:9/figway-offline',
    appName: 'figway-test',
    refreshInterval: 0,
    disableMetrics: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: { data: definitions.features as never },
  });
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  return {
    decide: (flag, context) => decideStage(client, flag, context),
    close: async () => client.destroy(),
  };
}

/** The Mutation flag's strategy putting the beta cohort at live, which figway refuses. */
export const BETA_LIVE = strategyOf(MUTATION_FLAG, {
  selector: { kind: 'cohort', cohort: 'beta' },
  stage: 'live',
});
