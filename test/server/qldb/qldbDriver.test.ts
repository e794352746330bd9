import type { QldbDriver, TransactionExecutor } from 'amazon-qldb-driver-nodejs';
import * as ion from 'ion-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../harness/databases.ts';
import { type Ledger, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import { type QldbServer, startQldbServer } from '../../../src/server/qldb/qldbEndpoint.ts';
import { driverFor } from './qldbDriverClient.ts';
import { keys, LEDGER } from './qldbSessionClient.ts';

const engines = await testEngines();

function commitment(id: string) {
  return {
    id,
    title: 'Office lease',
    description: 'Two floors, five years',
    type: 'lease',
    status: 'draft',
    createdAt: new Date('2026-03-01T09:30:00.000Z'),
    createdBy: 'u-alice',
    parties: [
      { userId: 'u-alice', role: 'creator' },
      { userId: 'u-bob', role: 'counterparty' },
    ],
    terms: { months: 60, deposit: new ion.Decimal('12500.50') },
    documents: [
      {
        name: 'lease.pdf',
        url: 'https://example.test/lease.pdf',
        uploadedAt: new Date('2026-03-01T10:00:00Z'),
      },
    ],
  };
}

const text = (value: ion.dom.Value | null) => value?.stringValue() ?? null;

describe.each(engines)(
  'amazon-qldb-driver-nodejs against figway ledger serve ($name)',
  (engine: TestEngine) => {
    let created: Awaited<ReturnType<TestEngine['create']>>;
    let ledger: Ledger;
    let server: QldbServer;
    let driver: QldbDriver;

    beforeAll(async () => {
      created = await engine.create();
      ledger = await openLedger(created.db);
      server = await startQldbServer({
        port: 0,
        ledgerName: LEDGER,
        ledger,
        keys,
        logger: pino({ level: 'silent' }),
      });
      driver = driverFor(server.url);
    });
    afterAll(async () => {
      driver?.close();
      await server?.close();
      await created?.drop();
    });

    it('creates the table and its indexes, inserts, reads by id, updates and tells the history', async () => {
      await driver.executeLambda(async (txn: TransactionExecutor) => {
        await txn.execute('CREATE TABLE commitments');
        await txn.execute('CREATE INDEX ON commitments (id)');
        await txn.execute('CREATE INDEX ON commitments (createdBy)');
      });
      // Each CREATE INDEX is a PostgreSQL index on that table's field, which reads by the field use.
      const indexes = await created.db.query<{ indexdef: string }>(
        "select indexdef from pg_indexes where schemaname = 'ledger' and indexname like 'qldb_%'",
      );
      expect(indexes.map((index) => index.indexdef.replace(/^.* USING /, '')).sort()).toEqual([
        "btree (((data ->> 'createdBy'::text))) WHERE (table_name = 'commitments'::text)",
        "btree (((data ->> 'id'::text))) WHERE (table_name = 'commitments'::text)",
      ]);
      const inserted = await driver.executeLambda((txn) =>
        txn.execute('INSERT INTO commitments ?', commitment('c-1')),
      );
      expect(text(inserted.getResultList()[0]?.get('documentId') ?? null)).toMatch(/^\S{22}$/);

      const read = await driver.executeLambda((txn) =>
        txn.execute('SELECT * FROM commitments WHERE id = ?', 'c-1'),
      );
      const [row] = read.getResultList();
      expect(text(row?.get('title') ?? null)).toBe('Office lease');
      expect(row?.get('createdAt')?.getType()).toBe(ion.IonTypes.TIMESTAMP);
      expect(row?.get('createdAt')?.dateValue()?.toISOString()).toBe('2026-03-01T09:30:00.000Z');
      expect(row?.get('terms', 'deposit')?.getType()).toBe(ion.IonTypes.DECIMAL);
      expect(String(row?.get('terms', 'deposit')?.decimalValue())).toBe('12500.50');
      expect(text(row?.get('parties', 1, 'role') ?? null)).toBe('counterparty');

      await driver.executeLambda((txn) =>
        txn.execute('UPDATE commitments SET status = ? WHERE id = ?', 'active', 'c-1'),
      );
      const history = await driver.executeLambda((txn) =>
        txn.execute(
          "SELECT h.data.title, h.data.status, h.metadata.version FROM history(commitments) AS h WHERE h.data.id = 'c-1'",
        ),
      );
      const versions = history
        .getResultList()
        .map((value) => [value.get('version')?.numberValue(), text(value.get('status'))]);
      expect(versions).toEqual([
        [0, 'draft'],
        [1, 'active'],
      ]);
      const tables = await driver.getTableNames();
      expect(tables).toContain('commitments');
    });

    it('retries the transaction that lost an OCC conflict, and both updates land in order', async () => {
      await driver.executeLambda((txn) => txn.execute('INSERT INTO commitments ?', commitment('c-occ')));
      const other = driverFor(server.url);
      let reads = 0;
      let bothRead: () => void = () => {};
      const barrier = new Promise<void>((resolve) => {
        bothRead = resolve;
      });
      let attempts = 0;
      const update = (to: string) => async (txn: TransactionExecutor) => {
        attempts += 1;
        const [current] = (
          await txn.execute('SELECT status FROM commitments WHERE id = ?', 'c-occ')
        ).getResultList();
        reads += 1;
        if (reads === 2) bothRead();
        // The first attempts read the same version before either writes: one must lose.
        if (reads <= 2) await barrier;
        await txn.execute(
          'UPDATE commitments SET status = ?, previous = ? WHERE id = ?',
          to,
          text(current?.get('status') ?? null),
          'c-occ',
        );
      };
      try {
        await Promise.all([driver.executeLambda(update('first')), other.executeLambda(update('second'))]);
      } finally {
        other.close();
      }
      expect(attempts).toBe(3);
      const history = await driver.executeLambda((txn) =>
        txn.execute(
          "SELECT h.data.status, h.data.previous, h.metadata.version FROM history(commitments) AS h WHERE h.data.id = 'c-occ'",
        ),
      );
      const rows = history
        .getResultList()
        .map((value) => [
          value.get('version')?.numberValue(),
          text(value.get('status')),
          text(value.get('previous')),
        ]);
      expect(rows).toHaveLength(3);
      // The retried transaction read the winner's status: the two updates are in order.
      const [, firstUpdate, secondUpdate] = rows;
      expect(secondUpdate?.[2]).toBe(firstUpdate?.[1]);
      expect((await ledger.verifyJournal()).ok).toBe(true);
    });

    it('lets one of two transactions that found no document insert it: the other retries and finds it', async () => {
      const other = driverFor(server.url);
      let reads = 0;
      let bothRead: () => void = () => {};
      const barrier = new Promise<void>((resolve) => {
        bothRead = resolve;
      });
      const insertOnce = async (txn: TransactionExecutor) => {
        const found = (
          await txn.execute('SELECT id FROM commitments WHERE id = ?', 'c-unique')
        ).getResultList();
        reads += 1;
        if (reads === 2) bothRead();
        if (reads <= 2) await barrier;
        if (found.length === 0) await txn.execute('INSERT INTO commitments ?', commitment('c-unique'));
      };
      try {
        await Promise.all([driver.executeLambda(insertOnce), other.executeLambda(insertOnce)]);
      } finally {
        other.close();
      }
      // Serializable, as QLDB: the loser read nothing, then a commit changed what it read.
      expect(reads).toBe(3);
      const rows = await driver.executeLambda((txn) =>
        txn.execute('SELECT id FROM commitments WHERE id = ?', 'c-unique'),
      );
      expect(rows.getResultList()).toHaveLength(1);
    });

    // Both transactions read through the index on id, then wait for each other before committing.
    async function readThenWrite(
      read: (txn: TransactionExecutor) => Promise<unknown>,
      write: [(txn: TransactionExecutor) => Promise<unknown>, (txn: TransactionExecutor) => Promise<unknown>],
      secondWritesAfterFirstCommits = false,
    ) {
      const other = driverFor(server.url);
      let reads = 0;
      let bothRead: () => void = () => {};
      const barrier = new Promise<void>((resolve) => {
        bothRead = resolve;
      });
      let first: Promise<unknown> = Promise.resolve();
      const run = (which: 0 | 1) => async (txn: TransactionExecutor) => {
        await read(txn);
        reads += 1;
        if (reads === 2) bothRead();
        if (reads <= 2) await barrier;
        if (which === 1 && secondWritesAfterFirstCommits) await first;
        await write[which](txn);
      };
      try {
        first = driver.executeLambda(run(0));
        await Promise.all([first, other.executeLambda(run(1))]);
      } finally {
        other.close();
      }
      return reads;
    }

    it('commits side by side two transactions that looked up different documents of one table', async () => {
      await driver.executeLambda((txn) =>
        txn.execute('INSERT INTO commitments ?', commitment('c-looked-up')),
      );
      const reads = await readThenWrite(
        (txn) => txn.execute('SELECT id FROM commitments WHERE id = ?', 'c-looked-up'),
        [
          (txn) => txn.execute('INSERT INTO commitments ?', commitment('c-left')),
          (txn) => txn.execute('INSERT INTO commitments ?', commitment('c-right')),
        ],
      );
      // Neither lookup's answer changed, so neither ran again (each read once).
      expect(reads).toBe(2);
      const rows = await driver.executeLambda((txn) =>
        txn.execute("SELECT id FROM commitments WHERE id IN ('c-left', 'c-right')"),
      );
      expect(rows.getResultList()).toHaveLength(2);
    });

    it('runs again a transaction whose looked-up document another transaction changed first', async () => {
      await driver.executeLambda((txn) => txn.execute('INSERT INTO commitments ?', commitment('c-watched')));
      const reads = await readThenWrite(
        (txn) => txn.execute('SELECT id FROM commitments WHERE id = ?', 'c-watched'),
        [
          (txn) => txn.execute("UPDATE commitments SET status = 'active' WHERE id = ?", 'c-watched'),
          (txn) => txn.execute('INSERT INTO commitments ?', commitment('c-after-watch')),
        ],
        true,
      );
      // The one that committed second read a document that changed after it read it.
      expect(reads).toBe(3);
    });
  },
);
