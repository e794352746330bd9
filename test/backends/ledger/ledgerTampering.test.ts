import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { LedgerTamperedError } from '../../../src/backends/ledger/ledgerErrors.ts';
import type { BlockAddress, LedgerDigest } from '../../../src/backends/ledger/ledgerTypes.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import type { Database, Row } from '../../../src/core/database.ts';
import {
  recomputeBlock,
  revisionHashOf,
  revisionOfRow,
  verifyRevisionIndependently,
} from './independentVerifier.ts';
import { openTestLedger, steppingClock, tamper } from './ledgerFixture.ts';
import { BLOCK_5, CASES, flip, G, G_ROW, TABLE, writePlan } from './tamperCases.ts';

const engines = await testEngines();

describe.each(engines)('ledger tampering ($name)', (engine) => {
  let ledger: Ledger;
  let db: Database;
  let drop: () => Promise<void>;
  let saved: LedgerDigest;
  const savedProofs = new Map<string, Uint8Array[]>();
  const address = (sequenceNo: number): BlockAddress => ({ strandId: saved.tipAddress.strandId, sequenceNo });

  async function reread(revision: { id: string; version: number }): Promise<Row> {
    const rows = await db.query(
      'select * from ledger.revisions where table_name = $1 and document_id = $2 and version = $3',
      [TABLE, revision.id, revision.version],
    );
    expect(rows).toHaveLength(1);
    return rows[0] as Row;
  }

  beforeAll(async () => {
    ({ ledger, db, drop } = await openTestLedger(engine, { clock: steppingClock().clock }));
    await writePlan(ledger);
    const digest = await ledger.getDigest();
    if (digest === null) throw new Error('no digest');
    saved = digest;
    for (const { revision } of CASES) {
      const proof = await ledger.getRevisionProof(
        address(revision.sequenceNo),
        revision.id,
        saved.tipAddress,
      );
      savedProofs.set(`${revision.id}@${revision.sequenceNo}`, proof);
    }
    // A trivially passing verifier would make every case below meaningless.
    expect(
      verifyRevisionIndependently(revisionOfRow(await reread(G)), savedProofs.get('G@5') ?? [], saved.digest),
    ).toBe(true);
  });
  afterAll(async () => {
    await drop?.();
  });

  it('starts from a journal that verifies', async () => {
    expect(saved.tipAddress.sequenceNo).toBe(12);
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: 13 });
  });

  it.each([
    ['update', 'ledger.revisions', `update ledger.revisions set data = '{"amount": 0}' where ${G_ROW}`],
    ['delete', 'ledger.revisions', `delete from ledger.revisions where ${G_ROW}`],
    ['update', 'ledger.blocks', `update ledger.blocks set block_timestamp = now() where ${BLOCK_5}`],
    ['delete', 'ledger.blocks', 'delete from ledger.blocks where sequence_no = 12'],
    ['update', 'ledger.tree_nodes', 'update ledger.tree_nodes set node_index = node_index + 100'],
    ['delete', 'ledger.tree_nodes', 'delete from ledger.tree_nodes'],
  ])('refuses a plain %s of %s (append-only)', async (_verb, _table, sql) => {
    await expect(db.query(sql)).rejects.toThrow(/append-only/);
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: 13 });
    expect((await reread(G)).data).toEqual({ amount: 50, note: 'g' });
  });

  it.each(CASES)('detects a changed $what', async (change) => {
    const [original] = await db.query(
      `select ${change.column}::text as value from ${change.table} where ${change.where}`,
    );
    expect(original).toBeDefined();
    const changed = await tamper(
      db,
      `update ${change.table} set ${change.column} = ${change.tampered} where ${change.where} returning 1`,
      [],
      change.viaAlterTable ? change.table : undefined,
    );
    expect(changed).toHaveLength(1);
    try {
      const revision = revisionOfRow(await reread(change.rereadAs ?? change.revision));
      const block = address(change.revision.sequenceNo);
      const savedProof = savedProofs.get(`${change.revision.id}@${block.sequenceNo}`);
      expect(verifyRevisionIndependently(revision, savedProof ?? [], saved.digest)).toBe(
        change.savedProofVerifies,
      );

      // (a) the revision as re-read, with a proof asked for now, against the saved digest
      const asked = ledger.getRevisionProof(
        block,
        revision.metadata.id,
        saved.tipAddress,
        revision.metadata.version,
      );
      if (change.proofAfter === 'rejects') {
        const error = await asked.then(
          () => null,
          (thrown: unknown) => thrown,
        );
        expect(error).toBeInstanceOf(LedgerTamperedError);
        expect((error as LedgerTamperedError).block).toEqual(block);
        expect((error as LedgerTamperedError).reason).toMatch(change.reason);
      } else {
        expect(verifyRevisionIndependently(revision, await asked, saved.digest)).toBe(false);
      }

      // (b) the whole journal, naming exactly the first bad block
      const check = await ledger.verifyJournal();
      expect(check).toMatchObject({ ok: false, firstBadBlock: address(change.firstBadBlock) });
      expect(check.ok === false && check.reason).toMatch(change.reason);
    } finally {
      const restored = await tamper(
        db,
        `update ${change.table} set ${change.column} = $1::text::${change.type} where ${change.whereAfter ?? change.where} returning 1`,
        [original?.value],
      );
      expect(restored).toHaveLength(1);
    }
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: 13 });
    const proof = await ledger.getRevisionProof(address(G.sequenceNo), G.id, saved.tipAddress);
    expect(verifyRevisionIndependently(revisionOfRow(await reread(G)), proof, saved.digest)).toBe(true);
  });

  it('detects a changed Merkle frontier of the strand at the tip, and getDigest no longer matches', async () => {
    const [original] = await db.query('select frontier::text as value from ledger.strands');
    await tamper(db, `update ledger.strands set frontier = ${flip('frontier', 3)}`);
    try {
      const check = await ledger.verifyJournal();
      expect(check).toMatchObject({ ok: false, firstBadBlock: address(12) });
      expect(check.ok === false && check.reason).toMatch(/frontier/);
      const digest = await ledger.getDigest();
      expect(Buffer.from(digest?.digest ?? []).equals(Buffer.from(saved.digest))).toBe(false);
    } finally {
      await tamper(db, 'update ledger.strands set frontier = $1::text::bytea', [original?.value]);
    }
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: 13 });
  });

  it('notices a block rewritten consistently (data, revision hash, entries and block hash)', async () => {
    const where = "document_id = 'doc-6'";
    const [revisionRow] = await db.query(`select * from ledger.revisions where ${where}`);
    const [blockRow] = await db.query('select * from ledger.blocks where sequence_no = 6');
    const [originals] = await db.query(
      `select r.data::text as data, r.hash::text as hash, b.entries_hash::text as entries_hash,
         b.block_hash::text as block_hash
       from ledger.revisions r join ledger.blocks b using (strand_id, sequence_no) where r.${where}`,
    );
    if (revisionRow === undefined || blockRow === undefined) throw new Error('block 6 is missing');
    const forgedData = { amount: 1_000_000 };
    const forgedHash = revisionHashOf(revisionOfRow(revisionRow).metadata, forgedData);
    const forged = recomputeBlock(blockRow, [{ ...revisionRow, data: forgedData }]);
    await tamper(db, `update ledger.revisions set data = $1::text::jsonb, hash = $2 where ${where}`, [
      JSON.stringify(forgedData),
      Buffer.from(forgedHash),
    ]);
    await tamper(db, 'update ledger.blocks set entries_hash = $1, block_hash = $2 where sequence_no = 6', [
      Buffer.from(forged.entriesHash),
      Buffer.from(forged.blockHash),
    ]);
    try {
      // Block 6 now passes its own checks, so a proof is served; the saved digest refutes it.
      const revision = revisionOfRow(await reread({ id: 'doc-6', version: 0 }));
      expect(revision.data).toEqual(forgedData);
      const proof = await ledger.getRevisionProof(address(6), 'doc-6', saved.tipAddress);
      expect(verifyRevisionIndependently(revision, proof, saved.digest)).toBe(false);
      // Block 6 completes no tree node (6 is even), so the walk first notices at block 7,
      // whose stored previous block hash no longer links to it.
      const check = await ledger.verifyJournal();
      expect(check).toMatchObject({ ok: false, firstBadBlock: address(7) });
      expect(check.ok === false && check.reason).toMatch(
        /previous block hash is not the preceding block's hash/,
      );
    } finally {
      await tamper(
        db,
        `update ledger.revisions set data = $1::text::jsonb, hash = $2::text::bytea where ${where}`,
        [originals?.data, originals?.hash],
      );
      await tamper(
        db,
        'update ledger.blocks set entries_hash = $1::text::bytea, block_hash = $2::text::bytea where sequence_no = 6',
        [originals?.entries_hash, originals?.block_hash],
      );
    }
    expect(await ledger.verifyJournal()).toEqual({ ok: true, blocks: 13 });
  });

  // block_timestamp is not hashed itself; it must equal the hashed txTime of the block's revisions.
  it('detects a changed block block_timestamp', async () => {
    const [original] = await db.query(
      `select block_timestamp::text as value from ledger.blocks where ${BLOCK_5}`,
    );
    await tamper(
      db,
      `update ledger.blocks set block_timestamp = block_timestamp + interval '1 millisecond' where ${BLOCK_5}`,
    );
    try {
      expect(await ledger.verifyJournal()).toMatchObject({ ok: false, firstBadBlock: address(5) });
      await expect(ledger.getRevisionProof(address(5), 'G', saved.tipAddress)).rejects.toBeInstanceOf(
        LedgerTamperedError,
      );
    } finally {
      await tamper(db, `update ledger.blocks set block_timestamp = $1::text::timestamptz where ${BLOCK_5}`, [
        original?.value,
      ]);
    }
  });

  // A revision's table_name is not in its hash; it must match the block's hashed transaction info.
  it('detects a changed revision table_name', async () => {
    await tamper(db, `update ledger.revisions set table_name = 'parties' where ${G_ROW}`);
    try {
      expect(await ledger.verifyJournal()).toMatchObject({ ok: false, firstBadBlock: address(5) });
      await expect(ledger.getRevisionProof(address(5), 'G', saved.tipAddress)).rejects.toBeInstanceOf(
        LedgerTamperedError,
      );
    } finally {
      await tamper(
        db,
        `update ledger.revisions set table_name = '${TABLE}' where table_name = 'parties' and document_id = 'G'`,
      );
    }
  });
});
