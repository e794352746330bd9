import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import { openPgliteDatabase } from '../../src/backends/sql/pgliteDatabase.ts';
import type { Database } from '../../src/core/database.ts';
import type { Observation } from '../../src/core/observation.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import { createObservationWriter, type DropReason } from '../../src/shadow/observationWriter.ts';
import type { ShadowStep } from '../../src/shadow/reportInternalError.ts';

function observation(unit: string, variables: unknown = null): Observation {
  return {
    at: '2026-01-01T00:00:00.000Z',
    unit,
    stage: 'shadow',
    control: 'legacy',
    cohort: null,
    userHash: null,
    operationName: null,
    clientName: null,
    clientVersion: null,
    query: null,
    variables,
    outcome: 'matched',
    diffs: [],
    controlMs: 1,
    candidateMs: 1,
    controlError: null,
    candidateError: null,
  };
}

describe('createObservationWriter', () => {
  let db: Database;
  const dropped: Array<[DropReason, number]> = [];
  const raised: Array<{ step: ShadowStep; message: string; unit: string }> = [];
  const options = () => ({
    db,
    flushEveryMs: 60_000,
    onDrop: (reason: DropReason, count: number) => dropped.push([reason, count]),
    onInternalError: (step: ShadowStep, error: unknown, unit: string) =>
      raised.push({ step, message: error instanceof Error ? error.message : String(error), unit }),
  });
  beforeEach(async () => {
    dropped.length = 0;
    raised.length = 0;
    db = await openPgliteDatabase();
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
  });
  afterEach(() => db.close());

  it('reports why a batch could not be stored, once per unit in it, and counts it lost', async () => {
    const writer = createObservationWriter(options());
    await db.close();
    writer.record(observation('Query.a'));
    writer.record(observation('Query.b'));
    writer.record(observation('Query.a'));
    await writer.close();
    expect(dropped).toEqual([['store_unavailable', 3]]);
    expect(raised.map(({ step, unit }) => [step, unit])).toEqual([
      ['store', 'Query.a'],
      ['store', 'Query.b'],
    ]);
    expect(raised[0]?.message).not.toBe('');
  });

  it('drops only the observation that cannot be serialized, reporting it, and stores the rest of its batch', async () => {
    const writer = createObservationWriter(options());
    writer.record(observation('Query.a'));
    writer.record(observation('Query.bad', { count: 1n }));
    writer.record(observation('Query.c'));
    await writer.close();
    const rows = await db.query<{ unit: string }>('select unit from observations.observations order by id');
    expect(rows.map((row) => row.unit)).toEqual(['Query.a', 'Query.c']);
    expect(dropped).toEqual([['unserializable', 1]]);
    expect(raised).toEqual([{ step: 'store', message: expect.stringMatching(/BigInt/), unit: 'Query.bad' }]);
  });
});
