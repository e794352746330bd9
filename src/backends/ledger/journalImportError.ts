import type { BlockAddress } from './ledgerTypes.ts';

/**
 * A journal import stopped: the export is not one figway can read, or a block in it
 * fails verification (its revisions, its entries, its hash, or its link to the block
 * before it). `block` names the block that failed, or is null when the failure is not
 * in a block (a manifest, a data object's name). Nothing was imported: the import is
 * one database transaction, and it is rolled back.
 */
export class JournalImportError extends Error {
  override name = 'JournalImportError';
  readonly block: BlockAddress | null;
  readonly reason: string;

  constructor(block: BlockAddress | null, reason: string) {
    super(
      block === null
        ? `Journal import stopped: ${reason}. Nothing was imported.`
        : `Journal import stopped at block {strandId: ${block.strandId}, sequenceNo: ${block.sequenceNo}}: ${reason}. Nothing was imported.`,
    );
    this.block = block;
    this.reason = reason;
  }
}

/** The ledger an import was asked to load into already has blocks; nothing was changed. */
export class LedgerNotEmptyError extends Error {
  override name = 'LedgerNotEmptyError';

  constructor(blocks: number) {
    super(
      `The ledger already has ${blocks} block${blocks === 1 ? '' : 's'}: a journal is imported only into an empty ledger (a new database, or a new FIGWAY_DATA_DIR for the embedded default). Nothing was changed.`,
    );
  }
}
