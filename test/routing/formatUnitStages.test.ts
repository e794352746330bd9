import { describe, expect, it } from 'vitest';
import { formatUnitStages, type UnitStages } from '../../src/routing/describeFlags.ts';

function unit(name: string, who: string, stage: 'legacy' | 'complete'): UnitStages {
  return {
    unit: name,
    flag: `figway.${name}`,
    owner: 'commitments',
    description: name,
    lines: [{ who, stage, served: [], scope: { kind: 'unit' } }],
  };
}

describe('formatUnitStages', () => {
  it('keeps a unit name longer than the column apart from who it applies to', () => {
    const text = formatUnitStages([
      unit('Query.me', 'everyone', 'legacy'),
      unit('Subscription.myCommitmentActivity', 'cohort beta', 'complete'),
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines[2]).toMatch(/^Subscription\.myCommitmentActivity +cohort beta +complete$/);
    // Every column starts at the same place on every line.
    const whoAt = (line: string | undefined) => line?.search(/(WHO|everyone|cohort beta)/);
    expect(new Set(lines.map(whoAt)).size).toBe(1);
  });
});
