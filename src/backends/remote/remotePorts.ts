import type { CommitmentTypeRecord, ProfileRecord } from '../connectStore.ts';
import type { CommitmentPort } from '../ledger/ledgerCommitments.ts';
import type { OltpReads } from '../oltp/oltpStore.ts';
import type { RemoteCalls } from './remoteCalls.ts';
import {
  LEDGER_OPERATIONS as L,
  OLTP_OPERATIONS as O,
  type RemoteCommitment,
  type RemoteDocument,
  type RemoteParty,
  toCommitmentRecord,
  toDocumentRecord,
  toPartyRecord,
} from './remoteOperations.ts';

/** The OLTP reads of the Connect port, answered by the OLTP service. */
export function remoteOltpReads(calls: RemoteCalls): OltpReads {
  return {
    profilesByIds: (viewer, ids) =>
      calls.byKeys<ProfileRecord>('oltp', O.profilesByIds, 'profilesByIds', viewer, ids),
    commitmentTypesByIds: (viewer, ids) =>
      calls.byKeys<CommitmentTypeRecord>('oltp', O.commitmentTypesByIds, 'commitmentTypesByIds', viewer, ids),
    listCommitmentTypes: async (viewer) =>
      (await calls.read<{ commitmentTypes: CommitmentTypeRecord[] }>('oltp', O.commitmentTypes, {}, viewer))
        .commitmentTypes,
  };
}

/** The commitment part of the Connect port, answered by the ledger service. */
export function remoteCommitmentPort(calls: RemoteCalls): CommitmentPort {
  const byKeys = <T>(
    document: keyof typeof L,
    viewer: Parameters<RemoteCalls['read']>[3],
    ids: readonly string[],
  ) => calls.byKeys<T>('ledger', L[document], document, viewer, ids);
  return {
    commitmentsByIds: async (viewer, ids) =>
      (await byKeys<RemoteCommitment>('commitmentsByIds', viewer, ids)).map(toCommitmentRecord),
    async listCommitments(viewer, page) {
      const variables = { status: page.status, first: page.limit, after: page.after };
      const answer = await calls.read<{ commitments: { nodes: RemoteCommitment[] } }>(
        'ledger',
        L.commitments,
        variables,
        viewer,
      );
      return answer.commitments.nodes.map(toCommitmentRecord);
    },
    partiesByCommitmentIds: async (viewer, ids) =>
      (await byKeys<RemoteParty>('partiesByCommitmentIds', viewer, ids)).map(toPartyRecord),
    documentsByCommitmentIds: async (viewer, ids) =>
      (await byKeys<RemoteDocument>('documentsByCommitmentIds', viewer, ids)).map(toDocumentRecord),
    createCommitment: async (viewer, input) =>
      toCommitmentRecord(
        await calls.write<RemoteCommitment>('createCommitment', L.createCommitment, { input }, viewer),
      ),
    async updateCommitmentStatus(viewer, id, from, to) {
      const variables = { id, from, to };
      const updated = await calls.write<RemoteCommitment | null>(
        'updateCommitmentStatus',
        L.updateCommitmentStatus,
        variables,
        viewer,
      );
      return updated === null ? null : toCommitmentRecord(updated);
    },
    addParty: async (viewer, commitmentId, profileId, role) =>
      toPartyRecord(
        await calls.write<RemoteParty>('addParty', L.addParty, { commitmentId, profileId, role }, viewer),
      ),
    attachDocument: async (viewer, commitmentId, name, url) => {
      const variables = { commitmentId, input: { name, url } };
      return toDocumentRecord(
        await calls.write<RemoteDocument>('attachDocument', L.attachDocument, variables, viewer),
      );
    },
  };
}
