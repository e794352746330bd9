// A connection lost while COMMIT is in flight leaves the transaction's outcome open:
// the database says so, and says nothing of the kind when the loss came before COMMIT.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../harness/databases.ts';
import { openPostgresDatabase } from '../../../src/backends/sql/postgresDatabase.ts';
import { type BackendEvents, CommitOutcomeUnknownError, type Database } from '../../../src/core/database.ts';
import { type StatementCutProxy, startStatementCutProxy } from '../../support/statementCutProxy.ts';

const postgres = (await testEngines()).find((engine) => engine.name === 'postgres');

const quiet: BackendEvents = { backendFailed: () => {}, timedOut: () => {} };

describe.runIf(postgres !== undefined)('a transaction whose connection is lost (PostgreSQL)', () => {
  let created: Awaited<ReturnType<TestEngine['create']>>;
  let proxy: StatementCutProxy;
  let db: Database;

  const written = async (id: number) =>
    (await created.db.query('select id from written where id = $1', [id])).length === 1;

  beforeAll(async () => {
    created = await (postgres as TestEngine).create();
    await created.db.exec('create table written (id int primary key)');
    proxy = await startStatementCutProxy(Number(new URL(created.url ?? '').port));
  });
  afterEach(async () => {
    await db?.close();
  });
  afterAll(async () => {
    await proxy?.close();
    await created?.drop();
  });

  const open = () => {
    db = openPostgresDatabase({ connectionString: proxy.via(created.url ?? ''), events: quiet });
    return db;
  };

  it('rejects with an unknown outcome when COMMIT was sent and its answer was lost, and the write is durable', async () => {
    const cut = proxy.cutAt(/^commit$/i, 'after');
    const transaction = open().transaction((tx) => tx.query('insert into written values (1)'));
    await cut;
    await expect(transaction).rejects.toBeInstanceOf(CommitOutcomeUnknownError);
    // The server committed what the client never heard about.
    await expect.poll(() => written(1)).toBe(true);
  });

  it('rejects with the lost connection when it broke before COMMIT was sent, and nothing was written', async () => {
    const cut = proxy.cutAt(/^insert into written/i, 'before');
    const transaction = open().transaction((tx) => tx.query('insert into written values (2)'));
    await cut;
    const error = await transaction.then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(CommitOutcomeUnknownError);
    expect(await written(2)).toBe(false);
  });

  it('rejects a pipeline with an unknown outcome when its COMMIT answer was lost', async () => {
    const cut = proxy.cutAt(/^commit$/i, 'after');
    const pipeline = open().pipeline([{ sql: 'insert into written values ($1)', params: [3] }]);
    await cut;
    await expect(pipeline).rejects.toBeInstanceOf(CommitOutcomeUnknownError);
    await expect.poll(() => written(3)).toBe(true);
  });

  it('rejects a pipeline with the refusal when the server refused a statement before COMMIT', async () => {
    await created.db.query('insert into written values (4)');
    const pipeline = open().pipeline([
      { sql: 'insert into written values ($1)', params: [5] },
      { sql: 'insert into written values ($1)', params: [4] },
    ]);
    await expect(pipeline).rejects.toMatchObject({ code: '23505' });
    expect(await written(5)).toBe(false);
  });
});
