import * as ion from 'ion-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import type { AppendedTransaction } from '../../../src/backends/ledger/appendTransaction.ts';
import { ionToJson } from '../../../src/backends/ledger/ionToJson.ts';
import { sha256 } from '../../../src/backends/ledger/ledgerHash.ts';
import { blockIonText } from '../../../src/backends/ledger/ledgerIonText.ts';
import type { LedgerStatement, LedgerWrite } from '../../../src/backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import { qldbTransactionInfo } from '../../../src/backends/ledger/qldbTransactionInfo.ts';
import { readBlock, type StoredBlock } from '../../../src/backends/ledger/readBlock.ts';
import type { Database } from '../../../src/core/database.ts';
import { awsSampleBlockProblem } from './awsSampleBlockCheck.ts';
import {
  byteaOf,
  dot,
  foldProof,
  ionHashOfIonBytes,
  merkleRootOf,
  recomputeBlock,
  siblingPathOf,
} from './independentVerifier.ts';
import { blockRows, openTestLedger, revisionRowsByBlock, steppingClock } from './ledgerFixture.ts';

const engines = await testEngines();
const hex = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('hex');
const TABLE = 'commitments';
const SESSION_TX = 'QldbSessionTransactio1';

const write = (documentId: string, data: object, extra: Partial<LedgerWrite> = {}): LedgerWrite => ({
  tableName: TABLE,
  documentId,
  data,
  expectedVersion: null,
  ...extra,
});

const STATEMENTS: LedgerStatement[] = [
  {
    statement: 'INSERT INTO commitments ?',
    startTime: new Date('2024-03-01T11:59:58.120Z'),
    digest: sha256(Buffer.from('insert')),
  },
  {
    statement: "UPDATE commitments SET status = 'signed' WHERE id = ?",
    startTime: new Date('2024-03-01T11:59:59.005Z'),
    digest: sha256(Buffer.from('update')),
  },
];

/** The printed GetBlock text of a stored block, read back as an Ion value. */
function printed(block: StoredBlock): ion.dom.Value {
  const value = ion.load(blockIonText(block));
  if (value === null) throw new Error('GetBlock printed nothing');
  return value;
}

describe('qldbTransactionInfo', () => {
  it('stores Ion text that reads back as the value it hashed and as its JSON, whatever the strings hold', () => {
    const odd = [
      'it\'s "quoted"',
      'back\\slash',
      'line\nbreak\ttab',
      'nul\u0000del\u007f',
      'é 漢 🚀',
      "'$10'",
      '',
    ];
    for (const text of odd) {
      const info = qldbTransactionInfo(
        [write(text, {}, { tableName: `t ${text}`, tableId: text, statements: [0] })],
        [
          {
            statement: text,
            startTime: new Date('2024-02-29T23:59:59.999Z'),
            digest: sha256(Buffer.from(text)),
          },
        ],
      );
      if (info === null) throw new Error('no transaction info');
      expect(hex(ionHashOfIonBytes(info.ion))).toBe(hex(info.hash));
      expect(info.json).toEqual(ionToJson(info.ion));
      const read = ion.load(info.ion);
      expect(read?.get('statements', 0, 'statement')?.stringValue()).toBe(text);
      expect(read?.get('documents', text, 'tableName')?.stringValue()).toBe(`t ${text}`);
      expect(read?.get('documents', text, 'tableId')?.stringValue()).toBe(text);
    }
  });
});

