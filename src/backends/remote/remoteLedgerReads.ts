import type { CommitmentDocument } from '../ledger/commitmentDocument.ts';
import type { BlockAddress, LedgerRevision } from '../ledger/ledgerTypes.ts';
import type { verificationAnswer } from '../ledger/verifyCommitment.ts';
import type { Viewer } from '../viewer.ts';
import type { RemoteCalls } from './remoteCalls.ts';
import {
  LEDGER_OPERATIONS as L,
  type RemoteCommitment,
  toDocumentRecord,
  toPartyRecord,
} from './remoteOperations.ts';

/**
 * A revision of a commitment as the ledger service answers it, in the in-process
 * ledger's terms: where and when it was written (`metadata.id` is the commitment's id,
 * as the contract's `commitmentId` gives it) and the commitment as it was, parties and
 * documents included. The hashes stay with the service, which verifies.
 */
export type RemoteRevisionRecord = Pick<
  LedgerRevision<CommitmentDocument>,
  'blockAddress' | 'metadata' | 'data'
>;

/** A verification as the ledger contract and the public schema both show it: hashes in base64. */
export type VerificationAnswer = ReturnType<typeof verificationAnswer>;

/** The ledger's own reads, history and verification, answered by the ledger service. */
export interface RemoteLedgerReads {
  /** Every revision of each visible commitment among `ids`, through `historyByCommitmentIds`. */
  historyByIds(viewer: Viewer, ids: readonly string[]): Promise<RemoteRevisionRecord[]>;
  /** The service's `verifyCommitment`: null when the commitment is not visible or has no such version. */
  verifyAnswer(viewer: Viewer, id: string, version?: number): Promise<VerificationAnswer | null>;
}

interface RemoteRevision {
  commitmentId: string;
  version: number;
  txTime: string;
  txId: string;
  blockAddress: BlockAddress;
  commitment: RemoteCommitment;
}

// The commitment as a revision of the in-process ledger holds it (its document), so the
// gateway's resolvers show a snapshot's status, parties and documents the same way.
function snapshotOf(remote: RemoteCommitment): CommitmentDocument {
  const { type, createdBy, parties, documents, ...fields } = remote;
  // The history operation selects both: an answer without them is off the contract.
  if (!Array.isArray(parties) || !Array.isArray(documents)) throw new Error('a revision without its parties');
  return {
    ...fields,
    typeId: type.id,
    createdBy: createdBy.id,
    parties: parties.map((party) => {
      const { commitmentId: _commitmentId, ...seat } = toPartyRecord(party);
      return seat;
    }),
    documents: documents.map((entry) => {
      const { commitmentId: _commitmentId, ...version } = toDocumentRecord(entry);
      return version;
    }),
  };
}

function toRevisionRecord(remote: RemoteRevision): RemoteRevisionRecord {
  const { commitmentId, version, txTime, txId, blockAddress, commitment } = remote;
  return {
    blockAddress,
    metadata: { id: commitmentId, version, txTime, txId },
    data: snapshotOf(commitment),
  };
}

/**
 * History and verification over the ledger service, through the same calls as the
 * Connect port's reads (remoteCalls): the caller's token, the service's timeout and
 * figway's error codes; history goes by key, so a request's history loader makes one
 * call per resolver level, batched with the other ledger reads of that level.
 */
export function remoteLedgerReads(calls: RemoteCalls): RemoteLedgerReads {
  return {
    historyByIds: (viewer, ids) =>
      calls.byKeys(
        'ledger',
        L.historyByCommitmentIds,
        'historyByCommitmentIds',
        viewer,
        ids,
        toRevisionRecord,
      ),
    verifyAnswer: (viewer, id, version) =>
      calls.read(
        'ledger',
        L.verifyCommitment,
        'verifyCommitment',
        { id, version: version ?? null },
        viewer,
        (answer: VerificationAnswer | null) => answer,
      ),
  };
}
