import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import type { Database } from '../../src/core/database.ts';
import { buildShadowReport } from '../../src/reports/buildShadowReport.ts';
import { candidateFailureGroups } from '../../src/reports/candidateFailureGroups.ts';
import { failureMessageKeySql, NO_MESSAGE } from '../../src/reports/failureMessageKey.ts';
import { listObservations } from '../../src/reports/listObservations.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { insertObservations, observation, type StoredObservation, times } from './insertObservations.ts';

const engines = await testEngines();

const NOW = new Date('2025-06-01T12:00:00.000Z');
const SINCE = new Date(NOW.getTime() - 24 * 3_600_000);
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const uuid = (n: number) => `5f0c2a9e-0000-4000-8000-00000000000${n}`;
const notInTarget = (n: number) => `Commitment ${uuid(n)} is not in the target backend.`;
const NOT_IN_TARGET_KEY = 'Commitment <uuid> is not in the target backend.';
const REFUSED = 'ledger: connect ECONNREFUSED 127.0.0.1:5432';
const REFUSED_KEY = 'ledger: connect ECONNREFUSED <n>.<n>.<n>.<n>:<n>';

function failed(at: Date, candidateError: string | null, overrides: Partial<StoredObservation> = {}) {
  const outcome = candidateError === null ? 'timeout' : 'candidate_error';
  return observation(at, { outcome, candidateError, candidateMs: null, ...overrides });
}

/**
 * Commitment.status for beta: 6 matched, 3 "not in the target" errors about three
 * commitments (one sampled at 50%, so 4 comparisons), 2 refused connections, a timeout
 * sampled at 25% (4 comparisons): 16 comparisons. Left out: an error before `SINCE` and a
 * `dropped` row. One error each for cohort general and for Query.commitment without a cohort.
 */
function fixture(): StoredObservation[] {
  return [
    ...times(6, (i) => observation(ago(100 + i))),
    failed(ago(90), notInTarget(1)),
    failed(ago(80), notInTarget(2), { sampleRate: 0.5 }),
    failed(ago(70), notInTarget(3)),
    failed(ago(60), REFUSED),
    failed(ago(50), REFUSED),
    failed(ago(40), null, { sampleRate: 0.25 }),
    failed(ago(30 * 60), notInTarget(4)),
    { ...failed(ago(20), notInTarget(5)), outcome: 'dropped' },
    failed(ago(10), notInTarget(6), { cohort: 'general' }),
    failed(ago(5), 'row c-12 of order 42 failed at 2025-06-01T11:00:00Z', {
      unit: 'Query.commitment',
      cohort: null,
    }),
  ];
}

