import type { DocumentRecord } from '../src/backends/connectStore.ts';
import { reference } from '../src/shadow/referenceField.ts';

/** Resolvers of CommitmentDocument. */
export const CommitmentDocument = {
  // A reference: each Profile field is routed on its own.
  uploadedBy: reference((document: DocumentRecord) =>
    document.uploadedBy === null ? null : { id: document.uploadedBy },
  ),
};
