import type { CommitmentRecord } from '../src/backends/connectStore.ts';
import type { GatewayContext } from './gatewayContext.ts';

/** Resolvers of Commitment's relations; its scalar fields come straight from the record. */
export const Commitment = {
  type: (commitment: CommitmentRecord, _: unknown, context: GatewayContext) =>
    context.loaders.commitmentType.load(commitment.typeId),
  createdBy: (commitment: CommitmentRecord, _: unknown, context: GatewayContext) =>
    context.loaders.profile.load(commitment.createdBy),
  async parties(commitment: CommitmentRecord, _: unknown, context: GatewayContext) {
    const parties = await context.loaders.parties.load(commitment.id);
    // The creator first, then the others in the order they joined.
    return [...parties].sort((a, b) => Number(b.role === 'CREATOR') - Number(a.role === 'CREATOR'));
  },
  documents: (commitment: CommitmentRecord, _: unknown, context: GatewayContext) =>
    context.loaders.documents.load(commitment.id),
};
