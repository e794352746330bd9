import * as ion from 'ion-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../harness/databases.ts';
import { type Ledger, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import { type QldbServer, startQldbServer } from '../../../src/server/qldb/qldbEndpoint.ts';
import { connect, expectAwsError, keys, LEDGER, signedFetch } from './qldbSessionClient.ts';

const engines = await testEngines();

/** A SendCommand body with one malformed field, given an open session's token and transaction. */
type Malformed = (token: string, transactionId: string) => Record<string, unknown>;

// Each of these was answered 500 InternalFailure (which the QLDB driver retries) or
// read as something else; each must be 400 BadRequestException naming the field.
const MALFORMED: Array<[string, RegExp, Malformed]> = [
  ['SessionToken a number', /SessionToken/, () => ({ SessionToken: 5, StartTransaction: {} })],
  ['StartSession a string', /StartSession/, () => ({ StartSession: 'x' })],
  ['LedgerName a number', /StartSession\.LedgerName/, () => ({ StartSession: { LedgerName: 5 } })],
  [
    'StartTransaction a number',
    /StartTransaction/,
    (SessionToken) => ({ SessionToken, StartTransaction: 5 }),
  ],
  ['AbortTransaction null', /AbortTransaction/, (SessionToken) => ({ SessionToken, AbortTransaction: null })],
  ['EndSession a list', /EndSession/, (SessionToken) => ({ SessionToken, EndSession: [] })],
  [
    'Statement a number',
    /ExecuteStatement\.Statement/,
    (SessionToken, TransactionId) => ({ SessionToken, ExecuteStatement: { TransactionId, Statement: 5 } }),
  ],
  [
    'TransactionId a number',
    /ExecuteStatement\.TransactionId/,
    (SessionToken) => ({
      SessionToken,
      ExecuteStatement: { TransactionId: 5, Statement: 'SELECT * FROM t' },
    }),
  ],
  ...(
    [
      ['Parameters a string', 'x'],
      ['a parameter null', [null]],
      ['IonBinary a number', [{ IonBinary: 5 }]],
      ['IonBinary not base64', [{ IonBinary: '4AEA6iE=!' }]],
      ['IonText a number', [{ IonText: 5 }]],
    ] as const
  ).map(([what, Parameters]): [string, RegExp, Malformed] => [
    what,
    /ExecuteStatement\.Parameters/,
    (SessionToken, TransactionId) => ({
      SessionToken,
      ExecuteStatement: { TransactionId, Statement: 'INSERT INTO t ?', Parameters },
    }),
  ]),
  [
    'CommitDigest a number',
    /CommitTransaction\.CommitDigest/,
    (SessionToken, TransactionId) => ({
      SessionToken,
      CommitTransaction: { TransactionId, CommitDigest: 5 },
    }),
  ],
  [
    'NextPageToken a number',
    /FetchPage\.NextPageToken/,
    (SessionToken, TransactionId) => ({ SessionToken, FetchPage: { TransactionId, NextPageToken: 5 } }),
  ],
];

describe.each(engines)('the QLDB endpoint given a malformed command field ($name)', (engine: TestEngine) => {
  let created: Awaited<ReturnType<TestEngine['create']>>;
  let ledger: Ledger;
  let server: QldbServer;
  let qldb: ReturnType<typeof connect>;

  beforeAll(async () => {
    created = await engine.create();
    ledger = await openLedger(created.db);
    const logger = pino({ level: 'silent' });
    server = await startQldbServer({ ledgerName: LEDGER, ledger, keys, logger, port: 0 });
    qldb = connect(server.url);
    const txn = await qldb.begin();
    await qldb.execute(txn, 'CREATE TABLE t');
    await qldb.commit(txn);
  });
  afterAll(async () => {
    qldb?.client.destroy();
    await server?.close();
    await created?.drop();
  });

  it.each(MALFORMED)('answers %s 400 BadRequestException and changes nothing', async (_, field, body) => {
    const txn = await qldb.begin();
    await qldb.execute(txn, 'INSERT INTO t ?', ion.dumpBinary({ k: 'kept' }));
    const before = await ledger.getDigest();
    const response = await signedFetch(server.url, JSON.stringify(body(txn.token, txn.id)));
    expect(await expectAwsError(response, 400, 'BadRequestException')).toMatch(field);
    expect(await ledger.getDigest()).toEqual(before);
    // The session, its transaction and the transaction's digest are as they were.
    await qldb.commit(txn);
    expect(await ledger.getDigest()).not.toEqual(before);
  });
});
