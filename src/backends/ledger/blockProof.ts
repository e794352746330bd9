import type { Queryable } from '../../core/database.ts';
import { rootsOf } from './journalProofs.ts';
import type { Hash } from './ledgerHash.ts';
import type { BlockAddress } from './ledgerTypes.ts';
import { auditPathPlan } from './merkleTree.ts';

/**
 * The proof that the block at `address` is part of the journal as of `tip`: the
 * hashes that, folded with `dot` onto the block's hash, give the digest at that tip
 * (the journal part of a revision's proof). The caller checks that the block is at or
 * before the tip, on the tip's strand; a tree node missing from storage throws.
 */
export async function blockProof(db: Queryable, address: BlockAddress, tip: BlockAddress): Promise<Hash[]> {
  return rootsOf(db, address.strandId, auditPathPlan(address.sequenceNo, tip.sequenceNo + 1));
}
