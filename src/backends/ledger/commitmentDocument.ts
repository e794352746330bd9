import type { CommitmentRecord, DocumentRecord, PartyRecord } from '../connectStore.ts';

/** The ledger table that holds commitments. */
export const COMMITMENTS = 'commitments';

/**
 * A commitment as one ledger document: its fields with its parties and documents
 * embedded, so each revision is the whole commitment as it was.
 */
export interface CommitmentDocument extends CommitmentRecord {
  parties: Array<Omit<PartyRecord, 'commitmentId'>>;
  documents: Array<Omit<DocumentRecord, 'commitmentId'>>;
}

// The document a commitment record was read from, out of sight of spreads and JSON.
const DOCUMENT = Symbol('figway.commitmentDocument');

/**
 * The commitment fields of a document, without its parties and documents (which
 * {@link commitmentPartsOf} still reads off the record).
 */
export function commitmentOf(document: CommitmentDocument): CommitmentRecord {
  const { parties: _parties, documents: _documents, ...commitment } = document;
  Object.defineProperty(commitment, DOCUMENT, { value: document });
  return commitment;
}

/** The parties and documents of a commitment record made by {@link commitmentOf}; null for any other record. */
export function commitmentPartsOf(
  commitment: CommitmentRecord,
): { parties: PartyRecord[]; documents: DocumentRecord[] } | null {
  const document = (commitment as { [DOCUMENT]?: CommitmentDocument })[DOCUMENT];
  return document === undefined ? null : { parties: partiesOf(document), documents: documentsOf(document) };
}

/** The parties of a document, in the order legacy returns them: joined, then id. */
export function partiesOf(document: CommitmentDocument): PartyRecord[] {
  return document.parties
    .map((party) => ({ ...party, commitmentId: document.id }))
    .sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.id.localeCompare(b.id));
}

/** The documents of a commitment, in the order legacy returns them: uploaded, name, version. */
export function documentsOf(document: CommitmentDocument): DocumentRecord[] {
  return document.documents
    .map((entry) => ({ ...entry, commitmentId: document.id }))
    .sort(
      (a, b) =>
        a.uploadedAt.localeCompare(b.uploadedAt) || a.name.localeCompare(b.name) || a.version - b.version,
    );
}
