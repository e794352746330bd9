import type { CommitmentDocument } from '../src/backends/ledger/commitmentDocument.ts';
import type { LedgerRevision } from '../src/backends/ledger/ledgerTypes.ts';

/** Resolvers of CommitmentRevision: a ledger revision of a commitment. */
export const CommitmentRevision = {
  version: (revision: LedgerRevision<CommitmentDocument>) => revision.metadata.version,
  txTime: (revision: LedgerRevision<CommitmentDocument>) => revision.metadata.txTime,
  txId: (revision: LedgerRevision<CommitmentDocument>) => revision.metadata.txId,
  // The snapshot keeps its parties and documents, so Commitment's resolvers show them as they were.
  commitment: (revision: LedgerRevision<CommitmentDocument>) => revision.data,
};
