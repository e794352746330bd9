import type { Queryable } from '../../core/database.ts';
import { checkBlock } from './journalProofs.ts';
import { LedgerTamperedError } from './ledgerErrors.ts';
import { EMPTY_HASH, type Hash, sameHash } from './ledgerHash.ts';
import { bytes, integer, splitHashes } from './ledgerRows.ts';
import type { BlockAddress, JournalCheck } from './ledgerTypes.ts';
import { appendLeaf } from './merkleTree.ts';

const PAGE = 200;

async function storedTreeNodes(db: Queryable, strandId: string): Promise<Map<string, Hash>> {
  const rows = await db.query('select level, node_index, hash from ledger.tree_nodes where strand_id = $1', [
    strandId,
  ]);
  return new Map(rows.map((row) => [`${integer(row.level)}:${integer(row.node_index)}`, bytes(row.hash)]));
}

function bad(blocks: number, firstBadBlock: BlockAddress, reason: string): JournalCheck {
  return { ok: false, blocks, firstBadBlock, reason };
}

/**
 * Re-verifies the whole stored journal from its first block: every revision hash,
 * entries hash, block hash and hash-chain link, every stored Merkle tree node, and
 * the strand's tip and frontier. Reports the first block that fails, so someone who
 * edited the tables directly is found and located.
 */
export async function verifyJournal(db: Queryable): Promise<JournalCheck> {
  const [strand] = await db.query('select * from ledger.strands');
  if (strand === undefined) return { ok: true, blocks: 0 };
  const strandId = String(strand.strand_id);
  const nodes = await storedTreeNodes(db, strandId);
  let frontier: Hash[] = [];
  let previous = EMPTY_HASH;
  let count = 0;
  for (;;) {
    const blocks = await db.query(
      'select * from ledger.blocks where strand_id = $1 and sequence_no >= $2 order by sequence_no limit $3',
      [strandId, count, PAGE],
    );
    if (blocks.length === 0) break;
    const revisions = await db.query(
      `select * from ledger.revisions where strand_id = $1 and sequence_no between $2 and $3
       order by sequence_no, entry_index`,
      [strandId, count, count + PAGE - 1],
    );
    for (const block of blocks) {
      const address = { strandId, sequenceNo: integer(block.sequence_no) };
      if (address.sequenceNo !== count)
        return bad(count, { strandId, sequenceNo: count }, 'the block is missing');
      try {
        const checked = checkBlock(
          block,
          revisions.filter((row) => integer(row.sequence_no) === count),
        );
        if (!sameHash(checked.previousBlockHash, previous)) {
          return bad(count, address, "its previous block hash is not the preceding block's hash");
        }
        const tree = appendLeaf(frontier, count, checked.blockHash);
        for (const node of tree.completed) {
          const stored = nodes.get(`${node.level}:${node.index}`);
          if (stored === undefined || !sameHash(stored, node.hash)) {
            return bad(
              count,
              address,
              `journal tree node level ${node.level} index ${node.index} does not match`,
            );
          }
        }
        frontier = tree.frontier;
        previous = checked.blockHash;
      } catch (error) {
        if (error instanceof LedgerTamperedError) return bad(count, error.block, error.reason);
        throw error;
      }
      count += 1;
    }
  }
  const tip = { strandId, sequenceNo: count - 1 };
  if (strand.tip_sequence_no !== null && integer(strand.tip_sequence_no) !== count - 1) {
    return bad(count, tip, 'the strand tip does not name the last block');
  }
  if (
    count > 0 &&
    (!sameHash(bytes(strand.tip_block_hash), previous) ||
      !sameHash(Buffer.concat(splitHashes(strand.frontier)), Buffer.concat(frontier)))
  ) {
    return bad(count, tip, "the strand's tip hash or Merkle frontier does not match the blocks");
  }
  const view = (await strayRevision(db)) ?? (await checkCommittedViews(db));
  return view === null ? { ok: true, blocks: count } : bad(count, view.block, view.reason);
}

interface Finding {
  block: BlockAddress;
  reason: string;
}

// The walk above reads revisions block by block, so it never meets one that names a
// block the journal lacks; the committed view would still serve it.
async function strayRevision(db: Queryable): Promise<Finding | null> {
  const [stray] = await db.query(
    `select document_id, version, strand_id, sequence_no from ledger.revisions r
     where not exists (select 1 from ledger.blocks b where b.strand_id = r.strand_id and b.sequence_no = r.sequence_no)
     order by sequence_no limit 1`,
  );
  if (stray === undefined) return null;
  const sequenceNo = integer(stray.sequence_no);
  return {
    block: { strandId: String(stray.strand_id), sequenceNo },
    reason: `revision ${stray.document_id} v${integer(stray.version)} names block ${sequenceNo}, which is not in the journal`,
  };
}

// The committed view is derived from the revisions (migrations 002 and 004), and
// readers trust it: this finds a view that was replaced rather than derived. Every
// document must show exactly its newest revision (its data and Ion), every revised
// document must be in it, and none whose newest revision deletes it.
async function checkCommittedViews(db: Queryable): Promise<Finding | null> {
  const [stale] = await db.query(
    `select r.table_name, r.document_id, r.strand_id, r.sequence_no, r.deleted
     from ledger.revisions r
     left join ledger.documents d using (table_name, document_id)
     where r.version = (select max(version) from ledger.revisions n
                        where n.table_name = r.table_name and n.document_id = r.document_id)
       and case when r.deleted then d.document_id is not null
                else d.document_id is null or d.version is distinct from r.version
                  or d.data is distinct from r.data or d.ion is distinct from r.ion end
     order by r.sequence_no limit 1`,
  );
  if (stale === undefined) {
    const [orphan] = await db.query(
      `select table_name, document_id from ledger.documents d where not exists (
         select 1 from ledger.revisions r where r.table_name = d.table_name and r.document_id = d.document_id)
       limit 1`,
    );
    if (orphan === undefined) return null;
    return {
      block: { strandId: '', sequenceNo: -1 },
      reason: `the committed view holds ${orphan.table_name}/${orphan.document_id}, which has no revision`,
    };
  }
  const name = `${stale.table_name}/${stale.document_id}`;
  return {
    block: { strandId: String(stale.strand_id), sequenceNo: integer(stale.sequence_no) },
    reason:
      stale.deleted === true
        ? `the committed view serves ${name}, whose newest revision deletes it`
        : `the committed view of ${name} is not its newest revision`,
  };
}
