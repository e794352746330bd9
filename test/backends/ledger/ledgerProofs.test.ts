import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../harness/databases.ts';
import { compareHashes, dot, EMPTY_HASH, sha256 } from '../../../src/backends/ledger/ledgerHash.ts';
import type { LedgerDigest } from '../../../src/backends/ledger/ledgerTypes.ts';
import { appendLeaf, auditPath, foldRange, merkleRoot } from '../../../src/backends/ledger/merkleTree.ts';
import type { Ledger } from '../../../src/backends/ledger/openLedger.ts';
import { verifyRevision } from '../../../src/backends/ledger/verifyRevision.ts';
import type { Database, Row } from '../../../src/core/database.ts';
import {
  byteaOf,
  compareSigned,
  foldProof,
  dot as independentDot,
  merkleRootOf,
  recomputeBlock,
  revisionOfRow,
  siblingPathOf,
  verifyRevisionIndependently,
} from './independentVerifier.ts';
import { blockRows, openTestLedger, revisionRowsByBlock, steppingClock } from './ledgerFixture.ts';
import { PLAN, writePlan } from './ledgerProofsFixture.ts';

const engines = await testEngines();

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const leavesOf = (count: number) => Array.from({ length: count }, (_, i) => sha256(Buffer.from(`leaf ${i}`)));

// A 32-byte hash of zeros but for the bytes given (index -> value).
function handBuilt(bytes: Record<number, number>): Uint8Array {
  const hash = new Uint8Array(32);
  for (const [index, value] of Object.entries(bytes)) hash[Number(index)] = value;
  return hash;
}

describe('dot', () => {
  it('does not depend on the order of its arguments and agrees with the independent dot', () => {
    for (let i = 0; i < 200; i++) {
      const a = new Uint8Array(randomBytes(32));
      const b = new Uint8Array(randomBytes(32));
      expect(hex(dot(a, b))).toBe(hex(dot(b, a)));
      expect(hex(dot(a, b))).toBe(hex(independentDot(a, b)));
      expect(Math.sign(compareHashes(a, b))).toBe(Math.sign(compareSigned(a, b)));
    }
  });

  it('returns the other side when one side is empty', () => {
    const h = sha256(Buffer.from('x'));
    expect(hex(dot(EMPTY_HASH, h))).toBe(hex(h));
    expect(hex(dot(h, EMPTY_HASH))).toBe(hex(h));
    expect(dot(EMPTY_HASH, EMPTY_HASH)).toHaveLength(0);
  });

  it('orders by signed bytes: 0x80 (-128) sorts before 0x7f (127) in the last byte', () => {
    const high = handBuilt({ 31: 0x7f });
    const negative = handBuilt({ 31: 0x80 });
    expect(compareHashes(negative, high)).toBeLessThan(0);
    const expected = sha256(Buffer.concat([negative, high]));
    expect(hex(dot(high, negative))).toBe(hex(expected));
    expect(hex(dot(high, negative))).not.toBe(hex(sha256(Buffer.concat([high, negative]))));
  });

  it('compares from the last byte first, whatever the first bytes say', () => {
    const a = handBuilt({ 0: 0x7f, 31: 0x01 });
    const b = handBuilt({ 0: 0x00, 31: 0x02 });
    expect(hex(dot(a, b))).toBe(hex(sha256(Buffer.concat([a, b]))));
    // Equal last bytes: the byte before decides, again signed (0xff is -1 < 0x00).
    const c = handBuilt({ 30: 0xff, 31: 0x10 });
    const d = handBuilt({ 30: 0x00, 31: 0x10 });
    expect(hex(dot(d, c))).toBe(hex(sha256(Buffer.concat([c, d]))));
  });
});

