import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.ts';
import { type CatalogueEntry, DEFAULT_SHADOW } from '../../src/core/catalogue.ts';
import { mirrorSide, readSide, STAGES, writeSide } from '../../src/core/stage.ts';
import { checkCatalogue } from '../../src/routing/checkCatalogue.ts';
import { parseDefinitions } from '../../src/routing/flagFiles.ts';
import { forcedStages } from '../../src/routing/forcedStages.ts';
import { ruleOf, setRule } from '../../src/routing/stageRules.ts';
import { decideStage, type VariantClient } from '../../src/routing/stageSource.ts';

const ADMIN = { kind: 'service', id: null, claims: {}, token: 't' } as const;
const USER = {
  kind: 'user',
  id: 'u1',
  email: 'u@example.com',
  cohort: 'beta',
  claims: {},
  token: 't',
} as const;

describe('stages', () => {
  it('reads legacy in the first three stages and target in the last three, mirroring in between', () => {
    expect(
      STAGES.map((stage) => `${stage}:${readSide(stage)}:${writeSide(stage)}:${mirrorSide(stage)}`),
    ).toEqual([
      'legacy:legacy:legacy:null',
      'dualwrite:legacy:legacy:target',
      'shadow:legacy:legacy:target',
      'live:target:target:legacy',
      'rampdown:target:target:legacy',
      'complete:target:target:null',
    ]);
  });
});

