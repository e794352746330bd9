import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import type { Database } from '../../src/core/database.ts';
import { fitBuckets } from '../../src/reports/fitBuckets.ts';
import { rateSeries } from '../../src/reports/rateSeries.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { insertObservations, observation, times } from './insertObservations.ts';

const engines = await testEngines();

const at = (text: string) => Date.parse(text);
const SECOND = 1000;
const HOUR = 3_600_000;

describe('fitBuckets', () => {
  it('cuts a few minutes of data into buckets of seconds, aligned on the clock', () => {
    expect(fitBuckets(at('2025-06-01T12:00:03Z'), at('2025-06-01T12:04:58Z'))).toEqual({
      from: at('2025-06-01T12:00:00Z'),
      to: at('2025-06-01T12:05:00Z'),
      widthMs: 5 * SECOND,
      buckets: 60,
    });
  });

  it('cuts days of data into buckets of hours', () => {
    expect(fitBuckets(at('2025-06-01T10:20:00Z'), at('2025-06-04T09:00:00Z'))).toEqual({
      from: at('2025-06-01T10:00:00Z'),
      to: at('2025-06-04T10:00:00Z'),
      widthMs: 2 * HOUR,
      buckets: 36,
    });
  });

  it('gives one bucket of a second to a single instant, and honours maxBuckets', () => {
    const instant = at('2025-06-01T12:00:00.500Z');
    expect(fitBuckets(instant, instant)).toEqual({
      from: at('2025-06-01T12:00:00Z'),
      to: at('2025-06-01T12:00:01Z'),
      widthMs: SECOND,
      buckets: 1,
    });
    expect(fitBuckets(at('2025-06-01T00:00:00Z'), at('2025-06-01T23:59:00Z'), 4).widthMs).toBe(6 * HOUR);
  });

  it('refuses a last instant before the first and a bucket count that is not a positive integer', () => {
    expect(() => fitBuckets(2, 1)).toThrow(RangeError);
    expect(() => fitBuckets(1, 2, 0)).toThrow(RangeError);
  });
});

describe.each(engines)('rateSeries ($name)', (engine) => {
  let db: Database;
  let drop: () => Promise<void>;
  const NOW = new Date('2025-06-01T12:00:00.000Z');
  const SINCE = new Date(NOW.getTime() - 24 * HOUR);
  // Four minutes of data, two hours ago: from 09:58:10 to 10:02:10.
  const minute = (n: number, second = 10) =>
    new Date(at('2025-06-01T09:58:00Z') + n * 60_000 + second * SECOND);

  beforeAll(async () => {
    ({ db, drop } = await engine.create());
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
    await insertObservations(db, [
      ...times(6, () => observation(minute(0))),
      observation(minute(0), { outcome: 'mismatched', sampleRate: 0.5 }),
      observation(minute(0), { outcome: 'candidate_error', candidateError: 'boom' }),
      observation(minute(4), { outcome: 'timeout', sampleRate: 0.25 }),
      observation(minute(4)),
      observation(minute(2), { unit: 'Query.commitment' }),
      { ...observation(minute(-30)), outcome: 'dropped' },
    ]);
  });
  afterAll(async () => {
    await drop();
  });

  it('charts the span the observations cover, not the whole period', async () => {
    const answer = await rateSeries(db, { since: SINCE, now: NOW });
    expect(answer).toMatchObject({
      since: SINCE.toISOString(),
      from: '2025-06-01T09:58:10.000Z',
      to: '2025-06-01T10:02:15.000Z',
      bucketMs: 5 * SECOND,
    });
    expect(answer.series.map((series) => [series.unit, series.points.length])).toEqual([
      ['Commitment.status', 49],
      ['Query.commitment', 49],
    ]);
  });

  it('gives the weighted mismatch, candidate-error and timeout rates of each bucket', async () => {
    const answer = await rateSeries(db, { since: SINCE, now: NOW, unit: 'Commitment.status' });
    const points = answer.series[0]?.points ?? [];
    // 6 matched, a mismatch sampled at 50% and an error: 9 comparisons.
    expect(points[0]).toMatchObject({
      samples: 8,
      comparisons: 9,
      mismatches: 2,
      candidateErrors: 1,
      timeouts: 0,
    });
    expect(points[0]?.mismatchRate).toBeCloseTo(2 / 9, 12);
    expect(points[0]?.candidateErrorRate).toBeCloseTo(1 / 9, 12);
    expect(points[0]?.timeoutRate).toBe(0);
    // A timeout sampled at 25% and a match: 5 comparisons.
    expect(points.at(-1)).toMatchObject({ samples: 2, comparisons: 5, timeouts: 4, timeoutRate: 0.8 });
    expect(points.slice(1, -1).every((point) => point.samples === 0 && point.mismatchRate === null)).toBe(
      true,
    );
  });

  it('answers no span and no series for a period without observations', async () => {
    await expect(rateSeries(db, { since: new Date(NOW.getTime() - HOUR), now: NOW })).resolves.toEqual({
      since: new Date(NOW.getTime() - HOUR).toISOString(),
      from: null,
      to: null,
      bucketMs: 0,
      series: [],
    });
  });

  it('counts only the period in the buckets at its ends, though they are aligned on the clock', async () => {
    // Whole-minute buckets from 11:00 to 11:51: the first starts before since, the last ends after now.
    const unit = 'Query.periodEnds';
    await insertObservations(db, [
      observation(new Date('2025-06-01T11:00:10Z'), { unit, outcome: 'mismatched' }),
      observation(new Date('2025-06-01T11:00:40Z'), { unit }),
      observation(new Date('2025-06-01T11:50:00Z'), { unit }),
      observation(new Date('2025-06-01T11:50:30Z'), { unit, outcome: 'timeout' }),
    ]);
    const answer = await rateSeries(db, {
      since: new Date('2025-06-01T11:00:30Z'),
      now: new Date('2025-06-01T11:50:10Z'),
      unit,
    });
    expect(answer).toMatchObject({ from: '2025-06-01T11:00:00.000Z', bucketMs: 60 * SECOND });
    const points = answer.series[0]?.points ?? [];
    expect(points[0]).toMatchObject({ samples: 1, comparisons: 1, mismatches: 0, mismatchRate: 0 });
    expect(points.at(-1)).toMatchObject({ samples: 1, comparisons: 1, timeouts: 0, timeoutRate: 0 });
  });

  it('refuses a since after now', async () => {
    await expect(rateSeries(db, { since: new Date(NOW.getTime() + 1), now: NOW })).rejects.toThrow(
      RangeError,
    );
  });
});
