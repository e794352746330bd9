import type { CommitmentTypeRecord, ProfileRecord } from '../connectStore.ts';
import type { CommitmentPort } from '../ledger/ledgerCommitments.ts';
import type { OltpReads } from '../oltp/oltpStore.ts';
import type { Viewer } from '../viewer.ts';
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
  // Each ledger operation is named after the one field it selects.
  type Field = keyof typeof L;
  const byKeys =
    <R, T>(field: Field, decode: (item: R) => T) =>
    (viewer: Viewer, ids: readonly string[]) =>
      calls.byKeys('ledger', L[field], field, viewer, ids, decode);
  const write = <R, T>(field: Field, variables: object, viewer: Viewer, decode: (value: R) => T) =>
    calls.write(field, L[field], variables, viewer, decode);
  return {
    commitmentsByIds: byKeys('commitmentsByIds', toCommitmentRecord),
    listCommitments: (viewer, page) =>
      calls.read(
        'ledger',
        L.commitments,
        'commitments',
        { status: page.status, first: page.limit, after: page.after },
        viewer,
        (commitments: { nodes: RemoteCommitment[] }) => commitments.nodes.map(toCommitmentRecord),
      ),
    partiesByCommitmentIds: byKeys('partiesByCommitmentIds', toPartyRecord),
    documentsByCommitmentIds: byKeys('documentsByCommitmentIds', toDocumentRecord),
    createCommitment: (viewer, input) => write('createCommitment', { input }, viewer, toCommitmentRecord),
    updateCommitmentStatus: (viewer, id, from, to) =>
      write('updateCommitmentStatus', { id, from, to }, viewer, (updated: RemoteCommitment | null) =>
        updated === null ? null : toCommitmentRecord(updated),
      ),
    addParty: (viewer, commitmentId, profileId, role) =>
      write('addParty', { commitmentId, profileId, role }, viewer, toPartyRecord),
    attachDocument: (viewer, commitmentId, name, url) =>
      write('attachDocument', { commitmentId, input: { name, url } }, viewer, toDocumentRecord),
  };
}
