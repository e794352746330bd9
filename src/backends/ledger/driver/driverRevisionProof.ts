import { type BlockFormat, entriesOf, revisionPathInBlock } from '../blockFormat.ts';
import type { ExportedBlock } from '../exportedBlock.ts';
import { ionHashOfIon } from '../ionValueHash.ts';
import { type Hash, type RevisionMetadata, sameHash } from '../ledgerHash.ts';
import type { BlockAddress, LedgerRevision } from '../ledgerTypes.ts';
import { revisionOf } from './driverDocuments.ts';
import type { LedgerDriver } from './ledgerDriver.ts';

/** A revision as the journal holds it, with the proof from its hash to a digest. */
export interface JournalRevisionProof {
  hash: Hash;
  metadata: RevisionMetadata;
  proof: Hash[];
}

// GetRevision and GetBlock refuse a block or document id the journal does not hold with
// InvalidParameterException (the driver's FigwayError keeps it as its cause).
function journalLacks(error: unknown): string | null {
  const cause = (error as { cause?: { name?: unknown; message?: unknown } }).cause;
  return cause?.name === 'InvalidParameterException' ? String(cause.message) : null;
}

// The block's layout, found as the import finds it: the format whose entries, built from
// the block's revisions and transaction info, are its entriesHashList.
function formatOf(block: ExportedBlock): BlockFormat | null {
  const infoHash = ionHashOfIon(block.transactionInfo);
  const revisionHashes = block.revisions.map((revision) => revision.hash);
  for (const format of [3, 2, 1] as const) {
    const entries = entriesOf(format, infoHash, revisionHashes);
    if (
      entries.length === block.entriesHashList.length &&
      entries.every((entry, index) => sameHash(entry, block.entriesHashList[index] ?? new Uint8Array()))
    )
      return format;
  }
  return null;
}

// The proof climbs the block's entries (figway's revisionPathInBlock), joins the previous
// block's hash, then follows GetBlock's proof of the block to the digest, as the
// in-process revisionProof builds it.
async function proofInBlock(
  driver: LedgerDriver,
  revision: LedgerRevision,
  tip: BlockAddress,
): Promise<JournalRevisionProof | string> {
  const { block, proof } = await driver.getBlock(revision.blockAddress, tip);
  const { id, version } = revision.metadata;
  const position = block.revisions.findLastIndex(
    (entry) => entry.metadata.id === id && entry.metadata.version === version,
  );
  const found = block.revisions[position];
  if (found === undefined) return `block ${block.address.sequenceNo} holds no version ${version} of ${id}`;
  const format = formatOf(block);
  if (format === null) return `block ${block.address.sequenceNo}'s entries are laid out in no known format`;
  const path = revisionPathInBlock(
    format,
    block.entriesHashList,
    block.revisions.map((entry) => entry.hash),
    position,
  );
  const previous = block.previousBlockHash.length > 0 ? [block.previousBlockHash] : [];
  return { hash: found.hash, metadata: found.metadata, proof: [...path, ...previous, ...proof] };
}

/**
 * The journal's copy of `revision` and its proof to the digest at `tip`, through the
 * ledger's control plane: GetRevision's. GetRevision names a revision by document id and
 * block, as QLDB (which commits one revision per document and transaction) does; when
 * figway's journal holds several versions of the document in that block (a backfill or
 * a batch of the mirror writes a commitment's history in one block), GetRevision answers
 * the last of them, and an earlier one is proven from GetBlock's block and proof instead.
 * A string says what the journal lacks.
 */
export async function driverRevisionProof(
  driver: LedgerDriver,
  revision: LedgerRevision,
  tip: BlockAddress,
): Promise<JournalRevisionProof | string> {
  try {
    const answer = await driver.getRevision(revision.metadata.id, revision.blockAddress, tip);
    const journal = revisionOf(answer.revision);
    if (journal.metadata.version === revision.metadata.version)
      return { hash: journal.hash, metadata: journal.metadata, proof: answer.proof };
    return await proofInBlock(driver, revision, tip);
  } catch (error) {
    const lacks = journalLacks(error);
    if (lacks === null) throw error;
    return `the journal does not hold it: ${lacks}`;
  }
}