describe.each(engines)('candidateFailureGroups ($name)', (engine) => {
  let db: Database;
  let drop: () => Promise<void>;
  let ids: number[];

  beforeAll(async () => {
    ({ db, drop } = await engine.create());
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
    ids = await insertObservations(db, fixture());
  });
  afterAll(async () => {
    await drop();
  });

  it('turns ids, uuids, numbers and timestamps of a message into one key', async () => {
    const messages = [
      notInTarget(1),
      'Commitment c0mm1t00-0000-4000-8000-000000000007 is not in the target backend.',
      REFUSED,
      'row c-12 and abc123 took 250 ms',
      'foo-bar changed at 2025-06-01T11:00:00.123Z, retry 3',
      "it's done",
      null,
    ];
    const rows = await db.query<{ key: string }>(
      `select ${failureMessageKeySql('m')} as key from jsonb_array_elements_text($1::jsonb) with ordinality as t(m, n) order by n`,
      [JSON.stringify(messages)],
    );
    expect(rows.map((row) => row.key)).toEqual([
      NOT_IN_TARGET_KEY,
      NOT_IN_TARGET_KEY,
      REFUSED_KEY,
      'row <id> and <id> took <n> ms',
      'foo-bar changed at <time>, retry <n>',
      "it's done",
      NO_MESSAGE,
    ]);
  });

  it('groups failures by unit, cohort, outcome and message key, weighted as the report is', async () => {
    const { since, groups } = await candidateFailureGroups(db, { since: SINCE });
    expect(since).toBe(SINCE.toISOString());
    const shown = groups.map(({ unit, cohort, outcome, message, samples, comparisons, rate }) => ({
      unit,
      cohort,
      outcome,
      message,
      samples,
      comparisons,
      rate,
    }));
    const beta = { unit: 'Commitment.status', cohort: 'beta' };
    expect(shown).toEqual([
      {
        ...beta,
        outcome: 'candidate_error',
        message: NOT_IN_TARGET_KEY,
        samples: 3,
        comparisons: 4,
        rate: 0.25,
      },
      { ...beta, outcome: 'timeout', message: NO_MESSAGE, samples: 1, comparisons: 4, rate: 0.25 },
      { ...beta, outcome: 'candidate_error', message: REFUSED_KEY, samples: 2, comparisons: 2, rate: 0.125 },
      {
        unit: 'Commitment.status',
        cohort: 'general',
        outcome: 'candidate_error',
        message: NOT_IN_TARGET_KEY,
        samples: 1,
        comparisons: 1,
        rate: 1,
      },
      {
        unit: 'Query.commitment',
        cohort: '(none)',
        outcome: 'candidate_error',
        message: 'row <id> of order <n> failed at <time>',
        samples: 1,
        comparisons: 1,
        rate: 1,
      },
    ]);
    expect(groups[0]).toMatchObject({
      firstAt: ago(90).toISOString(),
      lastAt: ago(70).toISOString(),
      example: { observationId: ids[8], message: notInTarget(3) },
    });
    expect(groups[1]?.example).toEqual({ observationId: ids[11], message: null });
  });

  it("adds up, per unit and cohort, to the report's candidate-error and timeout rates", async () => {
    const [{ groups }, report] = await Promise.all([
      candidateFailureGroups(db, { since: SINCE }),
      buildShadowReport(db, { since: SINCE, now: NOW }),
    ]);
    expect(report.units.length).toBe(3);
    for (const row of report.units) {
      const mine = groups.filter((group) => group.unit === row.unit && group.cohort === row.cohort);
      const sum = (outcome: string) =>
        mine.filter((group) => group.outcome === outcome).reduce((total, group) => total + group.rate, 0);
      expect(sum('candidate_error'), row.cohort).toBeCloseTo(row.candidateErrorRate, 12);
      expect(sum('timeout'), row.cohort).toBeCloseTo(row.timeoutRate, 12);
    }
  });

  it('keeps to one unit and to the limit', async () => {
    const query = await candidateFailureGroups(db, { since: SINCE, unit: 'Query.commitment' });
    expect(query.groups.map((group) => group.unit)).toEqual(['Query.commitment']);
    expect(query.truncated).toBe(false);
    const first = await candidateFailureGroups(db, { since: SINCE, limit: 2 });
    expect(first.groups.map((group) => group.message)).toEqual([NOT_IN_TARGET_KEY, NO_MESSAGE]);
    // More groups than the limit: the answer says some were left out.
    expect(first.truncated).toBe(true);
  });

  it("lists a group's observations by its message key, within the period", async () => {
    const rows = await listObservations(db, {
      unit: 'Commitment.status',
      cohort: 'beta',
      outcome: 'candidate_error',
      message: NOT_IN_TARGET_KEY,
      since: SINCE,
    });
    expect(rows.map((row) => row.candidateError)).toEqual([notInTarget(3), notInTarget(2), notInTarget(1)]);
    const everStored = await listObservations(db, { cohort: 'beta', message: NOT_IN_TARGET_KEY });
    expect(everStored.map((row) => row.candidateError)).toContain(notInTarget(4));
    const timeouts = await listObservations(db, { outcome: 'timeout', message: NO_MESSAGE });
    expect(timeouts.map((row) => row.id)).toEqual([ids[11]]);
    // A key names failures only: matched and mismatched rows hold no candidate error either.
    const noMessage = await listObservations(db, { message: NO_MESSAGE, limit: 1000 });
    expect(noMessage.map((row) => row.outcome)).toEqual(['timeout']);
  });
});
