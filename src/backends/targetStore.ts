import { ErrorCode, FigwayError } from '../errors.ts';
import type { ConnectStore } from './connectStore.ts';
import { commitmentPartsOf } from './ledger/commitmentDocument.ts';
import type { CommitmentPort } from './ledger/ledgerCommitments.ts';
import type { OltpStore } from './oltp/oltpStore.ts';
import { ANONYMOUS, type Viewer } from './viewer.ts';

const SERVICE: Viewer = { kind: 'service', id: null, claims: { role: 'service_role' }, token: '' };

// Legacy answers a reference to a missing row with a foreign-key error, which
// becomes BAD_USER_INPUT; the target checks across its two services instead.
function unknownReference(): FigwayError {
  return new FigwayError(ErrorCode.BAD_USER_INPUT, 'A referenced id does not exist.');
}

async function requireProfile(oltp: OltpStore, id: string | null) {
  if (id === null || (await oltp.profilesByIds(SERVICE, [id])).length === 0) throw unknownReference();
}

/**
 * The target side of the Connect port: profiles and commitment types from the OLTP
 * service, commitments with their parties and documents from the ledger. It answers
 * exactly like the legacy adapter, including the checks legacy gets from foreign keys.
 */
export function createTargetStore(parts: {
  oltp: OltpStore;
  commitments: CommitmentPort;
  name?: string;
  close?: () => Promise<void>;
}): ConnectStore {
  const { oltp, commitments } = parts;
  return {
    name: parts.name ?? 'target (ledger + oltp)',
    profilesByIds: oltp.profilesByIds,
    commitmentTypesByIds: oltp.commitmentTypesByIds,
    listCommitmentTypes: oltp.listCommitmentTypes,
    commitmentsByIds: commitments.commitmentsByIds,
    listCommitments: commitments.listCommitments,
    partiesByCommitmentIds: commitments.partiesByCommitmentIds,
    documentsByCommitmentIds: commitments.documentsByCommitmentIds,
    partsOf: commitmentPartsOf,
    async createCommitment(viewer, input) {
      if (viewer.kind === 'anonymous') return commitments.createCommitment(viewer, input);
      await requireProfile(oltp, viewer.id);
      if ((await oltp.commitmentTypesByIds(ANONYMOUS, [input.typeId])).length === 0) throw unknownReference();
      return commitments.createCommitment(viewer, input);
    },
    updateCommitmentStatus: commitments.updateCommitmentStatus,
    async addParty(viewer, commitmentId, profileId, role) {
      // Visibility first, as row-level security decides before any foreign key is checked.
      if ((await commitments.commitmentsByIds(viewer, [commitmentId])).length === 1)
        await requireProfile(oltp, profileId);
      return commitments.addParty(viewer, commitmentId, profileId, role);
    },
    attachDocument: commitments.attachDocument,
    ping: oltp.ping,
    close: parts.close ?? (async () => {}),
  };
}
