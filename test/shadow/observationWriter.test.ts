import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '../../harness/databases.ts';
import { createRequestBudget, withinRequestBudget } from '../../src/backends/requestBudget.ts';
import { applyMigrations } from '../../src/backends/sql/applyMigrations.ts';
import type { Database, Queryable, Row } from '../../src/core/database.ts';
import type { Observation } from '../../src/core/observation.ts';
import { OBSERVATION_MIGRATIONS } from '../../src/shadow/observationMigrations.ts';
import {
  createObservationWriter,
  type DropReason,
  type ObservationWriter,
  type ObservationWriterOptions,
} from '../../src/shadow/observationWriter.ts';
import type { ShadowStep } from '../../src/shadow/reportInternalError.ts';
import { eventually } from '../support/eventually.ts';

const engines = await testEngines();

function observation(unit: string, more: Partial<Observation> = {}): Observation {
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
    variables: null,
    outcome: 'matched',
    diffs: [],
    controlMs: 1,
    candidateMs: 1,
    controlError: null,
    candidateError: null,
    sampleRate: 1,
    items: 1,
    ...more,
  };
}

/** A fake outage in front of the real store: while down every statement is refused as by an unreachable server. */
interface FakeOutage {
  store: Queryable;
  down: boolean;
  /** Statements refused so far. */
  refused: number;
  /** The most statements that were running at once. */
  mostAtOnce: number;
}

function fakeOutage(db: Queryable): FakeOutage {
  let running = 0;
  const outage: FakeOutage = {
    down: false,
    refused: 0,
    mostAtOnce: 0,
    store: {
      async query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]> {
        if (outage.down) {
          outage.refused += 1;
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        }
        running += 1;
        outage.mostAtOnce = Math.max(outage.mostAtOnce, running);
        try {
          return await db.query<R>(sql, params);
        } finally {
          running -= 1;
        }
      },
    },
  };
  return outage;
}

