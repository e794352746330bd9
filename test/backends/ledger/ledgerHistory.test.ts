import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import type { AppendedTransaction } from '../../../src/backends/ledger/appendTransaction.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import type { Database, Row } from '../../../src/core/database.ts';
import { openTestLedger, steppingClock } from './ledgerFixture.ts';

const engines = await testEngines();
const TABLE = 'commitments';

interface Commitment {
  title: string;
  status: string;
  amount: number;
}

const VERSIONS: Commitment[] = [
  { title: 'Lease', status: 'draft', amount: 1200 },
  { title: 'Lease', status: 'proposed', amount: 1250.5 },
  { title: 'Lease', status: 'signed', amount: 1250.5 },
  { title: 'Lease (amended)', status: 'signed', amount: 1300 },
];

describe.each(engines)('ledger history ($name)', (engine) => {
  let ledger: Ledger;
  let db: Database;
  let drop: () => Promise<void>;
  const { clock, times } = steppingClock('2025-01-31T23:59:58.500Z', 750);
  const appended: AppendedTransaction[] = [];

  async function blockOf(transactionId: string): Promise<Row> {
    const [block] = await db.query('select * from ledger.blocks where transaction_id = $1', [transactionId]);
    if (block === undefined) throw new Error(`no block for ${transactionId}`);
    return block;
  }

  beforeAll(async () => {
    ({ ledger, db, drop } = await openTestLedger(engine, { clock }));
  });
  afterAll(async () => {
    await drop?.();
  });

  it('has no digest, no documents and a valid empty journal before the first write', async () => {
    expect(await ledger.getDigest()).toBeNull();
    expect(await ledger.current(TABLE, 'c-1')).toBeNull();
    expect(await ledger.history(TABLE, 'c-1')).toEqual([]);
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: 0 });
  });

  it('records each write with the injected clock and names its block', async () => {
    for (const [version, data] of VERSIONS.entries()) {
      const writes = [
        { tableName: TABLE, documentId: 'c-1', data, expectedVersion: version === 0 ? null : version - 1 },
      ];
      // Another document in the same table and the same id in another table, so
      // history must pick by table and id.
      if (version === 1) writes.push({ tableName: TABLE, documentId: 'c-2', data, expectedVersion: null });
      if (version === 2) writes.push({ tableName: 'drafts', documentId: 'c-1', data, expectedVersion: null });
      appended.push(await ledger.write(writes));
    }
    expect(times).toHaveLength(VERSIONS.length);
    for (const [i, transaction] of appended.entries()) {
      expect(transaction.blockAddress.sequenceNo).toBe(i);
      const block = await blockOf(transaction.transactionId);
      expect(Number(block.sequence_no)).toBe(i);
      expect(new Date(block.block_timestamp as Date).toISOString()).toBe(times[i]?.toISOString());
    }
  });

  it('returns versions 0..n oldest first with data and metadata', async () => {
    const history = await ledger.history<Commitment>(TABLE, 'c-1');
    expect(history.map((revision) => revision.metadata.version)).toEqual([0, 1, 2, 3]);
    for (const [i, revision] of history.entries()) {
      const transaction = appended[i] as AppendedTransaction;
      expect(revision.tableName).toBe(TABLE);
      expect(revision.data).toEqual(VERSIONS[i]);
      expect(revision.metadata).toEqual({
        id: 'c-1',
        version: i,
        txTime: times[i]?.toISOString(),
        txId: transaction.transactionId,
      });
      const block = await blockOf(revision.metadata.txId);
      expect(revision.blockAddress).toEqual({
        strandId: String(block.strand_id),
        sequenceNo: Number(block.sequence_no),
      });
      expect(revision.blockAddress).toEqual(transaction.blockAddress);
      expect(Buffer.from(revision.hash).equals(Buffer.from(transaction.revisions[0]?.hash ?? []))).toBe(true);
    }
  });

  it('keeps the history of the same id in another table apart', async () => {
    const drafts = await ledger.history<Commitment>('drafts', 'c-1');
    expect(drafts).toHaveLength(1);
    expect(drafts[0]?.metadata).toMatchObject({ id: 'c-1', version: 0, txId: appended[2]?.transactionId });
    expect(await ledger.history(TABLE, 'c-2')).toHaveLength(1);
  });

  it('returns the newest revision as current, in the block that holds it', async () => {
    const current = await ledger.current<Commitment>(TABLE, 'c-1');
    const history = await ledger.history<Commitment>(TABLE, 'c-1');
    expect(current).toEqual(history.at(-1));
    expect(current?.data).toEqual(VERSIONS.at(-1));
    expect(current?.metadata.version).toBe(VERSIONS.length - 1);
    const held = await db.query(
      'select document_id, version from ledger.revisions where strand_id = $1 and sequence_no = $2',
      [current?.blockAddress.strandId, current?.blockAddress.sequenceNo],
    );
    expect(held.map((row) => [row.document_id, Number(row.version)])).toContainEqual(['c-1', 3]);
    const block = await blockOf(current?.metadata.txId ?? '');
    expect(Number(block.sequence_no)).toBe(current?.blockAddress.sequenceNo);
  });

  it('has a digest whose tip is the last block once written', async () => {
    const digest = await ledger.getDigest();
    expect(digest?.tipAddress).toEqual(appended.at(-1)?.blockAddress);
    expect(digest?.digest).toHaveLength(32);
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: VERSIONS.length });
  });
});
