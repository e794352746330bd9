import type { Queryable, Row } from '../../core/database.ts';
import { type BlockFormat, blockFormatOf, entriesOf, format1Entries } from './blockFormat.ts';
import { rootsOf } from './journalProofs.ts';
import { LedgerTamperedError } from './ledgerErrors.ts';
import { dot, type Hash, sameHash } from './ledgerHash.ts';
import { bytes, integer } from './ledgerRows.ts';
import type { BlockAddress, LedgerDigest, LedgerRevision } from './ledgerTypes.ts';
import { auditPathPlan, merkleRoot } from './merkleTree.ts';
import { readQldbTransactionInfo } from './qldbTransactionInfo.ts';

const PAGE = 200;

/** A block whose transaction info was checked against its entries hash and block hash. */
interface HashedBlock {
  format: BlockFormat;
  /** The transaction info the block's hashes cover: format 1's JSON, or the JSON of a format 2 or 3 block's Ion. */
  info: unknown;
  previousBlockHash: Hash;
  blockHash: Hash;
}

// The block's entries from the hashed form of its transaction info (format 1's JSON,
// the Ion of formats 2 and 3, whose stored JSON copy must be its down-conversion) and
// its revisions' stored hashes, checked against its entries hash and block hash.
// Revision data is not read: the transaction info names the documents the block wrote.
function hashedBlock(address: BlockAddress, block: Row, revisionHashes: readonly Hash[]): HashedBlock {
  let format: BlockFormat;
  try {
    format = blockFormatOf(block.format ?? 1);
  } catch (error) {
    throw new LedgerTamperedError(address, error instanceof Error ? error.message : String(error));
  }
  let info: unknown = block.transaction_info;
  let entries: Hash[];
  if (format === 1) {
    entries = format1Entries(
      info,
      revisionHashes.map((hash) => ({ hash })),
    );
  } else {
    if (!(block.transaction_info_ion instanceof Uint8Array))
      throw new LedgerTamperedError(address, 'its transaction info has no Ion');
    const read = readQldbTransactionInfo(block.transaction_info_ion, block.transaction_info);
    if ('problem' in read) throw new LedgerTamperedError(address, read.problem);
    info = read.json;
    entries = entriesOf(format, read.hash, revisionHashes);
  }
  const entriesHash = merkleRoot(entries);
  if (!sameHash(entriesHash, bytes(block.entries_hash)))
    throw new LedgerTamperedError(address, 'its entries do not hash to its entries hash');
  const previousBlockHash = bytes(block.previous_block_hash);
  const blockHash = dot(entriesHash, previousBlockHash);
  if (!sameHash(blockHash, bytes(block.block_hash)))
    throw new LedgerTamperedError(address, 'its block hash is not dot(entries hash, previous block hash)');
  return { format, info, previousBlockHash, blockHash };
}

// Whether a block's hashed transaction info records a write of the document: format 1
// lists each revision's table and id; formats 2 and 3 (QLDB's) key documents by id.
function records(block: HashedBlock, tableName: string, id: string): boolean {
  const documents = (block.info as { documents?: unknown } | null)?.documents;
  if (block.format === 1) {
    return (
      Array.isArray(documents) &&
      documents.some(
        (entry: { tableName?: unknown; id?: unknown }) => entry?.tableName === tableName && entry.id === id,
      )
    );
  }
  if (typeof documents !== 'object' || documents === null || !Object.hasOwn(documents, id)) return false;
  return (documents as Record<string, { tableName?: unknown } | null>)[id]?.tableName === tableName;
}

async function revisionHashesByBlock(db: Queryable, strandId: string, first: number, last: number) {
  const rows = await db.query(
    `select sequence_no, hash from ledger.revisions where strand_id = $1 and sequence_no between $2 and $3
     order by sequence_no, entry_index`,
    [strandId, first, last],
  );
  const byBlock = new Map<number, Hash[]>();
  for (const row of rows) {
    const sequenceNo = integer(row.sequence_no);
    byBlock.set(sequenceNo, [...(byBlock.get(sequenceNo) ?? []), bytes(row.hash)]);
  }
  return byBlock;
}

/**
 * Checks that no block after `revision`'s, up to the digest's tip, wrote its document
 * again: a later version deleted from `ledger.revisions` (its block's unhashed JSON copy
 * of the transaction info edited to match) would roll the committed view back to
 * `revision` while the revision's own proof still verifies. It reads what each block's
 * hashes cover: its transaction info (format 1's JSON, the Ion of formats 2 and 3) and
 * its revisions' stored hashes give its entries hash and block hash, each block must
 * link to the one before, and the tip's block hash must lead to the digest, so every
 * transaction info read is one the digest covers. Revision data is neither read nor
 * rehashed (`verifyJournal` does that), which keeps the cost per block to hashing its
 * transaction info; the blocks are read a page at a time, as `verifyJournal` reads
 * them. The revision's own block was checked whole by its proof, so a later version
 * in it cannot be missing. Returns what is wrong, or null.
 */
export async function checkNoLaterVersion(
  db: Queryable,
  revision: LedgerRevision,
  digest: LedgerDigest,
): Promise<string | null> {
  const { strandId, sequenceNo: first } = revision.blockAddress;
  const tip = digest.tipAddress.sequenceNo;
  const { tableName, metadata } = revision;
  let previous: Hash | null = null;
  try {
    for (let next = first; next <= tip; ) {
      const last = Math.min(next + PAGE - 1, tip);
      const blocks = await db.query(
        `select sequence_no, format, transaction_info, transaction_info_ion, entries_hash, previous_block_hash, block_hash
         from ledger.blocks where strand_id = $1 and sequence_no between $2 and $3 order by sequence_no`,
        [strandId, next, last],
      );
      const hashes = await revisionHashesByBlock(db, strandId, next, last);
      for (const row of blocks) {
        if (integer(row.sequence_no) !== next) break;
        const address = { strandId, sequenceNo: next };
        const block = hashedBlock(address, row, hashes.get(next) ?? []);
        if (previous !== null && !sameHash(block.previousBlockHash, previous))
          throw new LedgerTamperedError(address, "its previous block hash is not the preceding block's hash");
        if (next > first && records(block, tableName, metadata.id)) {
          return `block ${next} recorded a later version of ${tableName}/${metadata.id}, which the committed view does not serve`;
        }
        previous = block.blockHash;
        next += 1;
      }
      if (next <= last)
        throw new LedgerTamperedError({ strandId, sequenceNo: next }, 'it is missing from the journal');
    }
  } catch (error) {
    if (error instanceof LedgerTamperedError) return error.message;
    throw error;
  }
  // The hash chain ends in the tip's block hash; its audit path must lead to the digest.
  const path = await rootsOf(db, strandId, auditPathPlan(tip, tip + 1));
  if (previous === null || !sameHash(path.reduce(dot, previous), digest.digest)) {
    return `the blocks from block ${first} to the tip (block ${tip}) do not lead to the current digest`;
  }
  return null;
}