describe.each(engines)('createObservationWriter ($name)', (engine) => {
  let db: Database;
  let drop: () => Promise<void>;
  const writers: ObservationWriter[] = [];
  const outages: FakeOutage[] = [];
  const dropped: Array<[DropReason, number]> = [];
  const raised: Array<{ step: ShadowStep; message: string; unit: string }> = [];

  function writer(options: Partial<ObservationWriterOptions> = {}, outage?: FakeOutage) {
    const made = createObservationWriter({
      db: outage?.store ?? db,
      flushEveryMs: 60_000,
      onDrop: (reason, count) => dropped.push([reason, count]),
      onInternalError: (step, error, unit) =>
        raised.push({ step, message: error instanceof Error ? error.message : String(error), unit }),
      ...options,
    });
    writers.push(made);
    return made;
  }
  function outage() {
    const made = fakeOutage(db);
    outages.push(made);
    return made;
  }
  const units = async () =>
    (await db.query<{ unit: string }>('select unit from observations.observations order by id')).map(
      (row) => row.unit,
    );
  const stored = async () =>
    Number(
      (await db.query<{ n: string }>('select count(*)::text as n from observations.observations'))[0]?.n,
    );

  beforeAll(async () => {
    const created = await engine.create();
    db = created.db;
    drop = created.drop;
    await applyMigrations(db, OBSERVATION_MIGRATIONS);
  });
  afterAll(() => drop());
  beforeEach(async () => {
    dropped.length = 0;
    raised.length = 0;
    await db.query('truncate observations.observations restart identity');
  });
  afterEach(async () => {
    for (const made of outages.splice(0)) made.down = false;
    await Promise.all(writers.splice(0).map((made) => made.close()));
  });

  describe('writing', () => {
    it('writes a full batch at once, the rest at the next flush, in order and one insert at a time', async () => {
      const store = outage();
      const observations = writer({ batchSize: 3 }, store);
      for (let i = 0; i < 8; i += 1) observations.record(observation(`Query.q${i}`));
      await eventually(stored, (count) => count === 6, 5000);
      expect(observations.queued).toBe(2);
      await observations.flush();
      expect(await units()).toEqual(Array.from({ length: 8 }, (_, i) => `Query.q${i}`));
      expect(store.mostAtOnce).toBe(1);
      expect(dropped).toEqual([]);
    });

    it('stores all of 50,000 observations, in the order recorded', async () => {
      const observations = writer({ maxQueue: 50_000 });
      for (let i = 0; i < 50_000; i += 1) observations.record(observation('Query.volume', { items: i }));
      await observations.flush();
      const [check] = await db.query<{ n: string; ordered: boolean }>(
        `select count(*)::text as n, bool_and(items = position - 1) as ordered
           from (select items, row_number() over (order by id) as position from observations.observations) as rows`,
      );
      expect(check).toEqual({ n: '50000', ordered: true });
      expect(observations.queued).toBe(0);
      expect(dropped).toEqual([]);
    });

    it('writes outside the time budget of the request that recorded', async () => {
      const observations = writer({ batchSize: 2 });
      withinRequestBudget(createRequestBudget(0), () => {
        observations.record(observation('Query.a'));
        observations.record(observation('Query.b'));
      });
      await eventually(units, (written) => written.length === 2, 5000);
      expect(raised).toEqual([]);
    });
  });

  describe('when the store refuses', () => {
    it('keeps every accepted observation and retries until the store is back, reporting each refusal', async () => {
      const store = outage();
      store.down = true;
      const observations = writer({ batchSize: 2, maxQueue: 10 }, store);
      for (const unit of ['Query.a', 'Query.b', 'Query.a']) observations.record(observation(unit));
      await eventually(
        async () => raised.length,
        (count) => count >= 2,
        5000,
      );
      expect(raised.slice(0, 2)).toEqual([
        { step: 'store', message: expect.stringMatching(/ECONNREFUSED/), unit: 'Query.a' },
        { step: 'store', message: expect.stringMatching(/ECONNREFUSED/), unit: 'Query.b' },
      ]);
      expect(observations.queued).toBe(3);
      observations.record(observation('Query.c'));
      expect(observations.pressure).toBe(0.4);
      await eventually(
        async () => store.refused,
        (count) => count >= 2,
        5000,
      );
      store.down = false;
      await eventually(units, (written) => written.length === 4, 10_000);
      expect(await units()).toEqual(['Query.a', 'Query.b', 'Query.a', 'Query.c']);
      expect(observations.pressure).toBe(0);
      expect(dropped).toEqual([]);
    });

    it('drops alone an observation whose values the store refuses, and stores the rest of its batch in order', async () => {
      const observations = writer();
      const units = Array.from({ length: 10 }, (_, i) => `Query.q${i}`);
      for (const unit of units) {
        const variables = unit === 'Query.q6' ? { name: 'a\u0000b' } : { name: 'ab' };
        observations.record(observation(unit, { variables }));
      }
      await observations.flush();
      const rows = await db.query<{ unit: string }>('select unit from observations.observations order by id');
      expect(rows.map((row) => row.unit)).toEqual(units.filter((unit) => unit !== 'Query.q6'));
      expect(dropped).toEqual([['unserializable', 1]]);
      expect(raised).toEqual([
        { step: 'store', message: expect.stringMatching(/Unicode/), unit: 'Query.q6' },
      ]);
    });

    it('drops only the observation that cannot be serialized, reporting it, and stores the rest of its batch', async () => {
      const observations = writer();
      observations.record(observation('Query.a'));
      observations.record(observation('Query.bad', { variables: { count: 1n } }));
      observations.record(observation('Query.c'));
      await observations.flush();
      expect(await units()).toEqual(['Query.a', 'Query.c']);
      expect(dropped).toEqual([['unserializable', 1]]);
      expect(raised).toEqual([
        { step: 'store', message: expect.stringMatching(/BigInt/), unit: 'Query.bad' },
      ]);
    });
  });

  describe('places', () => {
    it('says no to reserve() when every place is queued or taken; a reserved record still queues', async () => {
      const observations = writer({ maxQueue: 4, batchSize: 10 });
      expect(observations.pressure).toBe(0);
      observations.record(observation('Query.a'));
      expect(observations.pressure).toBe(0.25);
      expect([observations.reserve(), observations.reserve(), observations.reserve()]).toEqual([
        true,
        true,
        true,
      ]);
      expect(observations.pressure).toBe(1);
      expect(observations.reserve()).toBe(false);
      observations.record(observation('Query.unreserved'));
      expect(dropped).toEqual([['queue_full', 1]]);
      observations.release();
      expect(observations.pressure).toBe(0.75);
      expect(observations.reserve()).toBe(true);
      for (let i = 0; i < 3; i += 1) observations.record(observation('Query.c'), true);
      expect([observations.queued, observations.pressure]).toEqual([4, 1]);
      await observations.flush();
      expect([observations.queued, observations.pressure]).toEqual([0, 0]);
      expect(await units()).toEqual(['Query.a', 'Query.c', 'Query.c', 'Query.c']);
      expect(dropped).toEqual([['queue_full', 1]]);
    });
  });

  describe('close', () => {
    it('stores what is queued when the store comes back before closeTimeoutMs', async () => {
      const store = outage();
      store.down = true;
      const observations = writer({ closeTimeoutMs: 10_000 }, store);
      observations.record(observation('Query.a'));
      const closed = observations.close();
      await eventually(
        async () => store.refused,
        (count) => count >= 2,
        5000,
      );
      store.down = false;
      await closed;
      expect(await units()).toEqual(['Query.a']);
      expect(dropped).toEqual([]);
    });

    it('counts what is still queued lost after closeTimeoutMs, reporting it once per unit', async () => {
      const store = outage();
      store.down = true;
      const observations = writer({ batchSize: 2, closeTimeoutMs: 300 }, store);
      for (const unit of ['Query.a', 'Query.b', 'Query.a']) observations.record(observation(unit));
      await observations.close();
      expect(dropped).toEqual([['store_unavailable', 3]]);
      expect(store.refused).toBeGreaterThan(1);
      expect(raised.slice(-2)).toEqual([
        { step: 'store', message: expect.stringMatching(/ECONNREFUSED/), unit: 'Query.a' },
        { step: 'store', message: expect.stringMatching(/ECONNREFUSED/), unit: 'Query.b' },
      ]);
      expect(observations.queued).toBe(0);
      expect(observations.reserve()).toBe(false);
      observations.record(observation('Query.late'));
      expect(dropped).toEqual([
        ['store_unavailable', 3],
        ['store_unavailable', 1],
      ]);
      expect(await stored()).toBe(0);
    });
  });
});
