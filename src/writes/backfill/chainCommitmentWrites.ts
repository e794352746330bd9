import { COMMITMENTS, type CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import type { LedgerWrite } from '../../backends/ledger/ledgerTypes.ts';

/**
 * The ledger writes that append `states` to a commitment, one revision each and in
 * order, each expecting the version the one before it makes: the first expects
 * `currentVersion` (null: the commitment must not exist yet). Committed as one
 * transaction, they fail together when anyone else wrote the commitment meanwhile.
 */
export function chainCommitmentWrites(
  id: string,
  states: readonly CommitmentDocument[],
  currentVersion: number | null,
): LedgerWrite[] {
  let expected = currentVersion;
  return states.map((data) => {
    const write = { tableName: COMMITMENTS, documentId: id, data, expectedVersion: expected };
    expected = expected === null ? 0 : expected + 1;
    return write;
  });
}
