import { ionHashJson } from './ionHashJson.ts';
import type { Hash } from './ledgerHash.ts';
import type { LedgerRevision } from './ledgerTypes.ts';
import { auditPath, merkleRoot } from './merkleTree.ts';
import type { QldbTransactionInfo } from './qldbTransactionInfo.ts';

/**
 * The layout of a block, stored with it (`ledger.blocks.format`, migrations 005 and 007)
 * so a journal holds blocks of every format and each verifies as it was written:
 * - 1: the transaction info's hash first among the entries, then each revision's; the
 *   transaction info is figway's JSON, `{transactionId, documents: [{tableName, id, version}]}`.
 * - 2: each revision's hash, then the transaction info's last; the transaction info is
 *   QLDB's Ion, `{statements: [...], documents: {<id>: {...}}}` (see qldbTransactionInfo).
 * - 3: QLDB's layout: one entry for all the revisions, the Merkle root of their hashes,
 *   then the transaction info's hash last; the transaction info as in format 2. This is
 *   what AWS's sample validator (JournalBlock.verifyBlockHash in
 *   aws-samples/amazon-qldb-dmv-sample-java) checks: the transaction info's hash and the
 *   revisions' Merkle root are both in `entriesHashList`, whose Merkle root is the
 *   entries hash. QLDB's own blocks also list two hashes of internal system metadata
 *   (before the revisions' entry and between it and the transaction info's), whose
 *   content is not published; figway writes none.
 * A block of one revision has the same entries in formats 2 and 3 (the root of one hash
 * is that hash). New blocks are written in format 3 (format 1 when blockContent says).
 */
export type BlockFormat = 1 | 2 | 3;

/** The format a stored `ledger.blocks.format` names; throws for one this release cannot read. */
export function blockFormatOf(value: unknown): BlockFormat {
  const format = Number(value);
  if (format === 1 || format === 2 || format === 3) return format;
  throw new RangeError(`block format ${String(value)} is not one this release reads (1, 2 or 3)`);
}

/**
 * A block's entries (its `entriesHashList`), in its format's order, whose Merkle root is
 * its entries hash: format 1 puts the transaction info's hash first, format 2 last after
 * each revision's, format 3 (QLDB's) last after the revisions' Merkle root (no such
 * entry when there is no revision, as QLDB's sample validator checks none then).
 */
export function entriesOf(format: BlockFormat, infoHash: Hash, revisionHashes: readonly Hash[]): Hash[] {
  switch (format) {
    case 1:
      return [infoHash, ...revisionHashes];
    case 2:
      return [...revisionHashes, infoHash];
    case 3:
      return revisionHashes.length === 0 ? [infoHash] : [merkleRoot(revisionHashes), infoHash];
  }
}

/**
 * The stored `entry_index` of the block's `index`-th revision (from 0): its position
 * among the block's entries in formats 1 (from 1) and 2 (from 0); in format 3 its
 * position among the revisions, the leaves of the tree whose root is entry 0.
 */
export function revisionEntryIndex(format: BlockFormat, index: number): number {
  return format === 1 ? index + 1 : index;
}

/**
 * The hashes that, folded with `dot` onto the block's `index`-th revision's hash, give
 * the block's entries hash: the revision's audit path among the entries (formats 1 and
 * 2); in format 3 its audit path among the revisions, then the revisions' entry's audit
 * path among the entries, the proof QLDB gives for its layout.
 */
export function revisionPathInBlock(
  format: BlockFormat,
  entries: readonly Hash[],
  revisionHashes: readonly Hash[],
  index: number,
): Hash[] {
  if (format !== 3) return auditPath(entries, revisionEntryIndex(format, index));
  return [...auditPath(revisionHashes, index), ...auditPath(entries, 0)];
}

/** The transaction info of a format 1 block: its transaction id and the revisions it wrote. */
export function format1TransactionInfo(transactionId: string, revisions: readonly LedgerRevision[]) {
  return {
    transactionId,
    documents: revisions.map((revision) => ({
      tableName: revision.tableName,
      id: revision.metadata.id,
      version: revision.metadata.version,
    })),
  };
}

/** The entries of a format 1 block: the Ion hash of its JSON transaction info, then each revision's hash. */
export function format1Entries(info: unknown, revisions: ReadonlyArray<{ hash: Hash }>): Hash[] {
  return entriesOf(
    1,
    ionHashJson(info),
    revisions.map((revision) => revision.hash),
  );
}

/** What a new block stores and hashes besides its revisions. */
export interface BlockContent {
  format: BlockFormat;
  /** The transaction info as JSON (formats 2 and 3: its Ion's down-conversion). */
  transactionInfo: unknown;
  /** The transaction info as Ion text (formats 2 and 3), null in format 1. */
  transactionInfoIon: Uint8Array | null;
  /** The entries, in the format's order. */
  entries: Hash[];
}

/**
 * The format, transaction info and entries of a new block: format 3, QLDB's, with
 * QLDB's transaction info when there is one; format 1 when `info` is null, because QLDB's
 * transaction info keys documents by id alone (QLDB's ids are unique across tables) and
 * so cannot describe a transaction that writes one id in two of figway's tables.
 */
export function blockContent(
  info: QldbTransactionInfo | null,
  transactionId: string,
  revisions: readonly LedgerRevision[],
): BlockContent {
  if (info === null) {
    const format1 = format1TransactionInfo(transactionId, revisions);
    return {
      format: 1,
      transactionInfo: format1,
      transactionInfoIon: null,
      entries: format1Entries(format1, revisions),
    };
  }
  return {
    format: 3,
    transactionInfo: info.json,
    transactionInfoIon: info.ion,
    entries: entriesOf(
      3,
      info.hash,
      revisions.map((revision) => revision.hash),
    ),
  };
}
