import { describe, expect, it } from 'vitest';
import { formatShadowReport, REPORT_COLUMNS } from '../../src/reports/formatShadowReport.ts';
import type { ShadowReport, UnitCohortReport } from '../../src/reports/shadowReportTypes.ts';

function unitReport(overrides: Partial<UnitCohortReport>): UnitCohortReport {
  return {
    unit: 'Commitment.status',
    cohort: 'beta',
    samples: 200,
    comparisons: 200,
    effectiveSampleRate: 1,
    items: 200,
    matched: 200,
    mismatched: 0,
    noise: 0,
    candidateErrors: 0,
    timeouts: 0,
    mismatchRate: 0,
    noiseRate: 0,
    candidateErrorRate: 0,
    timeoutRate: 0,
    controlLatency: { p50: 12.5, p99: 40.25 },
    candidateLatency: { p50: 3.456, p99: 1234.5 },
    topPaths: [],
    verdict: 'ready',
    reason:
      'The mismatch rate is 0% over 200 samples (at most 0.1%) and candidate errors and timeouts are 0% (at most 5%).',
    ...overrides,
  };
}

const LONG_PATH = `commitment.${'parties.[id=3f0c9a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6].'.repeat(3)}role`;

const REPORT: ShadowReport = {
  generatedAt: '2025-06-01T12:00:00.000Z',
  since: '2025-05-31T12:00:00.000Z',
  units: [
    unitReport({}),
    unitReport({
      unit: `Commitment.${'aVeryLongFieldName'.repeat(6)}`,
      cohort: 'general',
      samples: 1_234_567,
      comparisons: 9_876_536.4,
      effectiveSampleRate: 0.125,
      items: 3_000_000,
      matched: 8_000_000,
      mismatched: 59_256,
      noise: 98_760,
      candidateErrors: 328,
      timeouts: 56,
      mismatchRate: 59_256 / 9_876_536.4,
      noiseRate: 98_760 / 9_876_536.4,
      candidateErrorRate: 328 / 9_876_536.4,
      timeoutRate: 56 / 9_876_536.4,
      controlLatency: { p50: null, p99: null },
      verdict: 'hold',
      reason:
        'The mismatch rate is 0.6% over 1234567 samples, above the 0.1% maximum for ready, and this sentence goes on long enough to need wrapping twice over in a terminal.',
      topPaths: [
        {
          path: 'commitment.status',
          count: 7_000,
          example: { observationId: 123_456_789, id: 'c-7', control: 'open', candidate: 'closed' },
        },
        {
          path: LONG_PATH,
          count: 407,
          example: {
            observationId: 42,
            control: { note: 'x'.repeat(300) },
            candidate: null,
          },
        },
      ],
    }),
    unitReport({
      unit: 'Query.commitment',
      cohort: '(none)',
      samples: 100,
      candidateErrors: 10,
      candidateErrorRate: 0.1,
      verdict: 'rollback',
      reason: 'Candidate errors and timeouts are 10% over 100 samples, above the rollback bound of 5%.',
    }),
  ],
};

describe('formatShadowReport', () => {
  const text = formatShadowReport(REPORT);
  const lines = text.split('\n');

  it(`keeps every line within ${REPORT_COLUMNS} columns`, () => {
    const tooLong = lines.filter((line) => Array.from(line).length > 80);
    expect(tooLong).toEqual([]);
    expect(lines.length).toBeGreaterThan(20);
  });

  it('shows the verdict of every unit and cohort, with its reason', () => {
    expect(lines[0]).toMatch(/^Shadow report: observations since 2025-05-31T12:00:00.000Z/);
    expect(lines.find((line) => line.startsWith('Commitment.status  cohort beta'))).toMatch(/READY$/);
    expect(lines.find((line) => line.startsWith('Query.commitment  cohort (none)'))).toMatch(/ROLLBACK$/);
    expect(lines.find((line) => line.startsWith('Commitment.aVeryLong'))).toMatch(/…\s+HOLD$/);
    expect(text).toContain('  Candidate errors and timeouts are 10% over 100 samples, above the rollback');
    expect(text).toMatch(/wrapping twice over in a\n {2}terminal\./);
  });

  it('says once that rates are per comparison, weighted by 1/sample rate', () => {
    expect(text).toContain(
      '\nRates are per comparison (one unit in one request, every list item judged\ntogether), weighted by 1/sample rate.\n',
    );
    expect(text.split('Rates are per comparison')).toHaveLength(2);
  });

  it('shows samples run, the effective sample rate, estimated comparisons and values compared', () => {
    expect(text).toContain('  samples 200   eff. rate 100%   comparisons 200   items 200\n');
    expect(text).toContain('  samples 1234567   eff. rate 12.5%   comparisons ≈9876536   items 3000000\n');
    expect(text).not.toContain('dropped');
  });

  it('shows outcome rates as percentages and latency of both sides', () => {
    expect(text).toContain('  mismatch 0%   noise 0%   candidate errors 10%   timeouts 0%');
    expect(text).toContain('mismatch 0.6%   noise 1%   candidate errors 0.00332%');
    expect(text).toContain('  control   p50 12.5 ms     p99 40.3 ms');
    expect(text).toContain('  candidate p50 3.46 ms     p99 1235 ms');
    expect(text).toContain('  control   p50 -           p99 -');
  });

  it('lists the top paths with counts and a shortened example', () => {
    expect(text).toContain('    7000  commitment.status  (e.g. #123456789)');
    expect(text).toContain('            id        c-7\n            control   "open"');
    expect(text).toContain('            candidate "closed"');
    const longPath = lines.find((line) => line.startsWith('     407  commitment.parties'));
    expect(longPath).toMatch(
      /^ {5}407 {2}commitment\.parties\.\[id=3f0c9a…[-0-9a-f]+\]\.role {2}\(e\.g\. #42\)$/,
    );
    expect(lines.find((line) => line.includes('control   {"note":"xxx'))).toMatch(/x…$/);
    expect(text).toContain('            candidate null');
  });

  it('says so when there are no observations', () => {
    const empty = formatShadowReport({ ...REPORT, units: [] });
    expect(empty).toMatch(/No shadow observations in that time/);
    expect(empty.split('\n').every((line) => line.length <= REPORT_COLUMNS)).toBe(true);
  });
});
