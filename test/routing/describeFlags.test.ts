import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CatalogueEntry, DEFAULT_SHADOW } from '../../src/core/catalogue.ts';
import { describeFlags, formatUnitStages, type StageLine } from '../../src/routing/describeFlags.ts';
import { type FlagDefinitions, parseDefinitions, writeDefinitions } from '../../src/routing/flagFiles.ts';
import { ruleOf } from '../../src/routing/stageRules.ts';
import type { StageSource } from '../../src/routing/stageSource.ts';
import { createUnleashFileStageSource } from '../../src/routing/unleashStageSources.ts';

const FLAG = 'figway.Commitment.status';
const entry = (unit: string): CatalogueEntry => ({
  unit,
  flag: `figway.${unit}`,
  owner: 'commitments',
  description: unit,
  fallback: 'none',
  shadow: DEFAULT_SHADOW,
});

// What Unleash 8's UI saves for a Gradual rollout: rollout as a string, default stickiness,
// the flag name as groupId, constraints with both flags, a variable-weight variant.
function uiStrategy(overrides: Record<string, unknown> = {}) {
  return {
    name: 'flexibleRollout',
    parameters: { rollout: '100', stickiness: 'default', groupId: FLAG },
    constraints: [],
    variants: [{ name: 'live', weight: 1000, weightType: 'variable', stickiness: 'default' }],
    ...overrides,
  };
}

const cohort = (values: string[], more: Record<string, unknown> = {}) => ({
  contextName: 'cohort',
  operator: 'IN',
  values,
  caseInsensitive: false,
  inverted: false,
  ...more,
});

function definitions(features: unknown[], extra: Record<string, unknown> = {}): FlagDefinitions {
  return parseDefinitions({ version: 2, features, ...extra }, 'test', { stagesOnly: false });
}

function linesOf(strategies: unknown[], feature: Record<string, unknown> = {}): StageLine[] {
  const flags = definitions([{ name: FLAG, enabled: true, strategies, variants: [], ...feature }]);
  const [unit] = describeFlags([entry('Commitment.status')], flags, (id) => (id === 'u-1' ? 'alice' : id));
  return unit?.lines ?? [];
}

const text = (lines: StageLine[]) => lines.map(({ who, stage }) => `${who} -> ${stage}`);

describe('describeFlags on strategies as Unleash UI makes them', () => {
  it('says the rollout percentage of a cohort rule, with its stickiness', () => {
    const lines = linesOf([
      uiStrategy({
        parameters: { rollout: '50', stickiness: 'default', groupId: FLAG },
        constraints: [cohort(['beta'])],
      }),
    ]);
    expect(text(lines)).toEqual([
      'cohort beta, 50% of them (stickiness default) -> live',
      'everyone else -> legacy',
    ]);
    expect(lines[0]).toMatchObject({
      served: [{ variant: 'live', stage: 'live', percent: 100 }],
      scope: { kind: 'cohorts', cohorts: ['beta'] },
    });
  });

  it('reads a cohort at 100% as figway writes it, and names a group other than the flag', () => {
    expect(text(linesOf([uiStrategy({ constraints: [cohort(['beta', 'staff'])] })]))).toEqual([
      'cohorts beta, staff -> live',
      'everyone else -> legacy',
    ]);
    const other = uiStrategy({ parameters: { rollout: '10', stickiness: 'userId', groupId: 'shared' } });
    expect(text(linesOf([other]))[0]).toBe('10% of users (stickiness userId, group shared) -> live');
  });

  it('describes any operator in Unleash UI words, with inverted and case', () => {
    const lines = linesOf([
      uiStrategy({
        constraints: [
          {
            contextName: 'emailDomain',
            operator: 'STR_ENDS_WITH',
            values: ['example.com'],
            caseInsensitive: true,
            inverted: false,
          },
          { contextName: 'cohort', operator: 'IN', values: ['beta'], caseInsensitive: false, inverted: true },
          {
            contextName: 'userId',
            operator: 'NOT_IN',
            values: ['u-1'],
            caseInsensitive: false,
            inverted: false,
          },
          { contextName: 'age', operator: 'NUM_GTE', value: '18', inverted: false },
          {
            contextName: 'currentTime',
            operator: 'DATE_AFTER',
            value: '2030-01-01T00:00:00.000Z',
            inverted: false,
          },
          { contextName: 'appVersion', operator: 'SEMVER_LT', value: '2.0.0', inverted: true },
        ],
      }),
    ]);
    expect(lines[0]?.who).toBe(
      'emailDomain is a string that ends with example.com (any case) and cohort is not one of beta' +
        ' and userId is not one of alice and age is a number greater than or equal to 18' +
        ' and currentTime is a date after 2030-01-01T00:00:00.000Z and appVersion is a SemVer not less than 2.0.0',
    );
    expect(lines[0]?.scope).toEqual({ kind: 'unit' });
  });

  it('gives the weights of several variants, fixed or variable', () => {
    const split = uiStrategy({
      constraints: [cohort(['beta'])],
      variants: [
        { name: 'live', weight: 250, weightType: 'fix', stickiness: 'default' },
        { name: 'shadow', weight: 750, weightType: 'variable', stickiness: 'default' },
      ],
    });
    const [line] = linesOf([split]);
    expect(line?.stage).toBe('live 25% / shadow 75% (stickiness default)');
    expect(line?.served.map((served) => [served.stage, served.percent])).toEqual([
      ['live', 25],
      ['shadow', 75],
    ]);
  });

  it('keeps the strategies in order and marks what never takes effect', () => {
    const lines = linesOf([
      uiStrategy({ constraints: [cohort(['beta'])], disabled: true }),
      uiStrategy({ name: 'geoFence', parameters: { country: 'NO' } }),
      uiStrategy({ constraints: [{ contextName: 'cohort', operator: 'STR_REVERSED', values: ['x'] }] }),
      uiStrategy({ variants: [{ name: 'on', weight: 1000, weightType: 'variable', stickiness: 'default' }] }),
      uiStrategy({
        variants: [{ name: 'complete', weight: 1000, weightType: 'variable', stickiness: 'default' }],
      }),
    ]);
    expect(text(lines)).toEqual([
      'cohort beta (strategy disabled) -> not evaluated',
      "custom strategy: geoFence (country=NO), which figway's Unleash client cannot evaluate: matches no one -> none (matches no one)",
      "cohort STR_REVERSED x (an operator figway's Unleash client does not know: never matches) -> none (matches no one)",
      'everyone -> on (not a stage: legacy)',
      'everyone -> never reached (everyone matched above)',
    ]);
    expect(lines.map((line) => line.scope.kind)).toEqual(['nobody', 'nobody', 'nobody', 'unit', 'nobody']);
  });

  it('says when the flag is off, on without strategies, or missing', () => {
    expect(text(linesOf([uiStrategy()], { enabled: false }))).toEqual(['everyone (flag off) -> legacy']);
    expect(text(linesOf([], { variants: [{ name: 'shadow', weight: 1000 }] }))).toEqual([
      'everyone (flag on, no strategy) -> shadow (the flag variants)',
    ]);
    const [missing] = describeFlags([entry('Commitment.title')], definitions([]));
    expect(text(missing?.lines ?? [])).toEqual(['everyone (flag missing: figway serves legacy) -> legacy']);
  });

  it('lays the table out with the WHO column as wide as its longest entry', () => {
    const units = describeFlags(
      [entry('Commitment.status')],
      definitions([
        {
          name: FLAG,
          enabled: true,
          strategies: [
            uiStrategy({
              parameters: { rollout: '50', stickiness: 'default', groupId: FLAG },
              constraints: [cohort(['beta'])],
            }),
          ],
          variants: [],
        },
      ]),
    );
    expect(formatUnitStages(units)).toBe(
      [
        `${'UNIT'.padEnd(32)}${'WHO'.padEnd(47)}STAGE`,
        `${'Commitment.status'.padEnd(32)}${'cohort beta, 50% of them (stickiness default)'.padEnd(47)}live`,
        `${''.padEnd(32)}${'everyone else'.padEnd(47)}legacy`,
        '',
      ].join('\n'),
    );
  });
});