describe('merkleRoot and auditPath', () => {
  it('give no hash for no leaves', () => {
    expect(merkleRoot([])).toHaveLength(0);
  });

  it.each(Array.from({ length: 17 }, (_, i) => i + 1))(
    'agree with the independent tree for %i leaves',
    (n) => {
      const leaves = leavesOf(n);
      const root = merkleRootOf(leaves);
      expect(hex(merkleRoot(leaves))).toBe(hex(root));
      for (let m = 0; m < n; m++) {
        const path = auditPath(leaves, m);
        expect(path.map(hex)).toEqual(siblingPathOf(leaves, m).map(hex));
        expect(hex(foldProof(leaves[m] as Uint8Array, path))).toBe(hex(root));
      }
    },
  );

  it('keeps a frontier (appendLeaf) that folds to the root at every size from 1 to 17', () => {
    const leaves = leavesOf(17);
    let frontier: Uint8Array[] = [];
    for (const [index, leaf] of leaves.entries()) {
      const appended = appendLeaf(frontier, index, leaf);
      frontier = appended.frontier;
      expect(hex(foldRange(frontier))).toBe(hex(merkleRootOf(leaves.slice(0, index + 1))));
      for (const node of appended.completed) {
        const width = 2 ** node.level;
        const covered = leaves.slice(node.index * width, (node.index + 1) * width);
        expect(hex(node.hash)).toBe(hex(merkleRootOf(covered)));
      }
    }
  });
});

async function allRevisionRows(db: Database): Promise<Row[]> {
  return db.query('select * from ledger.revisions order by sequence_no, entry_index');
}

