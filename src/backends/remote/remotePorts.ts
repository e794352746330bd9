import type { CommitmentTypeRecord, ProfileRecord } from '../connectStore.ts';
import type { CommitmentPort } from '../ledger/ledgerCommitments.ts';
import type { OltpReads } from '../oltp/oltpStore.ts';
import type { RemoteCalls } from './remoteCalls.ts';
import {
  LEDGER_OPERATIONS as L,
  OLTP_OPERATIONS as O,
  type RemoteCommitment,
  toCommitmentRecord,
  toDocumentRecord,
  toPartyRecord,
} from './remoteOperations.ts';

/** The OLTP reads of the Connect port, answered by the OLTP service. */
export function remoteOltpReads(calls: RemoteCalls): OltpReads {
  return {
    profilesByIds: (viewer, ids) =>
      calls.byKeys(
        'oltp',
        O.profilesByIds,
        'profilesByIds',
        viewer,
        ids,
        (profile: ProfileRecord) => profile,
      ),
    commitmentTypesByIds: (viewer, ids) =>
      calls.byKeys(
        'oltp',
        O.commitmentTypesByIds,
        'commitmentTypesByIds',
        viewer,
        ids,
        (type: CommitmentTypeRecord) => type,
      ),
    listCommitmentTypes: (viewer) =>
      calls.read(
        'oltp',
        O.commitmentTypes,
        'commitmentTypes',
        {},
        viewer,
        (types: CommitmentTypeRecord[]) => {
          if (!Array.isArray(types)) throw new Error('not a list');
          return types;
        },
      ),
  };
}

/** The commitment part of the Connect port, answered by the ledger service. */
export function remoteCommitmentPort(calls: RemoteCalls): CommitmentPort {
  return {
    commitmentsByIds: (viewer, ids) =>
      calls.byKeys('ledger', L.commitmentsByIds, 'commitmentsByIds', viewer, ids, toCommitmentRecord),
    listCommitments: (viewer, page) =>
      calls.read(
        'ledger',
        L.commitments,
        'commitments',
        { status: page.status, first: page.limit, after: page.after },
        viewer,
        (commitments: { nodes: RemoteCommitment[] }) => commitments.nodes.map(toCommitmentRecord),
      ),
    partiesByCommitmentIds: (viewer, ids) =>
      calls.byKeys('ledger', L.partiesByCommitmentIds, 'partiesByCommitmentIds', viewer, ids, toPartyRecord),
    documentsByCommitmentIds: (viewer, ids) =>
      calls.byKeys(
        'ledger',
        L.documentsByCommitmentIds,
        'documentsByCommitmentIds',
        viewer,
        ids,
        toDocumentRecord,
      ),
    createCommitment: (viewer, input) =>
      calls.write('createCommitment', L.createCommitment, { input }, viewer, toCommitmentRecord),
    updateCommitmentStatus: (viewer, id, from, to) =>
      calls.write(
        'updateCommitmentStatus',
        L.updateCommitmentStatus,
        { id, from, to },
        viewer,
        (updated: RemoteCommitment | null) => (updated === null ? null : toCommitmentRecord(updated)),
      ),
    addParty: (viewer, commitmentId, profileId, role) =>
      calls.write('addParty', L.addParty, { commitmentId, profileId, role }, viewer, toPartyRecord),
    attachDocument: (viewer, commitmentId, name, url) =>
      calls.write(
        'attachDocument',
        L.attachDocument,
        { commitmentId, input: { name, url } },
        viewer,
        toDocumentRecord,
      ),
  };
}
