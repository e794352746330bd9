import { QldbDriver, RetryConfig } from 'amazon-qldb-driver-nodejs';
import * as ion from 'ion-js';
import { pino } from 'pino';
import { createLedgerCommitments } from '../../../src/backends/ledger/ledgerCommitments.ts';
import type { LedgerWrite } from '../../../src/backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import { startQldbServer } from '../../../src/server/qldb/qldbEndpoint.ts';
import { writeAlicesCommitment } from './commitmentLedgerFixture.ts';
import { EVERY_TYPE, generatedDocument, ionBinary } from './ionDocumentFixture.ts';

/** The QLDB ledger name and key the fixture's driver uses. */
export const LEDGER_NAME = 'journal-export-ledger';
export const KEY = { accessKeyId: 'AKIAFIGWAYEXPORT', secretAccessKey: 'test-secret-for-journal-exports' };

/** What {@link writeMixedJournal} wrote, to look for after an import. */
export interface MixedJournal {
  commitmentId: string;
  /** The document the QLDB session inserted, updated, and kept. */
  vehicleId: string;
  /** The document the QLDB session inserted and deleted. */
  deletedId: string;
}

const ionWrite = (
  documentId: string,
  ion: Uint8Array,
  expectedVersion: number | null = null,
): LedgerWrite => ({
  tableName: 'documents',
  documentId,
  data: null,
  ion,
  expectedVersion,
});

/** Runs `work` with an unmodified QldbDriver against the ledger's QLDB endpoint. */
export async function withDriver<T>(ledger: Ledger, work: (driver: QldbDriver) => Promise<T>): Promise<T> {
  const server = await startQldbServer({
    port: 0,
    ledgerName: LEDGER_NAME,
    ledger,
    keys: new Map([[KEY.accessKeyId, KEY.secretAccessKey]]),
    logger: pino({ level: 'silent' }),
  });
  const driver = new QldbDriver(
    LEDGER_NAME,
    { endpoint: server.url, region: 'us-east-1', credentials: KEY, maxAttempts: 1 },
    {},
    2,
    new RetryConfig(4, () => 5),
  );
  try {
    return await work(driver);
  } finally {
    driver.close();
    await server.close();
  }
}

async function writeThroughSessions(ledger: Ledger): Promise<{ vehicleId: string; deletedId: string }> {
  return withDriver(ledger, async (driver) => {
    await driver.executeLambda(async (txn) => {
      await txn.execute('CREATE TABLE vehicles');
      await txn.execute('CREATE INDEX ON vehicles (vin)');
    });
    const ids = await driver.executeLambda(async (txn) => {
      const inserted = async (document: Record<string, unknown>) =>
        (await txn.execute('INSERT INTO vehicles ?', document))
          .getResultList()[0]
          ?.get('documentId')
          ?.stringValue();
      const vehicleId = await inserted({
        vin: 'V-1',
        registered: new Date('2026-01-02T03:04:05.006Z'),
        price: new ion.Decimal('12.50'),
        photo: new Uint8Array([0, 1, 2, 254, 255]),
      });
      const deletedId = await inserted({ vin: 'V-2', price: new ion.Decimal('-0.0') });
      return { vehicleId: vehicleId ?? '', deletedId: deletedId ?? '' };
    });
    await driver.executeLambda((txn) => txn.execute("UPDATE vehicles SET owner = 'alice' WHERE vin = 'V-1'"));
    await driver.executeLambda((txn) => txn.execute("DELETE FROM vehicles WHERE vin = 'V-2'"));
    return ids;
  });
}

/**
 * Writes a journal with every kind of block figway makes: JSON commitment documents
 * through the gateway's ledger path (two blocks); a QLDB session's CREATE TABLE and
 * CREATE INDEX, an insert of two Ion documents (a timestamp, decimals, a blob), an
 * update and a deletion, through the unmodified driver; Ion documents of every type in
 * one block; a second version of one; and a format 1 block (one id in two tables).
 */
export async function writeMixedJournal(ledger: Ledger): Promise<MixedJournal> {
  const commitmentId = await writeAlicesCommitment(createLedgerCommitments(ledger));
  const { vehicleId, deletedId } = await writeThroughSessions(ledger);
  await ledger.write([
    ionWrite('every-type', ionBinary(EVERY_TYPE)),
    ionWrite('generated-1', generatedDocument(1)),
    ionWrite('generated-2', generatedDocument(2)),
  ]);
  await ledger.write([ionWrite('generated-1', generatedDocument(3), 0)]);
  await ledger.write([
    { tableName: 'left', documentId: 'twin', data: { side: 'left', n: 1.5 }, expectedVersion: null },
    { tableName: 'right', documentId: 'twin', data: { side: 'right', n: 2 }, expectedVersion: null },
  ]);
  return { commitmentId, vehicleId, deletedId };
}
