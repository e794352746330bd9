import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../harness/databases.ts';
import { openPostgresDatabase } from '../../../src/backends/sql/postgresDatabase.ts';
import { type Database, sqlState } from '../../../src/core/database.ts';

const engines = await testEngines();

describe.each(engines)('Database.pipeline ($name)', (engine) => {
  let created: Awaited<ReturnType<TestEngine['create']>>;
  let db: Database;

  beforeAll(async () => {
    created = await engine.create();
    await created.db.exec('create table pipelined (id int primary key)');
    // On PostgreSQL one connection, so every test below runs on the connection the last one left.
    db =
      created.url === null
        ? created.db
        : openPostgresDatabase({ connectionString: created.url, maxConnections: 1 });
  });
  afterAll(async () => {
    if (db !== created?.db) await db?.close();
    await created?.drop();
  });

  it("resolves with each statement's rows, in order", async () => {
    const results = await db.pipeline([
      { sql: 'select $1::int as n', params: [1] },
      { sql: 'select 2 as n' },
      { sql: 'select n from generate_series(1, $1::int) as n', params: [3] },
    ]);
    expect(results).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 1 }, { n: 2 }, { n: 3 }]]);
  });

  it('runs every statement in one transaction', async () => {
    const [, seenRows = [], xidRows = []] = await db.pipeline([
      { sql: "select set_config('figway.test', $1, true)", params: ['local'] },
      { sql: "select current_setting('figway.test', true) as value, txid_current() as xid" },
      { sql: 'select txid_current() as xid' },
    ]);
    const [seen] = seenRows;
    const [xids] = xidRows;
    expect(seen).toMatchObject({ value: 'local' });
    expect(xids?.xid).toEqual(seen?.xid);
    // Local to that transaction: gone afterwards.
    const [after] = await db.query<{ value: string | null }>(
      "select current_setting('figway.test', true) as value",
    );
    expect(after?.value ?? '').toBe('');
  });

  it('rolls back everything and rejects with the first failure, and the connection serves on', async () => {
    const failing = db.pipeline([
      { sql: 'insert into pipelined values ($1)', params: [1] },
      { sql: 'select $1::int', params: ['not a number'] },
      { sql: 'insert into pipelined values ($1)', params: [2] },
    ]);
    const error = await failing.then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(sqlState(error)).toBe('22P02');
    expect(await db.query('select * from pipelined')).toEqual([]);
    await db.pipeline([{ sql: 'insert into pipelined values ($1)', params: [3] }]);
    expect(await db.query('select id from pipelined')).toEqual([{ id: 3 }]);
  });

  it('sends nothing when a parameter cannot be sent, so no statement before it commits', async () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await expect(
      db.pipeline([
        { sql: 'insert into pipelined values ($1)', params: [40] },
        { sql: 'select $1::jsonb', params: [cycle] },
      ]),
    ).rejects.toThrow(/circular/);
    expect(await db.query('select id from pipelined where id = 40')).toEqual([]);
  });

  it('rolls back when the commit itself fails', async () => {
    await db.exec(`create table if not exists deferred (id int primary key,
      parent int references deferred (id) deferrable initially deferred)`);
    const error = await db.pipeline([{ sql: 'insert into deferred values (1, 99)' }]).then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(sqlState(error)).toBe('23503');
    expect(await db.query('select * from deferred')).toEqual([]);
    await expect(db.query('select 1 as n')).resolves.toEqual([{ n: 1 }]);
  });
});
