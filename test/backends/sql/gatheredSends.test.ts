import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../harness/databases.ts';
import { currentGathering, gatherReads } from '../../../src/backends/gatheredReads.ts';
import { createRequestBudget, withinRequestBudget } from '../../../src/backends/requestBudget.ts';
import { openPostgresDatabase } from '../../../src/backends/sql/postgresDatabase.ts';
import type { Database } from '../../../src/core/database.ts';

// PGlite runs one statement at a time in process: there is nothing to gather.
const postgres = (await testEngines()).find((engine) => engine.name === 'postgres');
const PID = 'select pg_backend_pid() as pid';
type PidRows = Array<{ pid: number }>;
const pidOf = (rows: unknown) => (rows as PidRows)[0]?.pid;

describe.runIf(postgres !== undefined)('reads gathered on PostgreSQL', () => {
  let created: Awaited<ReturnType<TestEngine['create']>>;
  let db: Database;

  beforeAll(async () => {
    created = await (postgres as TestEngine).create();
    await created.db.exec('create table gathered (id int primary key)');
    db = openPostgresDatabase({ connectionString: created.url ?? '' });
  });
  afterAll(async () => {
    await db?.close();
    await created?.drop();
  });

  it('sends the pipelines and statements of one macrotask on one connection, each with its own rows', async () => {
    const [first, second, third] = await gatherReads(() =>
      Promise.all([
        db.pipeline([{ sql: PID }, { sql: 'select $1::int as n', params: [7] }]),
        db.query(PID),
        // One tick later, still before the next macrotask.
        Promise.resolve().then(() => db.pipeline([{ sql: PID }])),
      ]),
    );
    expect(first?.[1]).toEqual([{ n: 7 }]);
    expect(new Set([pidOf(first?.[0]), pidOf(second), pidOf(third?.[0])]).size).toBe(1);
  });

  it("keeps each caller's transaction its own: a failure rolls back that caller alone", async () => {
    const outcomes = await gatherReads(() =>
      Promise.allSettled([
        db.pipeline([{ sql: 'insert into gathered values (1)' }]),
        db.pipeline([{ sql: 'insert into gathered values (2)' }, { sql: 'select 1 / 0' }]),
        db.query('insert into gathered values (3) returning id'),
        db.pipeline([{ sql: 'select count(*)::int as n from gathered' }]),
      ]),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/division by zero/);
    expect(await db.query('select id from gathered order by id')).toEqual([{ id: 1 }, { id: 3 }]);
    // The connection that carried the failure serves the next gathering.
    expect(await gatherReads(() => db.query('select 1 as one'))).toEqual([{ one: 1 }]);
  });

  it('starts a new send in the next macrotask', async () => {
    const pids = await gatherReads(async () => {
      const held = await db.pipeline([{ sql: 'select pg_backend_pid() as pid, pg_sleep(0.05)' }]);
      expect(currentGathering()).toBeDefined();
      // Two calls of a later macrotask go together, on whichever connection the pool gives.
      const later = await Promise.all([db.query(PID), db.query(PID)]);
      return { held: pidOf(held[0]), later: later.map(pidOf) };
    });
    expect(pids.later[0]).toBe(pids.later[1]);
    expect(pids.held).toEqual(expect.any(Number));
  });

  it('does not gather outside a gathering, nor for a request still within its time budget', async () => {
    const apart = await Promise.all([db.query(PID), db.query(PID)]);
    expect(pidOf(apart[0])).not.toBe(pidOf(apart[1]));
    const budget = createRequestBudget(5_000);
    const budgeted = await withinRequestBudget(budget, () =>
      gatherReads(() => Promise.all([db.query(PID), db.query(PID)])),
    );
    expect(pidOf(budgeted[0])).not.toBe(pidOf(budgeted[1]));
    // Once the request is answered, its later reads gather.
    budget.end();
    const ended = await withinRequestBudget(budget, () =>
      gatherReads(() => Promise.all([db.query(PID), db.query(PID)])),
    );
    expect(pidOf(ended[0])).toBe(pidOf(ended[1]));
  });

  it('fails every gathered caller when the connection is lost, and the pool serves on', async () => {
    const outcomes = await gatherReads(() =>
      Promise.allSettled([db.query('select pg_terminate_backend(pg_backend_pid())'), db.query(PID)]),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(await gatherReads(() => db.query('select 2 as two'))).toEqual([{ two: 2 }]);
  });
});
