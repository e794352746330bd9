import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../src/reports/buildShadowReport.ts';
import { judgeVerdict } from '../../src/reports/judgeVerdict.ts';

const clean = { samples: 1000, mismatchRate: 0, candidateErrorRate: 0, timeoutRate: 0 };

describe('judgeVerdict', () => {
  it('is ready at exactly the mismatch maximum and the error bound', () => {
    const judged = judgeVerdict(
      { ...clean, mismatchRate: 0.001, candidateErrorRate: 0.03, timeoutRate: 0.02 },
      DEFAULT_THRESHOLDS,
    );
    expect(judged.verdict).toBe('ready');
    expect(judged.reason).toMatch(/0\.1% over 1000 samples \(at most 0\.1%\).*5% \(at most 5%\)/);
  });

  it('rolls back when timeouts and candidate errors together pass the bound', () => {
    const judged = judgeVerdict(
      { ...clean, candidateErrorRate: 0.03, timeoutRate: 0.021 },
      DEFAULT_THRESHOLDS,
    );
    expect(judged).toEqual({
      verdict: 'rollback',
      reason: 'Candidate errors and timeouts are 5.1% over 1000 samples, above the rollback bound of 5%.',
    });
  });

  it('rolls back above ten times the mismatch maximum, and holds at it', () => {
    expect(judgeVerdict({ ...clean, mismatchRate: 0.011 }, DEFAULT_THRESHOLDS)).toEqual({
      verdict: 'rollback',
      reason:
        'The mismatch rate is 1.1% over 1000 samples, above the rollback bound of 1% (10 times the 0.1% maximum).',
    });
    expect(judgeVerdict({ ...clean, mismatchRate: 0.01 }, DEFAULT_THRESHOLDS).verdict).toBe('hold');
  });

  it('never rolls back on fewer than 20 samples', () => {
    const judged = judgeVerdict(
      { samples: 19, mismatchRate: 0.5, candidateErrorRate: 0.5, timeoutRate: 0 },
      DEFAULT_THRESHOLDS,
    );
    expect(judged.verdict).toBe('hold');
    expect(judged.reason).toMatch(/^Only 19 of the 100 samples needed/);
    expect(judgeVerdict({ ...clean, samples: 20, candidateErrorRate: 0.5 }, DEFAULT_THRESHOLDS).verdict).toBe(
      'rollback',
    );
  });

  it('holds on errors above the bound when the unit needs fewer samples than a rollback', () => {
    const thresholds = { ...DEFAULT_THRESHOLDS, minSamples: 10 };
    const judged = judgeVerdict(
      { samples: 12, mismatchRate: 0, candidateErrorRate: 0.25, timeoutRate: 0 },
      thresholds,
    );
    expect(judged.verdict).toBe('hold');
    expect(judged.reason).toMatch(
      /25% over 12 samples, above the 5% bound, but too few samples to roll back/,
    );
  });
});
