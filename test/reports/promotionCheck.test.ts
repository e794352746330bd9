import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import type { Database } from '../../src/core/database.ts';
import { buildShadowReport, DEFAULT_THRESHOLDS } from '../../src/reports/buildShadowReport.ts';
import { formatPromotionCheck } from '../../src/reports/formatPromotionCheck.ts';
import { judgeMovedRules, type MovedRule } from '../../src/reports/promotionCheck.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { insertObservations, observation, times } from './insertObservations.ts';

const engines = await testEngines();

const NOW = new Date('2025-06-01T12:00:00.000Z');
const SINCE = new Date(NOW.getTime() - 24 * 3_600_000);
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const mismatch = {
  outcome: 'mismatched' as const,
  diffs: [{ path: 'commitment.status', control: 'A', candidate: 'B' }],
};

const rule = (evidence: MovedRule['evidence'], unit = 'Commitment.status'): MovedRule => ({
  unit,
  flag: `figway.${unit}`,
  who: 'cohort beta',
  stages: ['live'],
  evidence,
});

describe.each(engines)('judgeMovedRules ($name)', (engine) => {
  let db: Database;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ db, drop } = await engine.create());
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
    await insertObservations(db, [
      // beta: 150 matched, 2 mismatched sampled at 50% (4 weighted), rows of the old dropped outcome.
      ...times(150, (i) => observation(ago(i + 1))),
      ...times(2, (i) => observation(ago(i + 1), { ...mismatch, sampleRate: 0.5 })),
      ...times(5, (i) => observation(ago(i + 1), { outcome: 'dropped' })),
      // general: 120 matched, one user's hash on half of them; and one before the period.
      ...times(120, (i) =>
        observation(ago(i + 1), { cohort: 'general', userHash: i < 60 ? 'h-bob' : 'h-dave' }),
      ),
      observation(ago(48 * 60), { cohort: 'general', ...mismatch }),
    ]);
  });
  afterAll(async () => {
    await drop?.();
  });

  it('judges a cohort rule exactly as the shadow-diff report judges that unit and cohort', async () => {
    const report = await buildShadowReport(db, { since: SINCE, now: NOW });
    const check = await judgeMovedRules(
      db,
      [rule({ kind: 'cohort', cohort: 'beta' }), rule({ kind: 'cohort', cohort: 'general' })],
      {
        since: SINCE,
        now: NOW,
        thresholdsFor: () => DEFAULT_THRESHOLDS,
      },
    );
    for (const judged of check.checked) {
      const evidence = judged.evidence.kind === 'cohort' ? judged.evidence.cohort : '';
      const row = report.units.find((unit) => unit.unit === judged.unit && unit.cohort === evidence);
      expect(judged).toMatchObject({
        samples: row?.samples,
        mismatchRate: row?.mismatchRate,
        verdict: row?.verdict,
        reason: row?.reason,
      });
    }
    expect(check.checked.map((judged) => [judged.samples, judged.verdict])).toEqual([
      [152, 'rollback'],
      [120, 'ready'],
    ]);
    expect(check.withoutEvidence.map((judged) => judged.evidence)).toEqual([
      { kind: 'cohort', cohort: 'beta' },
    ]);
    expect(check).toMatchObject({ generatedAt: NOW.toISOString(), since: SINCE.toISOString() });
  });

  it("judges a user rule on those users' observations, and anything else on the whole unit", async () => {
    const check = await judgeMovedRules(
      db,
      [
        rule({ kind: 'users', users: ['bob'], userHashes: ['h-bob'] }),
        rule({ kind: 'unit', why: 'observations do not record which rule picked the user' }),
        rule({ kind: 'cohort', cohort: 'beta' }, 'Query.me'),
      ],
      { since: SINCE, now: NOW, thresholdsFor: () => ({ ...DEFAULT_THRESHOLDS, minSamples: 50 }) },
    );
    expect(check.checked.map((judged) => [judged.samples, judged.verdict])).toEqual([
      [60, 'ready'],
      [272, 'rollback'],
      [0, 'hold'],
    ]);
    const text = formatPromotionCheck(check);
    expect(text).toContain('2 of 3 rules at live, rampdown or complete moved without evidence');
    expect(text).toContain(
      'evidence: every observation of the unit (observations do not record which rule picked the user), 272 samples: ROLLBACK.',
    );
    expect(text).toContain(
      'Query.me  cohort beta -> live\n  evidence: cohort beta, 0 samples: HOLD. Only 0 of the 50 samples needed',
    );
    expect(text).toContain('Ready: Commitment.status (users bob).');
  });
});
