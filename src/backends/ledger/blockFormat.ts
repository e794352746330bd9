import { ionHashJson } from './ionHashJson.ts';
import type { Hash } from './ledgerHash.ts';
import type { LedgerRevision } from './ledgerTypes.ts';
import type { QldbTransactionInfo } from './qldbTransactionInfo.ts';

/**
 * The layout of a block, stored with it (`ledger.blocks.format`, migration 005) so a
 * journal holds blocks of both and each verifies as it was written:
 * - 1: the transaction info's hash first among the entries, then the revisions'; the
 *   transaction info is figway's JSON, `{transactionId, documents: [{tableName, id, version}]}`.
 * - 2: QLDB's layout: the revisions' hashes, then the transaction info's last; the
 *   transaction info is QLDB's Ion, `{statements: [...], documents: {<id>: {...}}}`
 *   (see qldbTransactionInfo).
 */
export type BlockFormat = 1 | 2;

/** The format a stored `ledger.blocks.format` names; throws for one this release cannot read. */
export function blockFormatOf(value: unknown): BlockFormat {
  const format = Number(value);
  if (format === 1 || format === 2) return format;
  throw new RangeError(`block format ${String(value)} is not one this release reads (1 or 2)`);
}

/**
 * A block's entries, in its format's order, whose Merkle root is its entries hash:
 * format 1 puts the transaction info's hash first, format 2 (QLDB's) last.
 */
export function entriesOf(format: BlockFormat, infoHash: Hash, revisionHashes: readonly Hash[]): Hash[] {
  return format === 1 ? [infoHash, ...revisionHashes] : [...revisionHashes, infoHash];
}

/** The position among its block's entries of the block's `index`-th revision (from 0). */
export function revisionEntryIndex(format: BlockFormat, index: number): number {
  return format === 1 ? index + 1 : index;
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
  /** The transaction info as JSON (format 2: its Ion's down-conversion). */
  transactionInfo: unknown;
  /** The transaction info as Ion text (format 2), null in format 1. */
  transactionInfoIon: Uint8Array | null;
  /** The entries, in the format's order. */
  entries: Hash[];
}

/**
 * The format, transaction info and entries of a new block: format 2 with QLDB's
 * transaction info when there is one; format 1 when `info` is null, because QLDB's
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
    format: 2,
    transactionInfo: info.json,
    transactionInfoIon: info.ion,
    entries: entriesOf(
      2,
      info.hash,
      revisions.map((revision) => revision.hash),
    ),
  };
}
