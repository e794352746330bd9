import * as ion from 'ion-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { sha256 } from '../../../src/backends/ledger/ledgerHash.ts';
import { blockIonText } from '../../../src/backends/ledger/ledgerIonText.ts';
import type { BlockAddress, LedgerDigest } from '../../../src/backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import { qldbTransactionInfo } from '../../../src/backends/ledger/qldbTransactionInfo.ts';
import { readBlock } from '../../../src/backends/ledger/readBlock.ts';
import type { Database } from '../../../src/core/database.ts';
import { awsSampleBlockProblem } from './awsSampleBlockCheck.ts';
import { appendFormat1Block } from './format1Blocks.ts';
import { appendFormat2Block } from './format2Blocks.ts';
import {
  byteaOf,
  ionHashOfIonBytes,
  ionHashOfJson,
  merkleRootOf,
  recomputeBlock,
  revisionOfRow,
  verifyRevisionIndependently,
} from './independentVerifier.ts';
import { blockRows, openTestLedger, revisionRowsByBlock, steppingClock, tamper } from './ledgerFixture.ts';

const engines = await testEngines();
const hex = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('hex');
const TABLE = 'commitments';
const STATEMENT = {
  statement: 'INSERT INTO commitments ?',
  startTime: new Date('2024-03-01T12:00:00.250Z'),
  digest: sha256(Buffer.from('statement')),
};

// A journal as an upgraded figway holds it: blocks 0-2 written by the release before the
// previous (format 1, through 004's append_block), blocks 3-4 by the previous one (format
// 2, through 005's), blocks 5-7 by this one (format 3).
const FORMATS = [1, 1, 1, 2, 2, 3, 3, 3];
const BLOCKS = FORMATS.length;

