import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import type { Database } from '../../src/core/database.ts';
import { buildShadowReport, DEFAULT_THRESHOLDS } from '../../src/reports/buildShadowReport.ts';
import { getObservation, listObservations } from '../../src/reports/listObservations.ts';
import { mismatchSeries } from '../../src/reports/mismatchSeries.ts';
import type { UnitCohortReport } from '../../src/reports/shadowReportTypes.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { insertObservations, observation, times } from './insertObservations.ts';

const engines = await testEngines();

const NOW = new Date('2025-06-01T12:00:00.000Z');
const HOUR = 3_600_000;
const SINCE = new Date(NOW.getTime() - 24 * HOUR);
const ago = (ms: number) => new Date(NOW.getTime() - ms);
/** The `index`th second after `anchor` ago: strictly inside the hour that starts there. */
const after = (anchor: number, index: number) => ago(anchor - (index + 1) * 1000);

const statusDiff = (control: string, candidate: string) => ({
  path: 'commitment.status',
  control,
  candidate,
});

/** Fills `db` with the units the tests judge; returns ids the assertions need. */
async function seed(db: Database) {
  await insertObservations(db, [
    // Commitment.title, beta: 200 matched and 5 dropped, plus an old mismatch outside the window.
    ...times(200, (i) => observation(after(1.5 * HOUR, i), { unit: 'Commitment.title' })),
    ...times(5, (i) =>
      observation(after(1.5 * HOUR, i), { unit: 'Commitment.title', outcome: 'dropped', candidateMs: null }),
    ),
    observation(ago(48 * HOUR), {
      unit: 'Commitment.title',
      outcome: 'mismatched',
      diffs: [{ path: 'commitment.title', control: 'a', candidate: 'b' }],
    }),
    // A unit seen only before the window.
    observation(ago(30 * HOUR), { unit: 'Commitment.dueDate' }),
    // Commitment.status, beta: 500 matched and 3 mismatched on status (0.6%), one also on dueDate.
    ...times(500, (i) => observation(after(2 * HOUR, i))),
    observation(ago(30 * 60_000), {
      outcome: 'mismatched',
      diffs: [
        statusDiff('open', 'closed'),
        { path: 'commitment.dueDate', control: '2025-01-01', candidate: null },
      ],
    }),
    observation(ago(20 * 60_000), { outcome: 'mismatched', diffs: [statusDiff('open', 'closed')] }),
    // Commitment.status without a cohort: 30 matched.
    ...times(30, (i) => observation(after(3.5 * HOUR, i), { cohort: null })),
    // Query.commitment, general: 90 matched, 10 candidate errors (10%), live stage.
    ...times(90, (i) =>
      observation(after(4 * HOUR, i), {
        unit: 'Query.commitment',
        cohort: 'general',
        stage: 'live',
        control: 'target',
      }),
    ),
    ...times(10, (i) =>
      observation(after(5 * HOUR, i), {
        unit: 'Query.commitment',
        cohort: 'general',
        stage: 'live',
        control: 'target',
        outcome: 'candidate_error',
        candidateError: 'connection refused',
      }),
    ),
    // Profile.username, general: control 1..100 ms, candidate 2..200 ms.
    ...times(100, (i) =>
      observation(after(6 * HOUR, i), {
        unit: 'Profile.username',
        cohort: 'general',
        controlMs: i + 1,
        candidateMs: 2 * (i + 1),
      }),
    ),
  ]);
  // The newest status mismatch, inserted last so it is the example.
  const [newest] = await insertObservations(db, [
    observation(ago(10 * 60_000), { outcome: 'mismatched', diffs: [statusDiff('open', 'cancelled')] }),
  ]);
  return { newestMismatch: newest ?? -1 };
}

function find(units: UnitCohortReport[], unit: string, cohort: string): UnitCohortReport {
  const found = units.find((entry) => entry.unit === unit && entry.cohort === cohort);
  if (found === undefined) throw new Error(`no report for ${unit} / ${cohort}`);
  return found;
}

