import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StageLine } from '../../../src/routing/describeFlags.ts';
import { readCatalogue } from '../../../src/routing/flagFiles.ts';
import type { StageSource } from '../../../src/routing/stageSource.ts';
import { pushDefinitions } from '../../../src/routing/unleashAdmin.ts';
import { createUnleashServerStageSource } from '../../../src/routing/unleashStageSources.ts';
import { eventually } from '../../support/eventually.ts';
import { figway } from '../../support/figwayProcess.ts';
import { startUnleashServer, type UnleashServer, unleashAvailable } from '../../support/unleashServer.ts';
import { adminOf, STATUS_FLAG, stagedDefinitions, strategiesPath } from './stagedDefinitions.ts';

const available = await unleashAvailable();

const PARTIES_FLAG = 'figway.Commitment.parties';
const TYPE_FLAG = 'figway.Commitment.type';

// The bodies Unleash 8's UI posts when a strategy is saved: rollout as a string, Default
// stickiness, the flag name as groupId, both constraint switches, weightType on variants.
function uiStrategy(flag: string, body: Record<string, unknown>) {
  return {
    name: 'flexibleRollout',
    title: '',
    disabled: false,
    segments: [],
    constraints: [],
    parameters: { rollout: '100', stickiness: 'default', groupId: flag },
    variants: [],
    ...body,
  };
}

const constraint = (contextName: string, operator: string, values: string[], more = {}) => ({
  contextName,
  operator,
  values,
  caseInsensitive: false,
  inverted: false,
  ...more,
});

const variant = (name: string, weight: number, weightType: 'fix' | 'variable') => ({
  name,
  weight,
  weightType,
  stickiness: 'default',
});

interface Listed {
  unit: string;
  lines: StageLine[];
}

