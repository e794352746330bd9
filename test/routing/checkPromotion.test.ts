import { describe, expect, it } from 'vitest';
import { demoUser } from '../../harness/testGateway.ts';
import { ErrorCode } from '../../src/errors.ts';
import { createPromotionCheck, movedRules } from '../../src/routing/checkPromotion.ts';
import type { Routing } from '../../src/routing/createRouting.ts';
import { describeFlags } from '../../src/routing/describeFlags.ts';
import { readCatalogue } from '../../src/routing/flagFiles.ts';
import { keyedHash } from '../../src/shadow/redact.ts';
import { flagsWith } from '../support/stageFlags.ts';

const catalogue = await readCatalogue();
const alice = demoUser('alice').id;

async function unitsWith(rules: Parameters<typeof flagsWith>[0]) {
  return describeFlags(catalogue, await flagsWith(rules));
}

describe('movedRules', () => {
  it('takes the rules at live, rampdown or complete, one per cohort, with their evidence', async () => {
    const units = await unitsWith({
      'Commitment.status': [
        { selector: { kind: 'users', userIds: [alice] }, stage: 'complete' },
        { selector: { kind: 'cohort', cohort: 'beta' }, stage: 'live' },
        { selector: { kind: 'percent', percent: 10 }, stage: 'shadow' },
      ],
      'Mutation.addParty': [{ selector: { kind: 'everyone' }, stage: 'rampdown' }],
    });
    const rules = movedRules(units, { salt: 's', userNames: (id) => (id === alice ? 'alice' : id) });
    expect(rules).toEqual([
      {
        unit: 'Commitment.status',
        flag: 'figway.Commitment.status',
        who: `users ${alice}`,
        stages: ['complete'],
        evidence: { kind: 'users', users: ['alice'], userHashes: [keyedHash(alice, 's')] },
      },
      {
        unit: 'Commitment.status',
        flag: 'figway.Commitment.status',
        who: 'cohort beta',
        stages: ['live'],
        evidence: { kind: 'cohort', cohort: 'beta' },
      },
      {
        unit: 'Mutation.addParty',
        flag: 'figway.Mutation.addParty',
        who: 'everyone',
        stages: ['rampdown'],
        evidence: { kind: 'unit', why: 'observations do not record which rule picked the user' },
      },
    ]);
  });

  it('judges a user rule on the whole unit, and says why, without the salt', async () => {
    const units = await unitsWith({
      'Query.commitment': [{ selector: { kind: 'users', userIds: [alice] }, stage: 'live' }],
    });
    expect(movedRules(units, { salt: null }).map((rule) => rule.evidence)).toEqual([
      { kind: 'unit', why: 'user ids match observations only with the salt (FIGWAY_SHADOW_SALT)' },
    ]);
  });
});

describe('createPromotionCheck', () => {
  it('refuses with BACKEND_UNAVAILABLE while the gateway has no flags yet', async () => {
    // A fake of the one part of Routing the check reads: Unleash not reached yet.
    const routing = { catalogue: new Map(), flagDefinitions: () => null } as unknown as Routing;
    const check = createPromotionCheck(routing, { query: async () => [] }, { salt: null });
    await expect(check(new Date(0), new Date())).rejects.toMatchObject({
      extensions: { code: ErrorCode.BACKEND_UNAVAILABLE },
      message: expect.stringMatching(/has not loaded its flags yet/),
    });
  });
});
