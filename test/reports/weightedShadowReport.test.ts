import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import type { Database } from '../../src/core/database.ts';
import { buildShadowReport } from '../../src/reports/buildShadowReport.ts';
import { getObservation, listObservations } from '../../src/reports/listObservations.ts';
import { mismatchSeries } from '../../src/reports/mismatchSeries.ts';
import type { ShadowReport, UnitCohortReport } from '../../src/reports/shadowReportTypes.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { insertObservations, observation, type StoredObservation, times } from './insertObservations.ts';

const engines = await testEngines();

const NOW = new Date('2025-06-01T12:00:00.000Z');
const HOUR = 3_600_000;
const SINCE = new Date(NOW.getTime() - 24 * HOUR);
/** The `index`th second after `hours` ago: strictly inside the hour that starts there. */
const inHour = (hours: number, index: number) => new Date(NOW.getTime() - hours * HOUR + (index + 1) * 1000);

const partyRole = (id: string) => ({
  path: 'commitments.edges[*].node.role',
  id,
  control: 'OWNER',
  candidate: 'owner',
});

/**
 * Commitment.role, staff, 7 to 6 hours ago: 10 comparisons sampled at rate 1 (1 mismatched)
 * and 10 at rate 0.1 (5 mismatched, the last of them on two list items); 3 values each.
 */
function mixedRates(): StoredObservation[] {
  const role = { unit: 'Commitment.role', cohort: 'staff', items: 3 };
  const mismatch: Partial<StoredObservation> = { outcome: 'mismatched', diffs: [partyRole('c-9')] };
  return [
    ...times(10, (i) => observation(inHour(7, i), { ...role, ...(i === 0 ? mismatch : {}) })),
    ...times(10, (i) =>
      observation(inHour(6.5, i), {
        ...role,
        sampleRate: 0.1,
        ...(i < 5 ? mismatch : {}),
        ...(i === 4 ? { diffs: [partyRole('c-2'), partyRole('c-5')] } : {}),
      }),
    ),
  ];
}

/** 19 comparisons each at rate 0.01 (1900 estimated): Commitment.status matched, Query.commitment timed out. */
function sparse(): StoredObservation[] {
  return [
    ...times(19, (i) => observation(inHour(3, i), { sampleRate: 0.01 })),
    ...times(19, (i) =>
      observation(inHour(3, i), { unit: 'Query.commitment', sampleRate: 0.01, outcome: 'timeout' }),
    ),
  ];
}

/** Commitment.title: 3 matched, and 2 rows of the `dropped` outcome as stores from before adaptive sampling hold. */
function withDropped(): StoredObservation[] {
  const title = { unit: 'Commitment.title' };
  return [
    ...times(2, (i) =>
      observation(inHour(2, i), { ...title, outcome: 'dropped', controlMs: 500, candidateMs: null }),
    ),
    ...times(3, (i) => observation(inHour(2, 10 + i), title)),
  ];
}

function find(report: ShadowReport, unit: string, cohort: string): UnitCohortReport {
  const found = report.units.find((entry) => entry.unit === unit && entry.cohort === cohort);
  if (found === undefined) throw new Error(`no report for ${unit} / ${cohort}`);
  return found;
}

