import { ErrorCode, FigwayError } from '../../errors.ts';
import type { BlockAddress } from './ledgerTypes.ts';

/**
 * A write found the document at another version than the writer read (QLDB's
 * OccConflictException). Nothing was written; reading again and retrying may succeed.
 */
export class LedgerConflictError extends FigwayError {
  constructor(tableName: string, documentId: string, expected: number | null, actual: number | null) {
    const wanted = expected === null ? 'to be new' : `at version ${expected}`;
    const found = actual === null ? 'it does not exist' : `it is at version ${actual}`;
    super(
      ErrorCode.CONFLICT,
      `Ledger write to ${tableName}/${documentId} expected it ${wanted}, but ${found}; retry.`,
      {
        retryable: true,
      },
    );
  }
}

/** Stored journal data no longer matches its hashes: someone changed the ledger outside figway. */
export class LedgerTamperedError extends Error {
  override name = 'LedgerTamperedError';
  readonly block: BlockAddress;
  readonly reason: string;

  constructor(block: BlockAddress, reason: string) {
    super(
      `Ledger block {strandId: ${block.strandId}, sequenceNo: ${block.sequenceNo}} fails verification: ${reason}.`,
    );
    this.block = block;
    this.reason = reason;
  }
}