describe.runIf(available)('figway flags list on strategies made as the Unleash UI makes them', () => {
  let server: UnleashServer;
  let dataDir: string;
  let source: StageSource | undefined;

  beforeAll(async () => {
    [server, dataDir] = await Promise.all([startUnleashServer(), mkdtemp(join(tmpdir(), 'figway-ui-list-'))]);
    await pushDefinitions(await readCatalogue(), await stagedDefinitions(), adminOf(server));
    await server.admin('POST', '/admin/context', { name: 'emailDomain', stickiness: false });
    await server.admin('POST', '/admin/strategies', {
      name: 'geoFence',
      description: 'a custom strategy',
      parameters: [{ name: 'country', type: 'string', description: '', required: false }],
    });
    // Commitment.status: figway pushed "cohort beta live"; replace it as a product person would.
    const stored = (await server.admin('GET', strategiesPath(STATUS_FLAG))) as Array<{ id: string }>;
    for (const strategy of stored)
      await server.admin('DELETE', `${strategiesPath(STATUS_FLAG)}/${strategy.id}`);
    const strategies = [
      uiStrategy(STATUS_FLAG, {
        parameters: { rollout: '50', stickiness: 'default', groupId: STATUS_FLAG },
        constraints: [constraint('cohort', 'IN', ['beta'])],
        variants: [variant('live', 1000, 'variable')],
      }),
      uiStrategy(STATUS_FLAG, {
        disabled: true,
        constraints: [constraint('cohort', 'IN', ['staff'])],
        variants: [variant('complete', 1000, 'variable')],
      }),
      uiStrategy(STATUS_FLAG, {
        constraints: [constraint('emailDomain', 'STR_ENDS_WITH', ['example.com'], { caseInsensitive: true })],
        variants: [variant('live', 200, 'fix'), variant('shadow', 800, 'variable')],
      }),
      uiStrategy(STATUS_FLAG, { name: 'geoFence', parameters: { country: 'NO' } }),
    ];
    for (const [sortOrder, strategy] of strategies.entries())
      await server.admin('POST', strategiesPath(STATUS_FLAG), { ...strategy, sortOrder });
    // Deleting a flag's last strategy switched it off in Unleash: on again, as in the UI.
    await server.admin('POST', `/admin/projects/default/features/${STATUS_FLAG}/environments/development/on`);
    // Commitment.parties: a rule for everyone, then switched off in the environment.
    await server.admin(
      'POST',
      strategiesPath(PARTIES_FLAG),
      uiStrategy(PARTIES_FLAG, { variants: [variant('live', 1000, 'variable')] }),
    );
    await server.admin(
      'POST',
      `/admin/projects/default/features/${PARTIES_FLAG}/environments/development/off`,
    );
    // Commitment.type: users picked by id, inverted and case-insensitive constraints.
    await server.admin(
      'POST',
      strategiesPath(TYPE_FLAG),
      uiStrategy(TYPE_FLAG, {
        parameters: { rollout: '25', stickiness: 'userId', groupId: 'titles' },
        constraints: [
          constraint('cohort', 'IN', ['general'], { inverted: true }),
          constraint('userId', 'NOT_IN', ['u-9']),
        ],
        variants: [variant('shadow', 1000, 'variable')],
      }),
    );
    await server.admin('POST', `/admin/projects/default/features/${TYPE_FLAG}/environments/development/on`);
  }, 120_000);

  afterAll(async () => {
    await source?.close();
    await server?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  const env = () => ({
    UNLEASH_URL: server.url,
    UNLEASH_API_TOKEN: server.clientToken,
    FIGWAY_DATA_DIR: dataDir,
  });

  // Unleash's client API follows admin changes with a short delay of its own.
  async function listed(): Promise<Listed[]> {
    const run = async () => {
      const result = await figway(['flags', 'list', '--json'], env());
      if (result.code !== 0) throw new Error(result.stderr);
      return JSON.parse(result.stdout) as Listed[];
    };
    return eventually(
      run,
      (units) => units.find((unit) => unit.unit === 'Commitment.type')?.lines.length === 2,
      10_000,
    );
  }

  it('lists every strategy in order: rollout, stickiness, constraints, variants with weights, custom ones', async () => {
    const units = await listed();
    const lines = (unit: string) =>
      units.find((entry) => entry.unit === unit)?.lines.map(({ who, stage }) => `${who} | ${stage}`);
    // The disabled strategy never reaches figway: Unleash serves only what it evaluates.
    expect(lines('Commitment.status')).toEqual([
      'cohort beta, 50% of them (stickiness default) | live',
      'emailDomain is a string that ends with example.com (any case) | live 20% / shadow 80% (stickiness default)',
      "custom strategy: geoFence (country=NO), which figway's Unleash client cannot evaluate: matches no one | none (matches no one)",
      'everyone else | legacy',
    ]);
    expect(lines('Commitment.parties')).toEqual(['everyone (flag off) | legacy']);
    expect(lines('Commitment.type')).toEqual([
      'cohort is not one of general and userId is not one of u-9, 25% of them (stickiness userId, group titles) | shadow',
      'everyone else | legacy',
    ]);
  });

  it('prints the same in the table', async () => {
    await listed();
    const text = await figway(['flags', 'list'], env());
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^Commitment\.status +cohort beta, 50% of them \(stickiness default\) +live$/m,
    );
    expect(text.stdout).toMatch(/^Commitment\.parties +everyone \(flag off\) +legacy$/m);
  });

  it('matches what routing does: half of beta live, the disabled strategy never applied', async () => {
    await listed();
    source = createUnleashServerStageSource({
      url: server.url,
      token: server.clientToken,
      refreshMs: 500,
      logger: pino({ level: 'silent' }),
    });
    const live = source;
    const stageOf = (userId: string, cohort: string, emailDomain = 'connect.test') =>
      live.decide(STATUS_FLAG, { userId, properties: { cohort, emailDomain } }).stage;
    await eventually(
      async () => stageOf('probe', 'general', 'example.com'),
      (stage) => stage !== 'legacy',
      10_000,
    );
    const beta = Array.from({ length: 400 }, (_, index) => stageOf(`beta-${index}`, 'beta'));
    const liveShare = beta.filter((stage) => stage === 'live').length / beta.length;
    expect(liveShare).toBeGreaterThan(0.4);
    expect(liveShare).toBeLessThan(0.6);
    expect(new Set(beta)).toEqual(new Set(['live', 'legacy']));
    expect(stageOf('staff-1', 'staff')).toBe('legacy');
    const byDomain = Array.from({ length: 400 }, (_, index) =>
      stageOf(`d-${index}`, 'general', 'EXAMPLE.COM'),
    );
    const shadowShare = byDomain.filter((stage) => stage === 'shadow').length / byDomain.length;
    expect(shadowShare).toBeGreaterThan(0.7);
    expect(shadowShare).toBeLessThan(0.9);
  });
});