describe.each(engines)('shadow report queries ($name)', (engine) => {
  let db: Database;
  let drop: () => Promise<void>;
  let newestMismatch: number;

  beforeAll(async () => {
    ({ db, drop } = await engine.create());
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
    ({ newestMismatch } = await seed(db));
  });
  afterAll(async () => {
    await drop();
  });

  describe('buildShadowReport', () => {
    it('reports ready for 200 matched samples and leaves rows of the old dropped outcome out entirely', async () => {
      const report = await buildShadowReport(db, { since: SINCE, now: NOW });
      const title = find(report.units, 'Commitment.title', 'beta');
      expect(title).toMatchObject({
        samples: 200,
        comparisons: 200,
        effectiveSampleRate: 1,
        items: 200,
        matched: 200,
        mismatched: 0,
        mismatchRate: 0,
        topPaths: [],
        verdict: 'ready',
      });
      expect(title).not.toHaveProperty('dropped');
      expect(title.reason).toMatch(/0% over 200 samples/);
      expect(report.generatedAt).toBe(NOW.toISOString());
      expect(report.since).toBe(SINCE.toISOString());
    });

    it('holds a unit whose mismatches exceed the maximum and names the differing path with its newest example', async () => {
      const report = await buildShadowReport(db, { since: SINCE, now: NOW });
      const status = find(report.units, 'Commitment.status', 'beta');
      expect(status).toMatchObject({ samples: 503, matched: 500, mismatched: 3, verdict: 'hold' });
      expect(status.mismatchRate).toBeCloseTo(3 / 503, 10);
      expect(status.reason).toMatch(/0\.596% over 503 samples, above the 0\.1% maximum/);
      expect(status.topPaths).toEqual([
        {
          path: 'commitment.status',
          count: 3,
          example: { observationId: newestMismatch, control: 'open', candidate: 'cancelled' },
        },
        {
          path: 'commitment.dueDate',
          count: 1,
          example: { observationId: expect.any(Number), control: '2025-01-01', candidate: null },
        },
      ]);
    });

    it('reports rollback when candidate errors exceed the rollback bound', async () => {
      const report = await buildShadowReport(db, { since: SINCE, now: NOW });
      const commitment = find(report.units, 'Query.commitment', 'general');
      expect(commitment).toMatchObject({ samples: 100, candidateErrors: 10, verdict: 'rollback' });
      expect(commitment.candidateErrorRate).toBeCloseTo(0.1, 10);
      expect(commitment.reason).toMatch(/10% over 100 samples, above the rollback bound of 5%/);
    });

    it('reports each cohort separately, a missing cohort as (none)', async () => {
      const report = await buildShadowReport(db, { since: SINCE, now: NOW });
      const statusCohorts = report.units.filter((entry) => entry.unit === 'Commitment.status');
      expect(statusCohorts.map((entry) => entry.cohort)).toEqual(['(none)', 'beta']);
      expect(find(report.units, 'Commitment.status', '(none)')).toMatchObject({
        samples: 30,
        verdict: 'hold',
        reason: expect.stringMatching(/Only 30 of the 100 samples needed/),
      });
    });

    it('computes p50 and p99 latency of both sides with linear interpolation', async () => {
      const report = await buildShadowReport(db, { since: SINCE, now: NOW });
      const profile = find(report.units, 'Profile.username', 'general');
      expect(profile.controlLatency).toEqual({ p50: 50.5, p99: 99.01 });
      expect(profile.candidateLatency).toEqual({ p50: 101, p99: 198.02 });
    });

    it('counts only observations since the given instant', async () => {
      const report = await buildShadowReport(db, { since: SINCE, now: NOW });
      expect(report.units.map((entry) => entry.unit)).not.toContain('Commitment.dueDate');
      const wider = await buildShadowReport(db, { since: ago(72 * HOUR), now: NOW });
      expect(find(wider.units, 'Commitment.title', 'beta')).toMatchObject({ samples: 201, mismatched: 1 });
      expect(find(wider.units, 'Commitment.dueDate', 'beta').samples).toBe(1);
      const recent = await buildShadowReport(db, { since: ago(HOUR), now: NOW });
      expect(recent.units.map((entry) => `${entry.unit}/${entry.cohort}`)).toEqual([
        'Commitment.status/beta',
      ]);
    });

    it('reports one unit when asked, with the thresholds thresholdsFor gives it', async () => {
      const report = await buildShadowReport(db, {
        since: SINCE,
        unit: 'Commitment.status',
        thresholdsFor: (unit) => ({
          ...DEFAULT_THRESHOLDS,
          maxMismatchRate: unit === 'Commitment.status' ? 0.01 : 0,
        }),
      });
      expect(report.units.map((entry) => entry.cohort)).toEqual(['(none)', 'beta']);
      expect(find(report.units, 'Commitment.status', 'beta').verdict).toBe('ready');
    });
  });

  describe('mismatchSeries', () => {
    it('puts samples and mismatches into equal buckets from since to now', async () => {
      const series = await mismatchSeries(db, { since: ago(4 * HOUR), now: NOW, buckets: 4 });
      const status = series.find((entry) => entry.unit === 'Commitment.status');
      expect(status?.points.map((point) => point.start)).toEqual([
        ago(4 * HOUR).toISOString(),
        ago(3 * HOUR).toISOString(),
        ago(2 * HOUR).toISOString(),
        ago(HOUR).toISOString(),
      ]);
      // 30 without a cohort from 3.5 h ago, 500 matched from 2 h ago, 3 mismatches in the last hour.
      expect(status?.points.map((point) => [point.samples, point.mismatches])).toEqual([
        [30, 0],
        [0, 0],
        [500, 0],
        [3, 3],
      ]);
      expect(series.map((entry) => entry.unit)).not.toContain('Commitment.dueDate');
    });

    it('keeps to one unit and counts an observation at exactly now in the last bucket', async () => {
      await insertObservations(db, [observation(NOW, { unit: 'Mutation.edge', outcome: 'mismatched' })]);
      const series = await mismatchSeries(db, {
        since: ago(HOUR),
        now: NOW,
        buckets: 2,
        unit: 'Mutation.edge',
      });
      expect(series).toEqual([
        {
          unit: 'Mutation.edge',
          points: [
            { start: ago(HOUR).toISOString(), samples: 0, comparisons: 0, mismatches: 0, mismatchRate: null },
            {
              start: ago(HOUR / 2).toISOString(),
              samples: 1,
              comparisons: 1,
              mismatches: 1,
              mismatchRate: 1,
            },
          ],
        },
      ]);
    });

    it('rejects a bucket count that is not a positive integer', async () => {
      await expect(mismatchSeries(db, { since: SINCE, now: NOW, buckets: 0 })).rejects.toThrow(RangeError);
    });
  });

  describe('listObservations and getObservation', () => {
    it('lists matching observations newest first, up to the limit', async () => {
      const rows = await listObservations(db, { unit: 'Commitment.status', outcome: 'mismatched', limit: 2 });
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ id: newestMismatch, cohort: 'beta', outcome: 'mismatched' });
      expect(rows[0]?.diffs).toEqual([statusDiff('open', 'cancelled')]);
      expect(Date.parse(rows[0]?.at ?? '')).toBeGreaterThan(Date.parse(rows[1]?.at ?? ''));
    });

    it('finds observations without a cohort by (none), and defaults to 50', async () => {
      const rows = await listObservations(db, { unit: 'Commitment.status', cohort: '(none)' });
      expect(rows).toHaveLength(30);
      expect(rows.every((row) => row.cohort === null)).toBe(true);
      expect(await listObservations(db)).toHaveLength(50);
    });

    it('returns one observation with every field, or null for an unknown id', async () => {
      const row = await getObservation(db, newestMismatch);
      expect(row).toEqual({
        id: newestMismatch,
        at: ago(10 * 60_000).toISOString(),
        unit: 'Commitment.status',
        stage: 'shadow',
        control: 'legacy',
        cohort: 'beta',
        operationName: 'CommitmentStatus',
        clientName: 'web',
        clientVersion: '1.0.0',
        query: 'query CommitmentStatus($id: ID!) { commitment(id: $id) { status } }',
        variables: { id: 'c-1' },
        outcome: 'mismatched',
        diffs: [statusDiff('open', 'cancelled')],
        controlMs: 10,
        candidateMs: 12,
        controlError: null,
        candidateError: null,
        sampleRate: 1,
        items: 1,
      });
      await expect(getObservation(db, 999_999_999)).resolves.toBeNull();
    });
  });
});
