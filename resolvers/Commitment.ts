import type { CommitmentRecord } from '../src/backends/connectStore.ts';
import {
  type CommitmentDocument,
  documentsOf,
  partiesOf,
} from '../src/backends/ledger/commitmentDocument.ts';
import { type GatewayContext, requireLedger } from './gatewayContext.ts';

// A commitment from the ledger's history carries its parties and documents as
// they were; a current one loads them.
function isSnapshot(commitment: CommitmentRecord): commitment is CommitmentDocument {
  return 'parties' in commitment && Array.isArray(commitment.parties);
}

/** Resolvers of Commitment's relations; its scalar fields come straight from the record. */
export const Commitment = {
  type: (commitment: CommitmentRecord, _: unknown, context: GatewayContext) =>
    context.loaders.commitmentType.load(commitment.typeId),
  createdBy: (commitment: CommitmentRecord, _: unknown, context: GatewayContext) =>
    context.loaders.profile.load(commitment.createdBy),
  async parties(commitment: CommitmentRecord, _: unknown, context: GatewayContext) {
    const parties = isSnapshot(commitment)
      ? partiesOf(commitment)
      : await context.loaders.parties.load(commitment.id);
    // The creator first, then the others in the order they joined.
    return [...parties].sort((a, b) => Number(b.role === 'CREATOR') - Number(a.role === 'CREATOR'));
  },
  documents: (commitment: CommitmentRecord, _: unknown, context: GatewayContext) =>
    isSnapshot(commitment) ? documentsOf(commitment) : context.loaders.documents.load(commitment.id),
  history(commitment: CommitmentRecord, _: unknown, context: GatewayContext) {
    requireLedger(context);
    return context.history?.load(commitment.id) ?? [];
  },
};
