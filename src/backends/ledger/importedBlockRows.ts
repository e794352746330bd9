import { type BlockFormat, revisionEntryIndex } from './blockFormat.ts';
import type { ExportedBlock } from './exportedBlock.ts';
import type { Hash } from './ledgerHash.ts';

/** What an imported revision stores, as the ledger writes it (see revisionContent), with its data's Ion hash. */
export interface Content {
  data: unknown;
  ion: Uint8Array | null;
  deleted: boolean;
  dataHash: Hash;
}

/** What an imported block stores besides what the export gives. */
export interface ImportedBlockParts {
  format: BlockFormat;
  /** The transaction info as JSON (its Ion's down-conversion). */
  info: unknown;
  /** The transaction info as Ion text (formats 2 and 3), or null (format 1). */
  transactionInfoIon: Uint8Array | null;
  /** Each revision's table, in order. */
  tables: readonly string[];
  /** Each revision's content, in order. */
  contents: readonly Content[];
}

/**
 * The `ledger.blocks` row and the `ledger.revisions` rows (in entry order) an exported
 * block becomes, as `ledger.append_block` stores them: what the ledger's checkBlock
 * reads, so the block can be checked as stored before it is written.
 */
export function importedBlockRows(block: ExportedBlock, parts: ImportedBlockParts) {
  const { address } = block;
  const revisions = block.revisions.map((revision, position) => {
    const content = parts.contents[position] as Content;
    return {
      table_name: parts.tables[position],
      document_id: revision.metadata.id,
      version: revision.metadata.version,
      data: content.data,
      ion: content.ion,
      deleted: content.deleted,
      tx_id: revision.metadata.txId,
      tx_time: revision.metadata.txTime,
      strand_id: address.strandId,
      sequence_no: address.sequenceNo,
      entry_index: revisionEntryIndex(parts.format, position),
      hash: revision.hash,
    };
  });
  return {
    block: {
      strand_id: address.strandId,
      sequence_no: address.sequenceNo,
      transaction_id: block.transactionId,
      block_timestamp: block.blockTimestamp,
      transaction_info: parts.info,
      format: parts.format,
      transaction_info_ion: parts.transactionInfoIon,
      entries_hash: block.entriesHash,
      previous_block_hash: block.previousBlockHash,
      block_hash: block.blockHash,
    },
    revisions,
  };
}