describe('setRule', () => {
  const empty = { name: 'figway.Commitment.status', enabled: false, strategies: [], variants: [] };

  it('orders rules users, cohort, percent, everyone, and replaces a rule for the same cohort', () => {
    let feature = setRule(empty, { selector: { kind: 'everyone' }, stage: 'dualwrite' });
    feature = setRule(feature, { selector: { kind: 'percent', percent: 10 }, stage: 'shadow' });
    feature = setRule(feature, { selector: { kind: 'cohort', cohort: 'beta' }, stage: 'shadow' });
    feature = setRule(feature, { selector: { kind: 'users', userIds: ['u1'] }, stage: 'complete' });
    feature = setRule(feature, { selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' });
    expect(feature.enabled).toBe(true);
    expect(feature.strategies.map((strategy) => ruleOf(strategy))).toEqual([
      { selector: { kind: 'users', userIds: ['u1'] }, stage: 'complete' },
      { selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' },
      { selector: { kind: 'percent', percent: 10 }, stage: 'shadow' },
      { selector: { kind: 'everyone' }, stage: 'dualwrite' },
    ]);
  });

  it('keeps a strategy made by hand in Unleash, ahead of its own', () => {
    const handmade = { name: 'default', parameters: {}, constraints: [], variants: [] };
    const feature = setRule(
      { ...empty, strategies: [handmade] },
      { selector: { kind: 'everyone' }, stage: 'live' },
    );
    expect(feature.strategies[0]).toBe(handmade);
    expect(ruleOf(handmade)).toBeNull();
  });
});

describe('parseDefinitions', () => {
  it('names the flag and the variant when a variant is not a stage', () => {
    const definitions = {
      version: 2,
      features: [
        {
          name: 'figway.Query.me',
          enabled: true,
          strategies: [{ name: 'default', variants: [{ name: 'on', weight: 1000 }] }],
        },
      ],
    };
    expect(() => parseDefinitions(definitions, 'flags.json')).toThrow(
      /flag figway.Query.me serves variant "on", which is not a stage/,
    );
  });

  it('names the path of a malformed field', () => {
    expect(() =>
      parseDefinitions({ version: 2, features: [{ name: 'x', enabled: 'yes' }] }, 'flags.json'),
    ).toThrow(/flags.json is not a valid flag file: features.0.enabled/);
  });
});

describe('checkCatalogue', () => {
  const entry = (unit: string): CatalogueEntry => ({
    unit,
    flag: `figway.${unit}`,
    owner: 'o',
    description: 'd',
    fallback: 'none',
    shadow: DEFAULT_SHADOW,
  });

  it('lists every disagreement between catalogue, resolvers and definitions', () => {
    const definitions = {
      version: 2,
      features: [{ name: 'figway.Query.me', enabled: false, strategies: [], variants: [] }],
    };
    let error: unknown;
    try {
      checkCatalogue([entry('Query.me'), entry('Query.orphan')], ['Query.me', 'Query.unlisted'], definitions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/Query.unlisted is migrated in resolvers\/ but missing/);
    expect(String(error)).toMatch(/Query.orphan is in flags\/catalogue.json but no resolver migrates it/);
    expect(String(error)).toMatch(/flag figway.Query.orphan \(Query.orphan\) has no definition/);
  });

  it('accepts a catalogue that matches', () => {
    expect(() => checkCatalogue([entry('Query.me')], ['Query.me'], null)).not.toThrow();
  });
});

describe('forcedStages', () => {
  const UNITS = new Set(['Query.commitment', 'Commitment.status']);

  it('parses an admin header and ignores the header for anyone else', () => {
    expect(forcedStages(ADMIN, 'Query.commitment=live, Commitment.status=shadow', UNITS).stages).toEqual(
      new Map([
        ['Query.commitment', 'live'],
        ['Commitment.status', 'shadow'],
      ]),
    );
    expect(forcedStages(USER, 'Query.commitment=live', UNITS)).toEqual({ ignored: true });
  });

  it('never forces a Mutation unit, whose stage is one for everyone, and lists it for the caller to log', () => {
    const units = new Set([...UNITS, 'Mutation.updateCommitmentStatus']);
    expect(
      forcedStages(ADMIN, 'Mutation.updateCommitmentStatus=live, Commitment.status=shadow', units),
    ).toEqual({
      stages: new Map([['Commitment.status', 'shadow']]),
      ignored: false,
      ignoredMutations: [{ unit: 'Mutation.updateCommitmentStatus', stage: 'live' }],
    });
  });

  it('refuses a malformed header from an admin with BAD_REQUEST', () => {
    expect(() => forcedStages(ADMIN, 'Query.commitment=sideways', UNITS)).toThrow(/not Unit=stage/);
  });

  it('refuses a unit that does not exist, listing the units there are', () => {
    expect(() => forcedStages(ADMIN, 'Commitment.stauts=live', UNITS)).toThrow(
      /no migration unit is called "Commitment.stauts". Units: Commitment.status, Query.commitment/,
    );
  });
});

describe('decideStage', () => {
  const client = (variant: { name: string; enabled: boolean }, known = true): VariantClient => ({
    getFeatureToggleDefinition: () => (known ? {} : undefined),
    getVariant: () => variant,
  });
  const context = { userId: 'u1', properties: {} };

  it('takes the stage from an enabled variant, and legacy when the flag is off', () => {
    expect(decideStage(client({ name: 'live', enabled: true }), 'f', context)).toEqual({
      stage: 'live',
      reason: 'variant',
    });
    expect(decideStage(client({ name: 'disabled', enabled: false }), 'f', context)).toEqual({
      stage: 'legacy',
      reason: 'off',
    });
  });

  it('fails closed to legacy, saying why, for every kind of trouble', () => {
    const throwing: VariantClient = {
      getFeatureToggleDefinition: () => ({}),
      getVariant: () => {
        throw new Error('boom');
      },
    };
    expect(decideStage(null, 'f', context).reason).toBe('not-synchronized');
    expect(decideStage(client({ name: 'live', enabled: true }, false), 'f', context).reason).toBe(
      'unknown-flag',
    );
    expect(decideStage(client({ name: 'sideways', enabled: true }), 'f', context)).toEqual({
      stage: 'legacy',
      reason: 'not-a-stage',
    });
    expect(decideStage(throwing, 'f', context)).toEqual({ stage: 'legacy', reason: 'error' });
  });
});
