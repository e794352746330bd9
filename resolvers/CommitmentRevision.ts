import type { HistoryRevision } from './gatewayContext.ts';

/** Resolvers of CommitmentRevision: a ledger revision of a commitment. */
export const CommitmentRevision = {
  version: (revision: HistoryRevision) => revision.metadata.version,
  txTime: (revision: HistoryRevision) => revision.metadata.txTime,
  txId: (revision: HistoryRevision) => revision.metadata.txId,
  // The snapshot keeps its parties and documents, so Commitment's resolvers show them as they were.
  commitment: (revision: HistoryRevision) => revision.data,
};
