import type { DocumentRecord } from '../src/backends/connectStore.ts';
import type { GatewayContext } from './gatewayContext.ts';

/** Resolvers of CommitmentDocument. */
export const CommitmentDocument = {
  uploadedBy: (document: DocumentRecord, _: unknown, context: GatewayContext) =>
    document.uploadedBy === null ? null : context.loaders.profile.load(document.uploadedBy),
};
