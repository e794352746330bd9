import { QldbDriver, RetryConfig, type TransactionExecutor } from 'amazon-qldb-driver-nodejs';
import { cryptoHasherProvider, makeHashReader } from 'ion-hash-js';
import * as ion from 'ion-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../harness/databases.ts';
import { type Ledger, openLedger } from '../../../src/backends/ledger/openLedger.ts';
import { readBlock, type StoredBlock } from '../../../src/backends/ledger/readBlock.ts';
import { type QldbServer, startQldbServer } from '../../../src/server/qldb/qldbEndpoint.ts';
import { dot } from './independentVerifier.ts';

const engines = await testEngines();
const LEDGER = 'block-format-ledger';
const KEY = { accessKeyId: 'AKIAFIGWAYBLOCKS', secretAccessKey: 'test-secret-for-block-formats' };
const hex = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('hex');

// The commit digest as amazon-qldb-driver-nodejs computes it (QldbHash.toQldbHash and
// Transaction._sendExecute), with ion-hash-js and not with src/: the Ion hash of the
// transaction id, dotted with each statement's hash, itself the hash of its text dotted
// with each parameter's (the parameter as ion.dumpBinary writes it).
function driverHash(value: string | Uint8Array): Uint8Array {
  let bytes = value;
  if (typeof bytes === 'string') {
    const writer = ion.makeTextWriter();
    writer.writeString(bytes);
    writer.close();
    bytes = writer.getBytes();
  }
  const reader = makeHashReader(ion.makeReader(bytes), cryptoHasherProvider('sha256'));
  reader.next();
  reader.next();
  return new Uint8Array(reader.digest());
}

interface Ran {
  text: string;
  parameters: unknown[];
}

const statementDigest = ({ text, parameters }: Ran) =>
  parameters.reduce<Uint8Array>(
    (hash, parameter) => dot(hash, driverHash(ion.dumpBinary(parameter))),
    driverHash(text),
  );

/** Runs a statement through the driver's executor, noting what it sent. */
function runner(txn: TransactionExecutor, ran: Ran[]) {
  return (text: string, ...parameters: unknown[]) => {
    ran.push({ text, parameters });
    return txn.execute(text, ...parameters);
  };
}