describe.each(engines)('block format 3 ($name)', (engine) => {
  let ledger: Ledger;
  let db: Database;
  let drop: () => Promise<void>;
  let gateway: AppendedTransaction;
  let session: AppendedTransaction;

  async function blockOf(appended: AppendedTransaction): Promise<StoredBlock> {
    const block = await readBlock(db, appended.blockAddress);
    if (block === null) throw new Error('the block is missing');
    return block;
  }

  beforeAll(async () => {
    ({ ledger, db, drop } = await openTestLedger(engine, { clock: steppingClock().clock }));
    gateway = await ledger.write([
      write('a', { amount: 1 }),
      write('b', { amount: 2 }),
      write('c', { amount: 3 }),
    ]);
    session = await ledger.write(
      [
        write('d', { amount: 4 }, { tableId: 'tableIdOfCommitments00', statements: [0, 1] }),
        write('a', { amount: 5 }, { expectedVersion: 0, tableId: 'tableIdOfCommitments00', statements: [1] }),
      ],
      undefined,
      { transactionId: SESSION_TX, statements: STATEMENTS },
    );
  });
  afterAll(async () => {
    await drop?.();
  });

  it("lists the revisions' Merkle root, then the transaction info's hash, which hash to the entries hash", async () => {
    for (const appended of [gateway, session]) {
      const block = await blockOf(appended);
      expect(block.format).toBe(3);
      const infoHash = ionHashOfIonBytes(block.transactionInfoIon ?? new Uint8Array());
      const revisionsRoot = merkleRootOf(appended.revisions.map((revision) => revision.hash));
      expect(block.entries.map(hex)).toEqual([hex(revisionsRoot), hex(infoHash)]);
      expect(hex(merkleRootOf(block.entries))).toBe(hex(block.entriesHash));
      expect(hex(dot(block.entriesHash, block.previousBlockHash))).toBe(hex(block.blockHash));
      // As GetBlock prints it: the last entry is the Ion hash of the printed transactionInfo.
      const text = printed(block);
      const list = text.get('entriesHashList')?.elements() ?? [];
      expect(list.map((entry) => hex(entry.uInt8ArrayValue()))).toEqual(block.entries.map(hex));
      const info = text.get('transactionInfo');
      expect(hex(ionHashOfIonBytes(ion.dumpBinary(info)))).toBe(hex(list.at(-1)?.uInt8ArrayValue()));
    }
  });

  it("passes AWS's sample block check (JournalBlock.verifyBlockHash) as GetBlock prints it", async () => {
    for (const appended of [gateway, session]) {
      expect(appended.revisions.length).toBeGreaterThan(1);
      expect(awsSampleBlockProblem(printed(await blockOf(appended)))).toBeNull();
    }
  });

  it("proves each revision through the block's revisions tree, then its entries, as QLDB does", async () => {
    const digest = await ledger.getDigest();
    if (digest === null) throw new Error('no digest');
    for (const appended of [gateway, session]) {
      const block = await blockOf(appended);
      const hashes = appended.revisions.map((revision) => revision.hash);
      for (const [index, revision] of appended.revisions.entries()) {
        const proof = await ledger.getRevisionProof(
          appended.blockAddress,
          revision.metadata.id,
          digest.tipAddress,
          revision.metadata.version,
        );
        // The revision's siblings among the block's revisions, then the transaction
        // info's hash (the revisions' root's sibling), then the previous block's hash
        // (none for the first block).
        const inBlock = [...siblingPathOf(hashes, index), block.entries[1] as Uint8Array];
        expect(hex(foldProof(revision.hash, inBlock))).toBe(hex(block.entriesHash));
        const previous = block.previousBlockHash.length > 0 ? [block.previousBlockHash] : [];
        const head = [...inBlock, ...previous];
        expect(proof.slice(0, head.length).map(hex)).toEqual(head.map(hex));
        expect(hex(foldProof(revision.hash, proof))).toBe(hex(digest.digest));
      }
    }
  });

  it('stores rows the independent verifier recomputes with the transaction info last', async () => {
    const revisions = await revisionRowsByBlock(db);
    const written = [gateway, session].map((appended) => appended.blockAddress.sequenceNo);
    for (const row of (await blockRows(db)).filter((block) => written.includes(Number(block.sequence_no)))) {
      const rows = revisions.get(Number(row.sequence_no)) ?? [];
      expect(Number(row.format)).toBe(3);
      expect(rows.map((revision) => Number(revision.entry_index))).toEqual(rows.map((_, i) => i));
      const recomputed = recomputeBlock(row, rows);
      expect(recomputed.entries).toHaveLength(2);
      expect(hex(recomputed.entries[0])).toBe(hex(merkleRootOf(recomputed.revisionHashes)));
      expect(hex(recomputed.entries[1])).toBe(hex(ionHashOfIonBytes(byteaOf(row.transaction_info_ion))));
      expect(hex(recomputed.entriesHash)).toBe(hex(byteaOf(row.entries_hash)));
      expect(hex(recomputed.blockHash)).toBe(hex(byteaOf(row.block_hash)));
    }
  });

  it("gives the transaction info QLDB's shape: statements, and documents mapped to their table and statements", async () => {
    const info = printed(await blockOf(session)).get('transactionInfo');
    const statements = info?.get('statements')?.elements() ?? [];
    expect(statements).toHaveLength(2);
    for (const [i, statement] of statements.entries()) {
      const expected = STATEMENTS[i] as LedgerStatement;
      expect(statement.get('statement')?.stringValue()).toBe(expected.statement);
      expect(statement.get('startTime')?.getType()).toBe(ion.IonTypes.TIMESTAMP);
      expect(statement.get('startTime')?.timestampValue()?.getDate().toISOString()).toBe(
        expected.startTime.toISOString(),
      );
      expect(statement.get('statementDigest')?.getType()).toBe(ion.IonTypes.BLOB);
      expect(hex(statement.get('statementDigest')?.uInt8ArrayValue())).toBe(hex(expected.digest));
    }
    const documents = info?.get('documents');
    expect(documents?.getType()).toBe(ion.IonTypes.STRUCT);
    expect(JSON.parse(JSON.stringify(documents))).toEqual({
      d: { tableName: TABLE, tableId: 'tableIdOfCommitments00', statements: [0, 1] },
      a: { tableName: TABLE, tableId: 'tableIdOfCommitments00', statements: [1] },
    });
    expect(info?.fieldNames()).toEqual(['statements', 'documents']);
  });

  it("names the block and every revision's txId with the transaction id it was given", async () => {
    const block = await blockOf(session);
    expect(session.transactionId).toBe(SESSION_TX);
    expect(block.transactionId).toBe(SESSION_TX);
    expect(block.revisions.map((revision) => revision.metadata.txId)).toEqual([SESSION_TX, SESSION_TX]);
    expect(printed(block).get('transactionId')?.stringValue()).toBe(SESSION_TX);
    expect(gateway.transactionId).toMatch(/^[\w-]{22}$/);
  });

  it("lists no statement for the gateway's own writes, and maps each document to its table by name", async () => {
    const block = await blockOf(gateway);
    expect(block.transactionInfo).toEqual({
      statements: [],
      documents: Object.fromEntries(
        ['a', 'b', 'c'].map((id) => [id, { tableName: TABLE, tableId: TABLE, statements: [] }]),
      ),
    });
  });

  it('writes a block whose transaction writes one id in two tables in format 1, which verifies', async () => {
    const appended = await ledger.write([
      write('twin', { n: 1 }),
      { ...write('twin', { n: 2 }), tableName: 'drafts' },
    ]);
    const block = await blockOf(appended);
    expect(block.format).toBe(1);
    expect(block.transactionInfoIon).toBeNull();
    expect(block.transactionInfo).toMatchObject({ transactionId: appended.transactionId });
    expect(block.entries.slice(1).map(hex)).toEqual(appended.revisions.map((r) => hex(r.hash)));
    expect(await ledger.verifyJournal()).toMatchObject({ ok: true });
  });

  it.each([
    [
      'a statement index it was not given',
      [write('bad-1', {}, { statements: [2] })],
      { statements: STATEMENTS },
      /names statement 2 of 2/,
    ],
    ['an empty transaction id', [write('bad-2', {})], { transactionId: '' }, /non-empty string/],
    [
      'one id in two tables with statements',
      [write('bad-3', {}), { ...write('bad-3', {}), tableName: 'drafts' }],
      { statements: STATEMENTS },
      /maps a document id to one table/,
    ],
  ])('refuses %s before writing anything', async (_, writes, options, message) => {
    const before = await ledger.getDigest();
    await expect(ledger.write(writes, undefined, options)).rejects.toThrow(message);
    expect(await ledger.getDigest()).toEqual(before);
  });

  it('refuses a transaction id a block already has, writing nothing', async () => {
    const before = await ledger.getDigest();
    await expect(
      ledger.write([write('again', {})], undefined, { transactionId: SESSION_TX }),
    ).rejects.toThrow();
    expect(await ledger.getDigest()).toEqual(before);
    expect(await ledger.current(TABLE, 'again')).toBeNull();
  });
});