describe.each(engines)('a journal of format 1, then 2, then 3 blocks ($name)', (engine) => {
  let ledger: Ledger;
  let db: Database;
  let drop: () => Promise<void>;
  let digest: LedgerDigest;
  const at = (sequenceNo: number): BlockAddress => ({ strandId: digest.tipAddress.strandId, sequenceNo });

  beforeAll(async () => {
    ({ ledger, db, drop } = await openTestLedger(engine, { clock: steppingClock().clock }));
    const json = (documentId: string, amount: number, expectedVersion: number | null = null) => ({
      tableName: TABLE,
      documentId,
      data: { amount },
      expectedVersion,
    });
    await appendFormat1Block(db, [json('A', 1)], new Date('2024-02-01T10:00:00.000Z'));
    await appendFormat1Block(db, [json('B', 2), json('C', 3)], new Date('2024-02-01T10:00:01.000Z'));
    await appendFormat1Block(db, [json('A', 4, 0)], new Date('2024-02-01T10:00:02.000Z'));
    await appendFormat2Block(
      db,
      [json('D', 5), json('B', 6, 0), json('I', 14)],
      new Date('2024-02-01T10:00:03.000Z'),
    );
    await appendFormat2Block(db, [json('H', 11)], new Date('2024-02-01T10:00:04.000Z'));
    await ledger.write([{ ...json('E', 7), statements: [0] }], undefined, { statements: [STATEMENT] });
    await ledger.write([json('A', 8, 1), json('C', 9, 0), json('F', 10)]);
    await ledger.write([json('D', 12, 0), json('G', 13)]);
    const tip = await ledger.getDigest();
    if (tip === null) throw new Error('no digest');
    digest = tip;
  });
  afterAll(async () => {
    await drop?.();
  });

  it('verifies as a whole, each block by its own format', async () => {
    const formats = (await blockRows(db)).map((row) => Number(row.format));
    expect(formats).toEqual(FORMATS);
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: BLOCKS });
  });

  it("stores rows the independent verifier recomputes, by each block's format", async () => {
    const revisions = await revisionRowsByBlock(db);
    for (const row of await blockRows(db)) {
      const rows = revisions.get(Number(row.sequence_no)) ?? [];
      const recomputed = recomputeBlock(row, rows);
      const revisionHashes = recomputed.revisionHashes.map(hex);
      if (Number(row.format) === 1) {
        expect(hex(recomputed.entries[0])).toBe(hex(ionHashOfJson(row.transaction_info)));
        expect(recomputed.entries.slice(1).map(hex)).toEqual(revisionHashes);
        expect(rows.map((revision) => Number(revision.entry_index))).toEqual(rows.map((_, i) => i + 1));
      } else {
        const infoHash = ionHashOfIonBytes(byteaOf(row.transaction_info_ion));
        expect(recomputed.entries.map(hex)).toEqual(
          Number(row.format) === 2
            ? [...revisionHashes, hex(infoHash)]
            : [hex(merkleRootOf(recomputed.revisionHashes)), hex(infoHash)],
        );
        expect(rows.map((revision) => Number(revision.entry_index))).toEqual(rows.map((_, i) => i));
      }
      expect(hex(recomputed.entriesHash)).toBe(hex(byteaOf(row.entries_hash)));
      expect(hex(recomputed.blockHash)).toBe(hex(byteaOf(row.block_hash)));
    }
  });

  it('proves every revision of every format against the digest', async () => {
    const rows = await db.query('select * from ledger.revisions order by sequence_no, entry_index');
    expect(rows).toHaveLength(14);
    for (const row of rows) {
      const revision = revisionOfRow(row);
      const proof = await ledger.getRevisionProof(
        at(Number(row.sequence_no)),
        revision.metadata.id,
        digest.tipAddress,
        revision.metadata.version,
      );
      expect(verifyRevisionIndependently(revision, proof, digest.digest)).toBe(true);
    }
  });

  it("passes AWS's sample block check for every format 3 block and every block of one revision only", async () => {
    const verdicts: Array<[number, number, string | null]> = [];
    for (let sequenceNo = 0; sequenceNo < BLOCKS; sequenceNo++) {
      const block = await readBlock(db, at(sequenceNo));
      if (block === null) throw new Error(`block ${sequenceNo} is missing`);
      const printed = ion.load(blockIonText(block));
      if (printed === null) throw new Error('GetBlock printed nothing');
      verdicts.push([block.format, block.revisions.length, awsSampleBlockProblem(printed)]);
    }
    // Formats 1 and 2 list each revision's hash, where AWS's sample looks for their
    // Merkle root: a block of several revisions in those formats is refused.
    const refused = 'Block revisions list hash is not contained in the QLDB block entries hash list.';
    expect(verdicts).toEqual([
      [1, 1, null],
      [1, 2, refused],
      [1, 1, null],
      [2, 3, refused],
      [2, 1, null],
      [3, 1, null],
      [3, 3, null],
      [3, 2, null],
    ]);
  });

  it('prints a format 1 block for GetBlock as it was hashed: its JSON transaction info first', async () => {
    const block = await readBlock(db, at(1));
    if (block === null) throw new Error('block 1 is missing');
    expect(block.format).toBe(1);
    const printed = ion.load(blockIonText(block));
    const list = printed?.get('entriesHashList')?.elements() ?? [];
    expect(list).toHaveLength(3);
    const info = printed?.get('transactionInfo');
    expect(info?.get('transactionId')?.stringValue()).toBe(block.transactionId);
    expect(hex(ionHashOfIonBytes(ion.dumpBinary(info)))).toBe(hex(list[0]?.uInt8ArrayValue()));
  });

  describe('tampered', () => {
    async function expectReported(sequenceNo: number, reason: RegExp) {
      const check = await ledger.verifyJournal();
      expect(check).toMatchObject({ ok: false, firstBadBlock: at(sequenceNo) });
      expect(check.ok === false && check.reason).toMatch(reason);
    }

    /** Runs `sql` on block `sequenceNo` with the triggers bypassed, checks, then restores the row. */
    async function tamperBlock(
      sequenceNo: number,
      sql: string,
      params: unknown[],
      check: () => Promise<void>,
    ) {
      const [saved] = await db.query(
        'select transaction_info::text as info, transaction_info_ion, format from ledger.blocks where sequence_no = $1',
        [sequenceNo],
      );
      expect(await tamper(db, `${sql} where sequence_no = ${sequenceNo} returning 1`, params)).toHaveLength(
        1,
      );
      try {
        await check();
      } finally {
        await tamper(
          db,
          `update ledger.blocks set transaction_info = $1::text::jsonb, transaction_info_ion = $2, format = $3
           where sequence_no = $4`,
          [saved?.info, saved?.transaction_info_ion, saved?.format, sequenceNo],
        );
      }
      expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: BLOCKS });
    }

    it('reports a format 1 block whose transaction info was changed', async () => {
      await tamperBlock(
        1,
        `update ledger.blocks set transaction_info = jsonb_set(transaction_info, '{documents,1,version}', '1')`,
        [],
        () => expectReported(1, /entries do not hash to its entries hash/),
      );
    });

    it('reports a format 3 block whose transaction info was replaced, Ion and JSON alike', async () => {
      const forged = qldbTransactionInfo(
        [{ tableName: TABLE, documentId: 'E', data: null, expectedVersion: null, statements: [0] }],
        [{ ...STATEMENT, statement: 'INSERT INTO commitments VALUE ?' }],
      );
      await tamperBlock(
        5,
        'update ledger.blocks set transaction_info_ion = $1, transaction_info = $2::text::jsonb',
        [Buffer.from(forged?.ion ?? []), JSON.stringify(forged?.json)],
        async () => {
          await expectReported(5, /entries do not hash to its entries hash/);
          await expect(ledger.getRevisionProof(at(5), 'E', digest.tipAddress)).rejects.toThrow(
            /entries do not hash/,
          );
        },
      );
    });

    it('reports a format 2 block made to read as format 1', async () => {
      await tamperBlock(3, 'update ledger.blocks set format = 1, transaction_info_ion = null', [], () =>
        expectReported(3, /does not match its hash|entries do not hash/),
      );
    });

    // Formats 2 and 3 give the same entries hash to a block of one revision, or of two
    // (or any power of two: the root of [r1, r2, info] is dot(root(r1, r2), info)), and
    // another to a block of three.
    it.each([
      [3, 3],
      [6, 2],
    ])('reports block %i, of three revisions, made to read as format %i', async (sequenceNo, format) => {
      await tamperBlock(sequenceNo, `update ledger.blocks set format = ${format}`, [], () =>
        expectReported(sequenceNo, /entries do not hash to its entries hash/),
      );
    });

    it('reports a format 2 block whose transaction info no longer records one of its documents', async () => {
      const partial = qldbTransactionInfo(
        [{ tableName: TABLE, documentId: 'D', data: null, expectedVersion: null }],
        [],
      );
      await tamperBlock(
        3,
        'update ledger.blocks set transaction_info_ion = $1, transaction_info = $2::text::jsonb',
        [Buffer.from(partial?.ion ?? []), JSON.stringify(partial?.json)],
        () => expectReported(3, /revision B v1 in commitments is not one its transaction recorded/),
      );
    });
  });
});