describe.each(engines)('blocks committed through the QLDB session API ($name)', (engine: TestEngine) => {
  let created: Awaited<ReturnType<TestEngine['create']>>;
  let ledger: Ledger;
  let server: QldbServer;
  let driver: QldbDriver;
  const committed = { transactionId: '', tableId: '', documentId: '', ran: [] as Ran[], from: 0, to: 0 };

  async function blockOfTransaction(transactionId: string): Promise<StoredBlock> {
    const [row] = await created.db.query(
      'select strand_id, sequence_no from ledger.blocks where transaction_id = $1',
      [transactionId],
    );
    if (row === undefined) throw new Error(`no block has transaction id ${transactionId}`);
    const block = await readBlock(created.db, {
      strandId: String(row.strand_id),
      sequenceNo: Number(row.sequence_no),
    });
    if (block === null) throw new Error('the block is missing');
    return block;
  }

  beforeAll(async () => {
    created = await engine.create();
    ledger = await openLedger(created.db);
    server = await startQldbServer({
      port: 0,
      ledgerName: LEDGER,
      ledger,
      keys: new Map([[KEY.accessKeyId, KEY.secretAccessKey]]),
      logger: pino({ level: 'silent' }),
    });
    driver = new QldbDriver(
      LEDGER,
      { endpoint: server.url, region: 'us-east-1', credentials: KEY, maxAttempts: 1 },
      {},
      4,
      new RetryConfig(4, () => 5),
    );
    committed.tableId = await driver.executeLambda(async (txn) => {
      const [result] = (await txn.execute('CREATE TABLE vehicles')).getResultList();
      return result?.get('tableId')?.stringValue() ?? '';
    });
    committed.from = Date.now();
    await driver.executeLambda(async (txn) => {
      // A retried lambda runs again in a new transaction: only the committed one counts.
      const ran: Ran[] = [];
      const run = runner(txn, ran);
      committed.transactionId = txn.getTransactionId();
      const vehicle = {
        vin: 'V-1',
        registered: new Date('2026-01-02T03:04:05.006Z'),
        price: new ion.Decimal('12.50'),
      };
      const [inserted] = (await run('INSERT INTO vehicles ?', vehicle)).getResultList();
      committed.documentId = inserted?.get('documentId')?.stringValue() ?? '';
      await run('SELECT * FROM vehicles WHERE vin = ?', 'V-1');
      await run('UPDATE vehicles SET owner = ? WHERE vin = ?', 'alice', 'V-1');
      committed.ran = ran;
    });
    committed.to = Date.now();
  });
  afterAll(async () => {
    driver?.close();
    await server?.close();
    await created?.drop();
  });

  it("has the session's transaction id as the block's transactionId and each revision's txId", async () => {
    expect(committed.transactionId).toMatch(/^\S{22}$/);
    const block = await blockOfTransaction(committed.transactionId);
    expect(block.transactionId).toBe(committed.transactionId);
    expect(block.revisions.map((revision) => revision.metadata)).toEqual([
      expect.objectContaining({ id: committed.documentId, version: 0, txId: committed.transactionId }),
    ]);
  });

  it('lists the statements the session ran, and maps the document to its table, table id and writing statements', async () => {
    const block = await blockOfTransaction(committed.transactionId);
    expect(block.format).toBe(3);
    const info = ion.load(block.transactionInfoIon ?? new Uint8Array());
    const statements = info?.get('statements')?.elements() ?? [];
    expect(statements.map((statement) => statement.get('statement')?.stringValue())).toEqual(
      committed.ran.map((ran) => ran.text),
    );
    for (const statement of statements) {
      const startTime = statement.get('startTime')?.timestampValue()?.getDate().getTime() ?? 0;
      expect(startTime).toBeGreaterThanOrEqual(committed.from);
      expect(startTime).toBeLessThanOrEqual(committed.to);
    }
    // The INSERT and the UPDATE wrote the document; the SELECT wrote nothing.
    expect(JSON.parse(JSON.stringify(info?.get('documents')))).toEqual({
      [committed.documentId]: { tableName: 'vehicles', tableId: committed.tableId, statements: [0, 2] },
    });
  });

  it("folds its statements' digests into the commit digest the driver checked", async () => {
    const block = await blockOfTransaction(committed.transactionId);
    const info = ion.load(block.transactionInfoIon ?? new Uint8Array());
    const digests = (info?.get('statements')?.elements() ?? []).map(
      (statement) => statement.get('statementDigest')?.uInt8ArrayValue() ?? new Uint8Array(),
    );
    expect(digests.map(hex)).toEqual(committed.ran.map((ran) => hex(statementDigest(ran))));
    // The driver sent this digest with CommitTransaction, and the endpoint accepted it
    // only because it equals the one it computed: the block's digests fold into it.
    const driverDigest = committed.ran.reduce<Uint8Array>(
      (digest, ran) => dot(digest, statementDigest(ran)),
      driverHash(committed.transactionId),
    );
    expect(hex(digests.reduce<Uint8Array>(dot, driverHash(committed.transactionId)))).toBe(hex(driverDigest));
  });

  it('records CREATE TABLE as its statement writing the catalog document of the new table', async () => {
    const [row] = await created.db.query(
      `select transaction_id from ledger.revisions r join ledger.blocks b using (strand_id, sequence_no)
       where r.table_name = 'information_schema.user_tables' and r.document_id = $1 and r.version = 0`,
      [committed.tableId],
    );
    const block = await blockOfTransaction(String(row?.transaction_id));
    expect(block.transactionInfo).toMatchObject({
      statements: [{ statement: 'CREATE TABLE vehicles' }],
      documents: {
        [committed.tableId]: {
          tableName: 'information_schema.user_tables',
          tableId: 'information_schema.user_tables',
          statements: [0],
        },
      },
    });
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: 2 });
  });
});