describe.each(engines)('the shadow report weighted by the sample rate ($name)', (engine) => {
  let db: Database;
  let drop: () => Promise<void>;
  let droppedId: number;
  let report: ShadowReport;

  beforeAll(async () => {
    ({ db, drop } = await engine.create());
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
    [droppedId = -1] = await insertObservations(db, [...withDropped(), ...mixedRates(), ...sparse()]);
    report = await buildShadowReport(db, { since: SINCE, now: NOW });
  });
  afterAll(async () => {
    await drop();
  });

  describe('buildShadowReport', () => {
    it('weights each observation by 1/sample rate and gives the effective sample rate', () => {
      const role = find(report, 'Commitment.role', 'staff');
      // 10 at rate 1 stand for 10 comparisons, 10 at rate 0.1 for 100.
      expect(role).toMatchObject({ samples: 20, comparisons: 110, items: 60, matched: 59, mismatched: 51 });
      expect(role.mismatchRate).toBeCloseTo((1 + 50) / (10 + 100), 12);
      expect(role.effectiveSampleRate).toBeCloseTo(20 / 110, 12);
      expect(role.noiseRate + role.candidateErrorRate + role.timeoutRate).toBe(0);
      expect(role.reason).toBe(
        'The mismatch rate is 46.4% over 20 samples, above the rollback bound of 1% (10 times the 0.1% maximum).',
      );
    });

    it('counts a path once per observation, whatever its list items, and keeps the example diff id', () => {
      expect(find(report, 'Commitment.role', 'staff').topPaths).toEqual([
        {
          path: 'commitments.edges[*].node.role',
          count: 6,
          example: { observationId: expect.any(Number), id: 'c-2', control: 'OWNER', candidate: 'owner' },
        },
      ]);
    });

    it('judges the minimum samples on the comparisons that ran, not on the weighted estimate', () => {
      // 1900 estimated comparisons each, but 19 samples: neither ready nor rolled back.
      expect(find(report, 'Commitment.status', 'beta')).toMatchObject({
        samples: 19,
        comparisons: 1900,
        effectiveSampleRate: 0.01,
        verdict: 'hold',
        reason: expect.stringMatching(/^Only 19 of the 100 samples needed/),
      });
      expect(find(report, 'Query.commitment', 'beta')).toMatchObject({
        samples: 19,
        timeoutRate: 1,
        verdict: 'hold',
      });
    });

    it('leaves rows of the old dropped outcome out of every count and latency', () => {
      const title = find(report, 'Commitment.title', 'beta');
      expect(title).toMatchObject({
        samples: 3,
        comparisons: 3,
        effectiveSampleRate: 1,
        items: 3,
        matched: 3,
      });
      expect(title).not.toHaveProperty('dropped');
      expect(title.controlLatency).toEqual({ p50: 10, p99: 10 });
    });
  });

  describe('mismatchSeries', () => {
    it('gives weighted mismatches and rates per bucket with the samples that ran', async () => {
      const series = await mismatchSeries(db, {
        since: new Date(NOW.getTime() - 8 * HOUR),
        now: NOW,
        buckets: 8,
        unit: 'Commitment.role',
      });
      const points = series[0]?.points ?? [];
      expect(points[1]).toMatchObject({ samples: 20, comparisons: 110, mismatches: 51 });
      expect(points[1]?.mismatchRate).toBeCloseTo(51 / 110, 12);
      expect(points.filter((point) => point.samples === 0).map((point) => point.mismatchRate)).toEqual(
        Array(7).fill(null),
      );
    });

    it('leaves rows of the old dropped outcome out of the samples', async () => {
      const since = new Date(NOW.getTime() - 2 * HOUR);
      const series = await mismatchSeries(db, { since, now: NOW, buckets: 1, unit: 'Commitment.title' });
      expect(series[0]?.points[0]).toMatchObject({ samples: 3, comparisons: 3 });
    });
  });

  describe('listObservations and getObservation', () => {
    it('read back the sample rate, the values compared and each diff id', async () => {
      const [row] = await listObservations(db, { unit: 'Commitment.role', outcome: 'mismatched', limit: 1 });
      expect(row).toMatchObject({ sampleRate: 0.1, items: 3, diffs: [partyRole('c-2'), partyRole('c-5')] });
    });

    it('neither list nor find rows of the old dropped outcome', async () => {
      const title = await listObservations(db, { unit: 'Commitment.title' });
      expect(title.map((row) => row.outcome)).toEqual(['matched', 'matched', 'matched']);
      await expect(getObservation(db, droppedId)).resolves.toBeNull();
    });
  });
});
