import { type DocumentNode, parse } from 'graphql';
import type {
  CommitmentRecord,
  CommitmentStatus,
  DocumentRecord,
  PartyRecord,
  PartyRole,
} from '../connectStore.ts';
import { commitmentOf } from '../ledger/commitmentDocument.ts';

// The operations the remote target store sends to the services, one per
// port method, parsed once. Each selects what the port's records hold; references to
// the other service (a commitment's type, a party's profile) are read by id only, and
// the gateway's loaders batch what follows by key. Reads of commitments select their
// parties and documents too, as the ledger holds them in the commitment's document:
// a page's parties then cost no request of their own (commitmentPartsOf reads them off
// the records); a revision's commitment selects them as its snapshot holds them. Writes
// answer the commitment alone.

const COMMITMENT = `fragment RemoteCommitment on Commitment {
  id title description status terms version createdAt updatedAt type { id } createdBy { id }
}`;
const PARTY = 'fragment RemoteParty on Party { id commitmentId role joinedAt profile { id } }';
const DOCUMENT = `fragment RemoteDocument on CommitmentDocument {
  id commitmentId name url version uploadedAt uploadedBy { id }
}`;
const WITH_PARTS = `fragment RemoteCommitmentWithParts on Commitment {
  ...RemoteCommitment parties { ...RemoteParty } documents { ...RemoteDocument }
} ${COMMITMENT} ${PARTY} ${DOCUMENT}`;

/** The ledger service's operations. */
export const LEDGER_OPERATIONS = {
  commitmentsByIds: parse(
    `query CommitmentsByIds($ids: [ID!]!) {
      commitmentsByIds(ids: $ids) { ...RemoteCommitmentWithParts }
    } ${WITH_PARTS}`,
  ),
  commitments: parse(
    `query Commitments($status: CommitmentStatus, $first: Int!, $after: CommitmentPosition) {
      commitments(status: $status, first: $first, after: $after) { nodes { ...RemoteCommitmentWithParts } }
    } ${WITH_PARTS}`,
  ),
  partiesByCommitmentIds: parse(
    `query PartiesByCommitmentIds($ids: [ID!]!) { partiesByCommitmentIds(ids: $ids) { ...RemoteParty } } ${PARTY}`,
  ),
  documentsByCommitmentIds: parse(
    `query DocumentsByCommitmentIds($ids: [ID!]!) {
      documentsByCommitmentIds(ids: $ids) { ...RemoteDocument }
    } ${DOCUMENT}`,
  ),
  historyByCommitmentIds: parse(
    `query HistoryByCommitmentIds($ids: [ID!]!) {
      historyByCommitmentIds(ids: $ids) {
        commitmentId version txTime txId blockAddress { strandId sequenceNo }
        commitment { ...RemoteCommitmentWithParts }
      }
    } ${WITH_PARTS}`,
  ),
  verifyCommitment: parse(
    `query VerifyCommitment($id: ID!, $version: Int) {
      verifyCommitment(id: $id, version: $version) {
        id version blockAddress { strandId sequenceNo } revisionHash digest
        tipAddress { strandId sequenceNo } proof verified problem
      }
    }`,
  ),
  createCommitment: parse(
    `mutation CreateCommitment($input: CreateCommitmentInput!) {
      createCommitment(input: $input) { ...RemoteCommitment }
    } ${COMMITMENT}`,
  ),
  updateCommitmentStatus: parse(
    `mutation UpdateCommitmentStatus($id: ID!, $from: CommitmentStatus!, $to: CommitmentStatus!) {
      updateCommitmentStatus(id: $id, from: $from, to: $to) { ...RemoteCommitment }
    } ${COMMITMENT}`,
  ),
  addParty: parse(
    `mutation AddParty($commitmentId: ID!, $profileId: ID!, $role: PartyRole!) {
      addParty(commitmentId: $commitmentId, profileId: $profileId, role: $role) { ...RemoteParty }
    } ${PARTY}`,
  ),
  attachDocument: parse(
    `mutation AttachDocument($commitmentId: ID!, $input: AttachDocumentInput!) {
      attachDocument(commitmentId: $commitmentId, input: $input) { ...RemoteDocument }
    } ${DOCUMENT}`,
  ),
} satisfies Record<string, DocumentNode>;

/** The OLTP service's operations. */
export const OLTP_OPERATIONS = {
  profilesByIds: parse(
    'query ProfilesByIds($ids: [ID!]!) { profilesByIds(ids: $ids) { id username displayName avatarUrl createdAt } }',
  ),
  commitmentTypesByIds: parse(
    'query CommitmentTypesByIds($ids: [ID!]!) { commitmentTypesByIds(ids: $ids) { id name description } }',
  ),
  commitmentTypes: parse('query CommitmentTypes { commitmentTypes { id name description } }'),
} satisfies Record<string, DocumentNode>;

/** A commitment as the ledger contract answers it; a read's carries its parties and documents. */
export interface RemoteCommitment {
  id: string;
  title: string;
  description: string;
  status: CommitmentStatus;
  terms: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  type: { id: string };
  createdBy: { id: string };
  parties?: RemoteParty[];
  documents?: RemoteDocument[];
}

/**
 * The port's record of a commitment the ledger service answered. One that came with
 * its parties and documents keeps them out of sight, as the in-process ledger's records
 * do (commitmentOf), for the store's `partsOf`.
 */
export function toCommitmentRecord(remote: RemoteCommitment): CommitmentRecord {
  const { type, createdBy, parties, documents, ...fields } = remote;
  const record = { ...fields, typeId: type.id, createdBy: createdBy.id };
  if (parties === undefined || documents === undefined) return record;
  return commitmentOf({
    ...record,
    parties: parties.map(toPartyRecord),
    documents: documents.map(toDocumentRecord),
  });
}

/** A party as the ledger contract answers it. */
export interface RemoteParty {
  id: string;
  commitmentId: string;
  role: PartyRole;
  joinedAt: string;
  profile: { id: string };
}

/** A document version as the ledger contract answers it. */
export type RemoteDocument = Omit<DocumentRecord, 'uploadedBy'> & { uploadedBy: { id: string } | null };

/** The port's record of a party the ledger service answered. */
export function toPartyRecord(remote: RemoteParty): PartyRecord {
  const { profile, ...fields } = remote;
  return { ...fields, profileId: profile.id };
}

/** The port's record of a document the ledger service answered. */
export function toDocumentRecord(remote: RemoteDocument): DocumentRecord {
  const { uploadedBy, ...fields } = remote;
  return { ...fields, uploadedBy: uploadedBy?.id ?? null };
}
