import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../harness/databases.ts';
import { createRequestBudget, withinRequestBudget } from '../../../src/backends/requestBudget.ts';
import { openPostgresDatabase } from '../../../src/backends/sql/postgresDatabase.ts';
import type { BackendEvents, Database, FailurePhase } from '../../../src/core/database.ts';

const postgres = (await testEngines()).find((engine) => engine.name === 'postgres');

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Records what a database reports. */
function recordingEvents() {
  const failures: Array<{ during: FailurePhase; code: unknown; message: string }> = [];
  let timeouts = 0;
  const events: BackendEvents = {
    backendFailed(error, during) {
      const { code, message } = error as { code?: unknown; message: string };
      failures.push({ during, code, message });
    },
    timedOut() {
      timeouts += 1;
    },
  };
  return { events, failures, timeouts: () => timeouts };
}

describe.runIf(postgres !== undefined)('openPostgresDatabase on PostgreSQL', () => {
  let created: Awaited<ReturnType<TestEngine['create']>>;
  let admin: pg.Client;
  let opened: Database[] = [];
  let url: string;

  const open = (options: { maxConnections?: number; events?: BackendEvents } = {}) => {
    const db = openPostgresDatabase({ connectionString: url, ...options });
    opened.push(db);
    return db;
  };
  const activity = async (text: string) =>
    (
      await admin.query(
        `select pid, state from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid() and query = $1 and state = 'active'`,
        [text],
      )
    ).rows;

  beforeAll(async () => {
    created = await (postgres as TestEngine).create();
    url = created.url ?? '';
    await created.db.exec('create table held (id int); create table written (id int)');
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterEach(async () => {
    await Promise.all(opened.map((db) => db.close()));
    opened = [];
  });
  afterAll(async () => {
    await admin?.end();
    await created?.drop();
  });

  describe('listen', () => {
    it('closes its connection and reports the failure when the server refuses LISTEN', async () => {
      const name = `figway-refused-listen-${process.pid}-${Date.now()}`;
      const listenerUrl = new URL(url);
      listenerUrl.searchParams.set('application_name', name);
      const recorded = recordingEvents();
      const db = openPostgresDatabase({ connectionString: listenerUrl.toString(), events: recorded.events });
      opened.push(db);
      // A NUL ends the statement early on the wire: the server refuses it on a connection that stays up.
      const stop = await db.listen('refused\0channel', () => {});
      try {
        expect(recorded.failures[0]).toMatchObject({ during: 'connect', message: 'invalid message format' });
        await until(
          'no connection of the refused listener is left open',
          async () =>
            (
              await admin.query(
                'select count(*)::int as open from pg_stat_activity where application_name = $1',
                [name],
              )
            ).rows[0]?.open === 0,
          3_000,
        );
      } finally {
        await stop();
      }
    });
  });

  describe('when the server ends a connection', () => {
    it('fails the transaction that held it, keeps the process up, and reports the failure', async () => {
      const recorded = recordingEvents();
      const db = open({ events: recorded.events });
      const transaction = db.transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
        // Terminated between two statements: the client is checked out and idle.
        await admin.query('select pg_terminate_backend($1)', [row?.pid]);
        await until('the backend is gone', async () => {
          const left = await admin.query('select 1 from pg_stat_activity where pid = $1', [row?.pid]);
          return left.rowCount === 0;
        });
        await tx.query('select 1');
      });
      // The caller and the report get the server's reason, not "not queryable".
      await expect(transaction).rejects.toMatchObject({ code: '57P01' });
      expect(recorded.failures).toEqual([expect.objectContaining({ during: 'statement', code: '57P01' })]);
      // The pool dropped the broken client and serves the next transaction.
      await expect(db.transaction((tx) => tx.query('select 1 as one'))).resolves.toEqual([{ one: 1 }]);
    });

    it('fails a statement in flight when its connection is terminated, then recovers', async () => {
      const recorded = recordingEvents();
      const db = open({ events: recorded.events });
      // Its failure is caught at once: it can arrive before the terminating query answers.
      const sleeping = db
        .transaction((tx) => tx.query('select pg_sleep(30)'))
        .then(
          () => null,
          (error: unknown) => error,
        );
      await until('the statement runs', async () => (await activity('select pg_sleep(30)')).length === 1);
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()`,
      );
      expect(await sleeping).toMatchObject({ code: '57P01' });
      expect(recorded.failures[0]).toMatchObject({ during: 'statement', code: '57P01' });
      await expect(db.query('select 2 as two')).resolves.toEqual([{ two: 2 }]);
    });

    it('reports idle pooled connections the server ended, and opens new ones', async () => {
      const recorded = recordingEvents();
      const db = open({ events: recorded.events, maxConnections: 3 });
      await Promise.all([1, 2, 3].map(() => db.transaction((tx) => tx.query('select pg_sleep(0.05)'))));
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()`,
      );
      // A query sent before the pool noticed would meet a dead connection, like one in flight.
      await until('the pool noticed every lost connection', async () => recorded.failures.length === 3);
      expect(
        recorded.failures.every((failure) => failure.during === 'idle' && failure.code === '57P01'),
      ).toBe(true);
      await expect(db.query('select 3 as three')).resolves.toEqual([{ three: 3 }]);
    });

    it('reports a server that cannot be reached as a connect failure', async () => {
      const recorded = recordingEvents();
      const unreachable = new URL(url);
      unreachable.port = '9';
      const db = openPostgresDatabase({ connectionString: unreachable.toString(), events: recorded.events });
      opened.push(db);
      await expect(db.transaction((tx) => tx.query('select 1'))).rejects.toThrow();
      await expect(db.query('select 1')).rejects.toThrow();
      expect(recorded.failures.map((failure) => failure.during)).toEqual(['connect', 'connect']);
    });

    it('survives connections terminated over and over while many callers connect and query', async () => {
      const db = open({ maxConnections: 6, events: recordingEvents().events });
      let running = true;
      let settled = 0;
      // Half within short budgets, so connections are also cut and abandoned at deadlines.
      const callers = Array.from({ length: 10 }, async (_, caller) => {
        while (running) {
          const work = async () => {
            if (caller % 3 === 0) await db.transaction((tx) => tx.query('select pg_sleep(0.002)'));
            else await db.query('select 1');
          };
          const budget = caller % 2 === 0 ? createRequestBudget(20 + caller * 5) : undefined;
          await (budget === undefined ? work() : withinRequestBudget(budget, work)).catch(() => {
            // Failing is allowed here; an unhandled 'error' event would end the test run.
          });
          budget?.end();
          settled += 1;
        }
      });
      try {
        for (let round = 0; round < 150; round++) {
          await admin.query(
            `select pg_terminate_backend(pid) from pg_stat_activity
             where datname = current_database() and pid <> pg_backend_pid()`,
          );
          const before = settled;
          await until('callers get answers again', async () => settled >= before + 10);
        }
      } finally {
        running = false;
        await Promise.all(callers);
      }
      await expect(db.query('select 6 as six')).resolves.toEqual([{ six: 6 }]);
    }, 120_000);

    it("does not report the caller's own mistakes", async () => {
      const recorded = recordingEvents();
      const db = open({ events: recorded.events });
      await expect(db.query('select $1::int', ['not a number'])).rejects.toMatchObject({ code: '22P02' });
      await expect(db.transaction((tx) => tx.query('select 1/0'))).rejects.toMatchObject({ code: '22012' });
      expect(recorded.failures).toEqual([]);
    });
  });

  describe('within a request budget', () => {
    it('starts no statement once the budget is spent', async () => {
      const recorded = recordingEvents();
      const db = open({ events: recorded.events });
      const spent = createRequestBudget(0);
      await expect(
        withinRequestBudget(spent, () => db.query('insert into written values (1)')),
      ).rejects.toMatchObject({ extensions: { code: 'REQUEST_TIMEOUT' } });
      await expect(
        withinRequestBudget(spent, () => db.transaction((tx) => tx.query('insert into written values (2)'))),
      ).rejects.toMatchObject({ extensions: { code: 'REQUEST_TIMEOUT' } });
      expect((await admin.query('select * from written')).rows).toEqual([]);
      expect(recorded.failures).toEqual([]);
    });

    it.each([
      ['a transaction', (db: Database) => db.transaction((tx) => tx.query('select * from held'))],
      ['a single statement', (db: Database) => db.query('select * from held')],
      ['a pipeline', (db: Database) => db.pipeline([{ sql: 'select 1' }, { sql: 'select * from held' }])],
    ])('cancels %s still running at the deadline', async (_name, work) => {
      const recorded = recordingEvents();
      const db = open({ events: recorded.events });
      await admin.query('begin');
      await admin.query('lock table held in access exclusive mode');
      try {
        const budget = createRequestBudget(400);
        await expect(withinRequestBudget(budget, () => work(db))).rejects.toMatchObject({
          extensions: { code: 'REQUEST_TIMEOUT' },
        });
        // Cancelled on the server, not merely abandoned by the client.
        await until('the statement is gone', async () => (await activity('select * from held')).length === 0);
      } finally {
        await admin.query('rollback');
      }
      expect(recorded.timeouts()).toBe(1);
      expect(recorded.failures).toEqual([]);
      await expect(db.query('select count(*)::int as n from held')).resolves.toEqual([{ n: 0 }]);
    });

    it('stops waiting for a pooled connection at the deadline', async () => {
      const db = open({ maxConnections: 1 });
      let release = () => {};
      let taken = () => {};
      const isTaken = new Promise<void>((resolve) => {
        taken = resolve;
      });
      const holding = db.transaction(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
            taken();
          }),
      );
      await isTaken;
      const budget = createRequestBudget(200);
      await expect(withinRequestBudget(budget, () => db.query('select 1'))).rejects.toMatchObject({
        extensions: { code: 'REQUEST_TIMEOUT' },
      });
      release();
      await holding;
      // The connection that arrived too late went back to the pool.
      await expect(db.query('select 4 as four')).resolves.toEqual([{ four: 4 }]);
    });

    it('does not bound work after the request was answered', async () => {
      const db = open();
      const budget = createRequestBudget(0);
      budget.end();
      await expect(withinRequestBudget(budget, () => db.query('select 5 as five'))).resolves.toEqual([
        { five: 5 },
      ]);
    });
  });
});