describe('ruleOf', () => {
  it('reads no rule from a cohort at less than 100%, so figway never summarizes it as the whole cohort', () => {
    const half = uiStrategy({
      parameters: { rollout: '50', stickiness: 'default', groupId: FLAG },
      constraints: [cohort(['beta'])],
    });
    expect(ruleOf(half as never)).toBeNull();
    expect(ruleOf(uiStrategy({ constraints: [cohort(['beta'])] }) as never)).toEqual({
      selector: { kind: 'cohort', cohort: 'beta' },
      stage: 'live',
    });
  });
});

describe('the flags file source evaluates as Unleash serves', () => {
  let dir: string;
  let source: StageSource | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'figway-describe-'));
  });
  afterAll(async () => {
    await source?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('skips a disabled strategy and resolves segments by id, as the list describes', async () => {
    const path = join(dir, 'flags.json');
    const flags = definitions(
      [
        {
          name: FLAG,
          enabled: true,
          variants: [],
          strategies: [
            uiStrategy({
              disabled: true,
              variants: [{ name: 'complete', weight: 1000, weightType: 'variable', stickiness: 'default' }],
            }),
            uiStrategy({ segments: [7] }),
          ],
        },
      ],
      { segments: [{ id: 7, name: 'beta-testers', constraints: [cohort(['beta'])] }] },
    );
    await writeDefinitions(path, flags);
    source = await createUnleashFileStageSource({ path, logger: pino({ level: 'silent' }) });
    const beta = source.decide(FLAG, { userId: 'u-1', properties: { cohort: 'beta' } });
    const general = source.decide(FLAG, { userId: 'u-2', properties: { cohort: 'general' } });
    expect([beta.stage, general.stage]).toEqual(['live', 'legacy']);
    const [unit] = describeFlags([entry('Commitment.status')], flags);
    expect(text(unit?.lines ?? [])).toEqual([
      'everyone (strategy disabled) -> not evaluated',
      'segment beta-testers (cohort beta) -> live',
      'everyone else -> legacy',
    ]);
    expect(unit?.lines[1]?.scope).toEqual({ kind: 'cohorts', cohorts: ['beta'] });
  });

  it('reads a flag whose every strategy is disabled as off, as the gateway evaluates it', async () => {
    const path = join(dir, 'all-disabled.json');
    const flags = definitions([
      {
        name: FLAG,
        enabled: true,
        variants: [{ name: 'live', weight: 1000, weightType: 'variable', stickiness: 'default' }],
        strategies: [uiStrategy({ disabled: true })],
      },
    ]);
    await writeDefinitions(path, flags);
    const served = await createUnleashFileStageSource({ path, logger: pino({ level: 'silent' }) });
    try {
      expect(served.decide(FLAG, { userId: 'u-1', properties: {} }).stage).toBe('legacy');
    } finally {
      await served.close();
    }
    const [unit] = describeFlags([entry('Commitment.status')], flags);
    expect(unit?.lines.flatMap((line) => line.served.map((entry) => entry.stage))).toEqual([]);
    expect(text(unit?.lines ?? []).at(-1)).toBe('everyone (flag off: every strategy is disabled) -> legacy');
  });
});