describe.each(engines)('ledger proofs ($name)', (engine) => {
  let ledger: Ledger;
  let db: Database;
  let drop: () => Promise<void>;
  let digests: LedgerDigest[];

  beforeAll(async () => {
    const opened = await openTestLedger(engine, { clock: steppingClock().clock });
    ({ ledger, db, drop } = opened);
    digests = await writePlan(ledger);
  });
  afterAll(async () => {
    await drop?.();
  });

  it('has a digest at every size that is the Merkle root of the block hashes read with SQL', async () => {
    const blocks = await blockRows(db);
    expect(blocks.map((block) => Number(block.sequence_no))).toEqual(PLAN.map((_, i) => i));
    const blockHashes = blocks.map((block) => byteaOf(block.block_hash));
    for (const [i, digest] of digests.entries()) {
      expect(digest.tipAddress.sequenceNo).toBe(i);
      expect(hex(digest.digest)).toBe(hex(merkleRootOf(blockHashes.slice(0, i + 1))));
      expect(hex(await ledger.getDigestAt(digest.tipAddress))).toBe(hex(digest.digest));
    }
  });

  it('stores blocks whose hashes the independent verifier recomputes from the rows', async () => {
    const blocks = await blockRows(db);
    const revisions = await revisionRowsByBlock(db);
    let previous: Uint8Array = new Uint8Array(0);
    for (const block of blocks) {
      const rows = revisions.get(Number(block.sequence_no)) ?? [];
      expect(rows.length).toBe(PLAN[Number(block.sequence_no)]?.length);
      const recomputed = recomputeBlock(block, rows);
      expect(recomputed.revisionHashes.map(hex)).toEqual(rows.map((row) => hex(byteaOf(row.hash))));
      expect(hex(recomputed.entriesHash)).toBe(hex(byteaOf(block.entries_hash)));
      expect(hex(byteaOf(block.previous_block_hash))).toBe(hex(previous));
      expect(hex(recomputed.blockHash)).toBe(hex(byteaOf(block.block_hash)));
      previous = byteaOf(block.block_hash);
    }
  });

  it('proves every revision against the current digest, independently and with verifyRevision', async () => {
    const latest = digests.at(-1) as LedgerDigest;
    const rows = await allRevisionRows(db);
    expect(rows).toHaveLength(PLAN.flat().length);
    for (const row of rows) {
      const revision = revisionOfRow(row);
      const address = { strandId: String(row.strand_id), sequenceNo: Number(row.sequence_no) };
      const proof = await ledger.getRevisionProof(
        address,
        revision.metadata.id,
        latest.tipAddress,
        revision.metadata.version,
      );
      expect(verifyRevisionIndependently(revision, proof, latest.digest)).toBe(true);
      const srcMetadata = { ...revision.metadata, txTime: revision.metadata.txTime.toISOString() };
      expect(verifyRevision({ metadata: srcMetadata, data: revision.data }, proof, latest.digest)).toBe(true);
      // The same proof must not vouch for other content.
      const altered = { ...revision, data: { ...(revision.data as object), altered: true } };
      expect(verifyRevisionIndependently(altered, proof, latest.digest)).toBe(false);
    }
  });

  it('proves every revision against every older tip it belongs to (getDigestAt)', async () => {
    const rows = await allRevisionRows(db);
    let proofs = 0;
    for (const saved of digests) {
      for (const row of rows.filter((r) => Number(r.sequence_no) <= saved.tipAddress.sequenceNo)) {
        const revision = revisionOfRow(row);
        const address = { strandId: String(row.strand_id), sequenceNo: Number(row.sequence_no) };
        const proof = await ledger.getRevisionProof(
          address,
          revision.metadata.id,
          saved.tipAddress,
          revision.metadata.version,
        );
        const verified = verifyRevisionIndependently(revision, proof, saved.digest);
        expect(
          verified,
          `${revision.metadata.id} v${revision.metadata.version} at ${saved.tipAddress.sequenceNo}`,
        ).toBe(true);
        proofs += 1;
      }
    }
    // Sum over tips of the revisions at or before each tip.
    const expected = digests.reduce((sum, _, tip) => sum + PLAN.slice(0, tip + 1).flat().length, 0);
    expect(proofs).toBe(expected);
  });

  it('proves both versions of a document written twice in one transaction', async () => {
    const latest = digests.at(-1) as LedgerDigest;
    const block = { strandId: latest.tipAddress.strandId, sequenceNo: 3 };
    const rows = await db.query(
      'select * from ledger.revisions where sequence_no = 3 and document_id = $1 order by version',
      ['c-3'],
    );
    expect(rows.map((row) => Number(row.version))).toEqual([0, 1]);
    for (const row of rows) {
      const proof = await ledger.getRevisionProof(block, 'c-3', latest.tipAddress, Number(row.version));
      expect(verifyRevisionIndependently(revisionOfRow(row), proof, latest.digest)).toBe(true);
    }
    // Without a version the newest revision in the block is meant.
    const newest = await ledger.getRevisionProof(block, 'c-3', latest.tipAddress);
    expect(verifyRevisionIndependently(revisionOfRow(rows[1] as Row), newest, latest.digest)).toBe(true);
    expect(verifyRevisionIndependently(revisionOfRow(rows[0] as Row), newest, latest.digest)).toBe(false);
  });

  it('refuses a proof to a tip before the revision’s block', async () => {
    const latest = digests.at(-1) as LedgerDigest;
    const tip = { strandId: latest.tipAddress.strandId, sequenceNo: 2 };
    await expect(
      ledger.getRevisionProof({ strandId: tip.strandId, sequenceNo: 5 }, 'c-4', tip),
    ).rejects.toThrow(/tip/);
  });

  // Ids are unique per table, not per ledger: a proof names the table when one
  // transaction writes the same id in two tables.
  it('proves each revision when one transaction writes the same id in two tables', async () => {
    const appended = await ledger.write([
      {
        tableName: 'commitments',
        documentId: 'shared-id',
        data: { side: 'commitment' },
        expectedVersion: null,
      },
      { tableName: 'parties', documentId: 'shared-id', data: { side: 'party' }, expectedVersion: null },
    ]);
    const digest = await ledger.getDigest();
    if (digest === null) throw new Error('no digest');
    const rows = await db.query(
      'select * from ledger.revisions where document_id = $1 order by entry_index',
      ['shared-id'],
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const proof = await ledger.getRevisionProof(
        appended.blockAddress,
        'shared-id',
        digest.tipAddress,
        0,
        String(row.table_name),
      );
      expect(verifyRevisionIndependently(revisionOfRow(row), proof, digest.digest)).toBe(true);
    }
  });
});
