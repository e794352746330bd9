// figway reconcile takes the commitments' authority from the stage of Mutation.updateCommitmentStatus
// for everyone. Where gateways refuse that unit's writes (its flag serves a variant that is not a
// stage), the command refuses too, rather than reading legacy and repairing in the wrong direction.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogue } from '../../src/routing/flagFiles.ts';
import { fetchClientDefinitions, pushDefinitions } from '../../src/routing/unleashAdmin.ts';
import {
  adminOf,
  stagedDefinitions,
  storedFlag,
  strategiesPath,
} from '../routing/unleash/stagedDefinitions.ts';
import { freshDataDir } from '../support/dataDir.ts';
import { eventually } from '../support/eventually.ts';
import { figway, type ServeProcess, startServe } from '../support/figwayProcess.ts';
import { startUnleashServer, type UnleashServer, unleashAvailable } from '../support/unleashServer.ts';

const available = await unleashAvailable();

const MUTATION_FLAG = 'figway.Mutation.updateCommitmentStatus';

// The variants Unleash's client API serves on `flag`'s strategies.
async function servedVariants(server: UnleashServer, flag: string): Promise<string[]> {
  const { features } = (await fetchClientDefinitions(server.url, server.clientToken)) as {
    features: Array<{ name: string; strategies?: Array<{ variants?: Array<{ name: string }> }> }>;
  };
  const feature = features.find((candidate) => candidate.name === flag);
  return feature?.strategies?.flatMap((strategy) => strategy.variants?.map(({ name }) => name) ?? []) ?? [];
}

describe.runIf(available)('figway reconcile with a Mutation flag made by hand in Unleash', () => {
  let server: UnleashServer;
  let dataDirs: string[];
  let gateway: ServeProcess | undefined;

  beforeAll(async () => {
    [server, ...dataDirs] = await Promise.all([
      startUnleashServer(),
      freshDataDir('figway-reconcile-unknown-'),
      freshDataDir('figway-reconcile-unknown-gateway-'),
    ]);
    const everyoneLive = {
      flag: MUTATION_FLAG,
      rule: { selector: { kind: 'everyone' }, stage: 'live' },
    } as const;
    await pushDefinitions(await readCatalogue(), await stagedDefinitions([everyoneLive]), adminOf(server));
    // The rule for everyone, its variant renamed as a typo in Unleash's UI would.
    const [rule] = (await storedFlag(server, MUTATION_FLAG)).strategies;
    if (rule === undefined) throw new Error(`${MUTATION_FLAG} has no strategy`);
    await server.admin('PUT', `${strategiesPath(MUTATION_FLAG)}/${rule.id}`, {
      name: rule.name,
      parameters: rule.parameters,
      constraints: rule.constraints,
      variants: rule.variants.map((variant) => ({ ...variant, name: 'liv' })),
    });
    // Unleash's client API follows admin changes with a short delay of its own.
    await eventually(
      () => servedVariants(server, MUTATION_FLAG),
      (names) => names.includes('liv'),
      10_000,
    );
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
    await Promise.all((dataDirs ?? []).map((dir) => rm(dir, { recursive: true, force: true })));
  }, 60_000);

  const unleashEnv = (dataDir: string) => ({
    FIGWAY_DATA_DIR: dataDir,
    UNLEASH_URL: server.url,
    UNLEASH_API_TOKEN: server.clientToken,
  });

  it('refuses to run alone, exit 2, naming the flag and the variant it serves, and repairs nothing', async () => {
    const [dataDir = ''] = dataDirs;
    const refused = await figway(['reconcile', 'commitments', '--repair', '--json'], unleashEnv(dataDir));
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'figway: the stage of Mutation.updateCommitmentStatus for everyone is unknown: ' +
        `its flag ${MUTATION_FLAG} (${server.url}) serves variant "liv", which is not a stage ` +
        '(legacy, dualwrite, shadow, live, rampdown, complete). Gateways refuse its writes until the flag ' +
        'names a stage, and which side is authoritative cannot be told, so nothing was done. ' +
        'Name a stage in the flag, then run the command again.\n',
    );
    // The embedded default's targets start empty: still empty, so nothing was copied to them.
    const after = await figway(['reconcile', 'commitments', '--json'], { FIGWAY_DATA_DIR: dataDir });
    expect(after.code, after.stderr).toBe(1);
    const result = JSON.parse(after.stdout) as { compared: number; missingOnTarget: number };
    expect(result.compared).toBeGreaterThan(0);
    expect(result.missingOnTarget).toBe(result.compared);
  }, 60_000);

  it('prints the refusal of a running gateway that does not know the stage, exit 1', async () => {
    const [, dataDir = ''] = dataDirs;
    gateway = await startServe({ ...unleashEnv(dataDir), UNLEASH_REFRESH_MS: '1000' });
    const refused = await figway(['reconcile', 'commitments', '--repair'], unleashEnv(dataDir));
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^figway reconcile: Mutation\.updateCommitmentStatus was refused and nothing was written: [^\n]*\n$/,
    );
  }, 90_000);

  it('reads a missing Mutation flag as legacy, as gateways do', async () => {
    await server.admin('DELETE', `/admin/projects/default/features/${MUTATION_FLAG}`);
    await eventually(
      async () => (await servedVariants(server, MUTATION_FLAG)).length,
      (count) => count === 0,
      10_000,
    );
    const [dataDir = ''] = dataDirs;
    const result = await figway(['reconcile', 'commitments', '--json'], unleashEnv(dataDir));
    // 1 (the targets are empty), or 0 where an earlier run repaired them.
    expect([0, 1], result.stderr).toContain(result.code);
    expect(JSON.parse(result.stdout)).toMatchObject({
      authority: { side: 'legacy', unit: 'Mutation.updateCommitmentStatus', stage: 'legacy' },
    });
  }, 60_000);
});
