import { BadRequestException } from '@aws-sdk/client-qldb-session';
import type { QldbDriver, TransactionExecutor } from 'amazon-qldb-driver-nodejs';
import type * as ion from 'ion-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../harness/databases.ts';
import { type Ledger, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import { type QldbServer, startQldbServer } from '../../../src/server/qldb/qldbEndpoint.ts';
import { driverFor } from './qldbDriverClient.ts';
import { KEY, keys, LEDGER } from './qldbSessionClient.ts';

const engines = await testEngines();

const text = (value: ion.dom.Value | undefined) => value?.stringValue() ?? null;

/** A promise and the function that resolves it, for one transaction to wait on another. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe.each(engines)('QLDB transactions through the driver ($name)', (engine: TestEngine) => {
  let created: Awaited<ReturnType<TestEngine['create']>>;
  let ledger: Ledger;
  let server: QldbServer;
  let driver: QldbDriver;
  // Refuses at once what it would otherwise retry, so a failure shows on the first attempt.
  let once: QldbDriver;

  beforeAll(async () => {
    created = await engine.create();
    ledger = await openLedger(created.db);
    const logger = pino({ level: 'silent' });
    server = await startQldbServer({ port: 0, ledgerName: LEDGER, ledger, keys, logger });
    driver = driverFor(server.url);
    once = driverFor(server.url, KEY, 0);
    await driver.executeLambda(async (txn) => {
      await txn.execute('CREATE TABLE accounts');
      await txn.execute('CREATE INDEX ON accounts (id)');
      await txn.execute('CREATE TABLE scratch');
    });
    await driver.executeLambda((txn) =>
      txn.execute("INSERT INTO accounts << {'id': 'a', 'balance': 100}, {'id': 'b', 'balance': 100} >>"),
    );
  });
  afterAll(async () => {
    driver?.close();
    once?.close();
    await server?.close();
    await created?.drop();
  });

  const balance = async (txn: TransactionExecutor, id: string) =>
    (await txn.execute('SELECT balance FROM accounts WHERE id = ?', id))
      .getResultList()[0]
      ?.get('balance')
      ?.numberValue() ?? 0;

  describe('a read-only transaction', () => {
    // Transaction A reads `first`; another moves 100 from a to b and commits; A reads `second`.
    async function readAroundTransfer(first: string, second: string) {
      const firstRead = signal();
      const transferred = signal();
      let attempts = 0;
      const total = driver.executeLambda(async (txn) => {
        attempts += 1;
        const before = await balance(txn, first);
        if (attempts === 1) {
          firstRead.resolve();
          await transferred.promise;
        }
        return before + (await balance(txn, second));
      });
      await firstRead.promise;
      await driver.executeLambda(async (txn) => {
        const [a, b] = [await balance(txn, 'a'), await balance(txn, 'b')];
        await txn.execute('UPDATE accounts SET balance = ? WHERE id = ?', a - 100, 'a');
        await txn.execute('UPDATE accounts SET balance = ? WHERE id = ?', b + 100, 'b');
      });
      transferred.resolve();
      return { total: await total, attempts };
    }

    it('runs again when a document it read changed before it committed, so it never sees both sides', async () => {
      const { total, attempts } = await readAroundTransfer('a', 'b');
      // Without the check it committed 300: a before the transfer, b after it.
      expect(total).toBe(200);
      expect(attempts).toBe(2);
    });

    it('commits at once when no commit changed what it read', async () => {
      await driver.executeLambda((txn) => txn.execute("INSERT INTO accounts {'id': 'c', 'balance': 7}"));
      const { total, attempts } = await readAroundTransfer('c', 'c');
      expect(total).toBe(14);
      expect(attempts).toBe(1);
    });
  });

  it('commits a transaction that inserts a document and deletes it, writing no revision of it', async () => {
    await once.executeLambda(async (txn) => {
      await txn.execute("INSERT INTO scratch {'k': 'kept'}");
      await txn.execute("INSERT INTO scratch {'k': 'temp'}");
      await txn.execute("DELETE FROM scratch WHERE k = 'temp'");
      const seen = await txn.execute('SELECT VALUE k FROM scratch');
      expect(seen.getResultList().map(text)).toEqual(['kept']);
    });
    const history = await driver.executeLambda((txn) =>
      txn.execute('SELECT VALUE h.data.k FROM history(scratch) AS h'),
    );
    expect(history.getResultList().map(text)).toEqual(['kept']);
    expect((await ledger.verifyJournal()).ok).toBe(true);
  });

  it('commits after a statement error the application caught, as QLDB does with this driver', async () => {
    const refused = await once.executeLambda(async (txn) => {
      const error = await txn.execute('SELECT * FROM no_such_table').catch((caught: unknown) => caught);
      await txn.execute("INSERT INTO scratch {'k': 'after-error'}");
      return error;
    });
    expect(refused).toBeInstanceOf(BadRequestException);
    const found = await driver.executeLambda((txn) =>
      txn.execute("SELECT VALUE k FROM scratch WHERE k = 'after-error'"),
    );
    expect(found.getResultList().map(text)).toEqual(['after-error']);
  });

  describe('U+0000 in a looked-up string or field name', () => {
    it('finds exactly the documents whose Ion holds it, and none for a value no document holds', async () => {
      await driver.executeLambda((txn) =>
        txn.execute('INSERT INTO accounts ?', [
          { id: 'n\u0000ul', balance: 1 },
          // Its JSON copy holds the same text as the first's: U+0000 becomes U+FFFD there.
          { id: 'n\ufffdul', balance: 2 },
        ]),
      );
      const byId = async (id: string) =>
        (
          await once.executeLambda((txn) =>
            txn.execute('SELECT VALUE balance FROM accounts WHERE id = ?', id),
          )
        )
          .getResultList()
          .map((value) => value.numberValue());
      expect(await byId('n\u0000ul')).toEqual([1]);
      expect(await byId('n\ufffdul')).toEqual([2]);
      const none = await once.executeLambda((txn) =>
        txn.execute('SELECT * FROM accounts WHERE id = ?', 'a\u0000'),
      );
      expect(none.getResultList()).toEqual([]);
    });

    it('reads a field whose name holds it, and refuses to index it', async () => {
      await once.executeLambda((txn) =>
        txn.execute('INSERT INTO scratch ?', { 'fi\u0000eld': 'x', k: 'odd-field' }),
      );
      const found = await once.executeLambda((txn) =>
        txn.execute('SELECT VALUE k FROM scratch WHERE "fi\u0000eld" = ?', 'x'),
      );
      expect(found.getResultList().map(text)).toEqual(['odd-field']);
      // The catalog, where an index's field is named, is JSON: it cannot hold U+0000.
      const index = once.executeLambda((txn) => txn.execute('CREATE INDEX ON scratch ("fi\u0000eld")'));
      await expect(index).rejects.toBeInstanceOf(BadRequestException);
      await expect(index).rejects.toThrow(/U\+0000/);
    });
  });
});
