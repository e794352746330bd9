import {
  BadRequestException,
  InvalidSessionException,
  QLDBSessionServiceException,
} from '@aws-sdk/client-qldb-session';
import { isTransactionExpiredException } from 'amazon-qldb-driver-nodejs';
import * as ion from 'ion-js';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../harness/databases.ts';
import type { LedgerDigest } from '../../../src/backends/ledger/ledgerTypes.ts';
import { type Ledger, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import { type QldbServer, startQldbServer } from '../../../src/server/qldb/qldbEndpoint.ts';
import { eventually } from '../../support/eventually.ts';
import {
  connect,
  dot,
  expectAwsError,
  ionHashOfString,
  keys,
  LEDGER,
  refusal,
  SEND_COMMAND,
  signedFetch,
  statementHash,
} from './qldbSessionClient.ts';

const engines = await testEngines();
const logger = pino({ level: 'silent' });

describe.each(engines)('the QLDB endpoint given what a client sends ($name)', (engine: TestEngine) => {
  let created: Awaited<ReturnType<TestEngine['create']>>;
  let ledger: Ledger;
  let server: QldbServer;
  let qldb: ReturnType<typeof connect>;
  const serve = (sessions = {}) =>
    startQldbServer({ ledgerName: LEDGER, ledger, keys, logger, port: 0, sessions });

  beforeAll(async () => {
    created = await engine.create();
    ledger = await openLedger(created.db);
    server = await serve();
    qldb = connect(server.url);
    const txn = await qldb.begin();
    await qldb.execute(txn, 'CREATE TABLE t');
    await qldb.execute(txn, 'CREATE TABLE pages');
    await qldb.commit(txn);
  });
  afterAll(async () => {
    qldb?.client.destroy();
    await server?.close();
    await created?.drop();
  });

  describe('CommitTransaction', () => {
    const inserted = ion.dumpBinary({ id: 'c-digest', status: 'draft' });

    it('refuses a digest over a different statement and leaves the ledger as it was', async () => {
      const before = await ledger.getDigest();
      const txn = await qldb.begin();
      await qldb.execute(txn, 'INSERT INTO t ?', inserted);
      const other = dot(ionHashOfString(txn.id), statementHash('INSERT INTO pages ?', [inserted]));
      await refusal(qldb.commit(txn, other), BadRequestException, /commit digest/);
      expect(await ledger.getDigest()).toEqual(before);
    });

    it('commits with the digest of the statements it ran and returns that digest', async () => {
      const before = await ledger.getDigest();
      const txn = await qldb.begin();
      await qldb.execute(txn, 'INSERT INTO t ?', inserted);
      const answer = (await qldb.commit(txn)).CommitTransaction;
      expect(answer?.TransactionId).toBe(txn.id);
      const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex');
      expect(hex(answer?.CommitDigest)).toBe(hex(txn.digest));
      expect(await ledger.getDigest()).not.toEqual(before);
    });

    it('counts a refused statement in the digest, as the driver does, and lists only what ran', async () => {
      const txn = await qldb.begin();
      await refusal(qldb.execute(txn, 'SELECT * FROM no_such_table'), BadRequestException, /no_such_table/);
      await qldb.execute(txn, 'INSERT INTO t ?', ion.dumpBinary({ id: 'c-after-refusal' }));
      await qldb.commit(txn);
      const [block] = await created.db.query<{
        transaction_info: { statements: Array<{ statement: string }> };
      }>('select transaction_info from ledger.blocks order by sequence_no desc limit 1');
      // The block's transaction info lists the statements that ran, as QLDB's does.
      expect(block?.transaction_info.statements.map(({ statement }) => statement)).toEqual([
        'INSERT INTO t ?',
      ]);
    });

    it('commits nothing of an UPDATE refused part way through its documents', async () => {
      const setup = await qldb.begin();
      await qldb.execute(setup, 'CREATE TABLE partial');
      await qldb.execute(setup, "INSERT INTO partial << {'x': [1]}, {'x': 's'}, {'x': [1]} >>");
      await qldb.commit(setup);
      const txn = await qldb.begin();
      await refusal(qldb.execute(txn, 'UPDATE partial SET x[0] = 5'), BadRequestException, /cannot be set/);
      await qldb.commit(txn);
      const page = await qldb.execute(await qldb.begin(), 'SELECT VALUE x FROM partial');
      const values = page?.Values?.map((value) => ion.dumpText(ion.load(value.IonBinary ?? '')));
      expect(values?.sort()).toEqual(['"s"', '[1]', '[1]']);
    });
  });

  describe('FetchPage', () => {
    it('returns 450 documents as pages of 200, 200 and 50, each document once', async () => {
      const load = await qldb.begin();
      const documents = Array.from({ length: 450 }, (_, n) => ({ n }));
      await qldb.execute(load, 'INSERT INTO pages ?', ion.dumpBinary(documents));
      await qldb.commit(load);

      const txn = await qldb.begin();
      const pages = [await qldb.execute(txn, 'SELECT * FROM pages')];
      for (let NextPageToken = pages[0]?.NextPageToken; NextPageToken !== undefined; ) {
        const fetchPage = { TransactionId: txn.id, NextPageToken };
        const page = (await qldb.send({ SessionToken: txn.token, FetchPage: fetchPage })).FetchPage?.Page;
        pages.push(page);
        NextPageToken = page?.NextPageToken;
      }
      expect(pages.map((page) => page?.Values?.length)).toEqual([200, 200, 50]);
      const values = pages.flatMap((page) => page?.Values ?? []);
      const seen = values.map((value) => String(ion.load(value.IonBinary ?? '')?.get('n')));
      expect(new Set(seen).size).toBe(450);
    });

    it('refuses a page token it never gave', async () => {
      const txn = await qldb.begin();
      const fetchPage = { TransactionId: txn.id, NextPageToken: 'not-a-token-it-gave' };
      await refusal(qldb.send({ SessionToken: txn.token, FetchPage: fetchPage }), BadRequestException);
    });
  });

  describe('bad input', () => {
    let before: LedgerDigest | null;
    beforeEach(async () => {
      before = await ledger.getDigest();
    });
    afterEach(async () => {
      expect(await ledger.getDigest()).toEqual(before);
    });

    it('answers an unsigned request 403 MissingAuthenticationTokenException', async () => {
      const body = JSON.stringify({ StartSession: { LedgerName: LEDGER } });
      const response = await fetch(server.url, { method: 'POST', headers: SEND_COMMAND, body });
      await expectAwsError(response, 403, 'MissingAuthenticationTokenException');
    });

    it('answers a request signed with a wrong secret 403', async () => {
      const wrong = connect(server.url, 'not-the-secret');
      const error = await refusal(wrong.begin(), QLDBSessionServiceException);
      wrong.client.destroy();
      expect(error.name).toBe('InvalidSignatureException');
      expect(error.$metadata.httpStatusCode).toBe(403);
    });

    it('refuses a session token it never gave with InvalidSessionException', async () => {
      await refusal(qldb.send({ SessionToken: 'made-up', StartTransaction: {} }), InvalidSessionException);
    });

    it('refuses a statement in a transaction that is not open with InvalidSessionException', async () => {
      const { token } = await qldb.begin();
      const statement = { TransactionId: 'NotTheOpenTransaction', Statement: 'SELECT * FROM t' };
      await refusal(qldb.send({ SessionToken: token, ExecuteStatement: statement }), InvalidSessionException);
    });

    it('refuses a parameter whose IonBinary is not Ion, naming the parameter', async () => {
      const notIon = Uint8Array.from([0xe0, 0x01, 0x00, 0xea, 0x21]);
      const txn = await qldb.begin();
      await refusal(qldb.sendStatement(txn, 'INSERT INTO t ?', notIon), BadRequestException, /Parameter 1/);
    });

    it.each([
      ['ORDER BY', 'SELECT * FROM t ORDER BY x', /ORDER BY/],
      ['a syntax error', 'SELECT * FROM t WHERE', /syntax error/],
    ])('refuses %s with BadRequestException', async (_, statement, message) => {
      await refusal(qldb.execute(await qldb.begin(), statement), BadRequestException, message);
    });

    it('refuses a 10 MB statement at the 1 MiB body limit and serves the next request', async () => {
      const statement = `SELECT * FROM t WHERE x = '${'x'.repeat(10 << 20)}'`;
      const txn = await qldb.begin();
      const error = await refusal(qldb.sendStatement(txn, statement), BadRequestException, /1048576/);
      expect(error.$metadata.httpStatusCode).toBe(413);
      expect(await qldb.execute(await qldb.begin(), 'SELECT * FROM t')).toBeDefined();
    });

    it('refuses a body that is not JSON with BadRequestException', async () => {
      await expectAwsError(await signedFetch(server.url, 'StartSession please'), 400, 'BadRequestException');
    });

    it('refuses a body with two commands with BadRequestException', async () => {
      const twoCommands = { StartSession: { LedgerName: LEDGER }, EndSession: {} };
      await refusal(qldb.send(twoCommands), BadRequestException, /exactly one command/);
    });

    it('refuses StartSession for a ledger it does not serve', async () => {
      await refusal(qldb.send({ StartSession: { LedgerName: 'another' } }), BadRequestException, /another/);
    });
  });

  describe('transaction timeout', () => {
    it('expires a transaction older than its timeout as the driver recognizes it', async () => {
      const brief = await serve({ transactionTimeoutMs: 50 });
      const briefQldb = connect(brief.url);
      try {
        const txn = await briefQldb.begin();
        // Polls until the endpoint answers the expiry; every statement before it succeeds.
        const attempt = () =>
          briefQldb
            .execute(txn, 'SELECT * FROM t')
            .then(() => null)
            .catch((error: unknown) => error);
        const answer = await eventually(attempt, (error) => error !== null, 5000);
        const error = await refusal(Promise.reject(answer), InvalidSessionException);
        expect(isTransactionExpiredException(error)).toBe(true);
        expect(error.Code).toBe('Expired');
      } finally {
        briefQldb.client.destroy();
        await brief.close();
      }
    });
  });
});
