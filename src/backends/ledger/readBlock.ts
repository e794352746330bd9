import type { Queryable } from '../../core/database.ts';
import { type CheckedBlock, checkBlock } from './journalProofs.ts';
import { bytes, instant } from './ledgerRows.ts';
import type { BlockAddress } from './ledgerTypes.ts';

/** A journal block as QLDB's GetBlock shows it: its hashes, its transaction and its revisions. */
export interface StoredBlock extends CheckedBlock {
  transactionId: string;
  /** The commit time, as an ISO-8601 instant. */
  blockTimestamp: string;
  /**
   * The transaction info as JSON: as hashed in a format 1 block (its first entry), the
   * down-conversion of `transactionInfoIon` in a format 2 or 3 block.
   */
  transactionInfo: unknown;
  /** The transaction info as Ion (text), exactly as hashed (a format 2 or 3 block's last entry); null in format 1. */
  transactionInfoIon: Uint8Array | null;
}

/**
 * Reads the block at `address` with its revisions, checked against its own hashes
 * (throws LedgerTamperedError when they do not match). Null when the journal has no
 * such block.
 */
export async function readBlock(db: Queryable, address: BlockAddress): Promise<StoredBlock | null> {
  const [block] = await db.query('select * from ledger.blocks where strand_id = $1 and sequence_no = $2', [
    address.strandId,
    address.sequenceNo,
  ]);
  if (block === undefined) return null;
  const rows = await db.query(
    'select * from ledger.revisions where strand_id = $1 and sequence_no = $2 order by entry_index',
    [address.strandId, address.sequenceNo],
  );
  return {
    ...checkBlock(block, rows),
    transactionId: String(block.transaction_id),
    blockTimestamp: instant(block.block_timestamp),
    transactionInfo: block.transaction_info,
    transactionInfoIon: block.transaction_info_ion == null ? null : bytes(block.transaction_info_ion),
  };
}
