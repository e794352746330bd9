import { BadRequestException } from '@aws-sdk/client-qldb-session';
import type { QldbDriver } from 'amazon-qldb-driver-nodejs';
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
});
