import type { Queryable } from '../../core/database.ts';
import type { Hash } from './ledgerHash.ts';
import { bytes, integer } from './ledgerRows.ts';
import type { BlockAddress } from './ledgerTypes.ts';
import { auditPathPlan, foldRange, type NodeRef } from './merkleTree.ts';

const keyOf = (ref: NodeRef) => `${ref.level}:${ref.index}`;

// Level 0 of the journal tree is the block hashes; the perfect subtrees above are
// stored in ledger.tree_nodes as blocks complete them.
async function loadNodes(db: Queryable, strandId: string, refs: readonly NodeRef[]) {
  const found = new Map<string, Hash>();
  const leaves = refs.filter((ref) => ref.level === 0).map((ref) => ref.index);
  if (leaves.length > 0) {
    const rows = await db.query(
      'select sequence_no, block_hash from ledger.blocks where strand_id = $1 and sequence_no = any($2::bigint[])',
      [strandId, leaves],
    );
    for (const row of rows)
      found.set(keyOf({ level: 0, index: integer(row.sequence_no) }), bytes(row.block_hash));
  }
  const inner = refs.filter((ref) => ref.level > 0);
  if (inner.length > 0) {
    const rows = await db.query(
      `select level, node_index, hash from ledger.tree_nodes
       where strand_id = $1 and (level, node_index) in (select * from unnest($2::int[], $3::bigint[]))`,
      [strandId, inner.map((ref) => ref.level), inner.map((ref) => ref.index)],
    );
    for (const row of rows) {
      found.set(keyOf({ level: integer(row.level), index: integer(row.node_index) }), bytes(row.hash));
    }
  }
  return found;
}

/**
 * The proof that the block at `address` is part of the journal as of `tip`: the
 * hashes that, folded with `dot` onto the block's hash, give the digest at that tip
 * (the journal part of a revision's proof). The caller checks that the block is at or
 * before the tip, on the tip's strand; a tree node missing from storage throws.
 */
export async function blockProof(db: Queryable, address: BlockAddress, tip: BlockAddress): Promise<Hash[]> {
  const plan = auditPathPlan(address.sequenceNo, tip.sequenceNo + 1);
  const nodes = await loadNodes(db, address.strandId, plan.flat());
  return plan.map((sibling) =>
    foldRange(
      sibling.map((ref) => {
        const hash = nodes.get(keyOf(ref));
        if (hash === undefined)
          throw new Error(`the journal tree lacks node level ${ref.level} index ${ref.index}`);
        return hash;
      }),
    ),
  );
}
