import { ErrorCode, FigwayError } from '../errors.ts';
import type { ConnectStore } from './connectStore.ts';
import { commitmentPartsOf } from './ledger/commitmentDocument.ts';
import type { CommitmentPort } from './ledger/ledgerCommitments.ts';
import type { OltpReads } from './oltp/oltpStore.ts';
import { ANONYMOUS, type Viewer } from './viewer.ts';

const SERVICE: Viewer = { kind: 'service', id: null, claims: { role: 'service_role' }, token: '' };

/**
 * Who reads the references a write names (the caller's profile, a party's profile, the
 * commitment type): `service` reads as service_role, which the in-process OLTP store
 * allows; `caller` reads with the caller's own token, for a remote OLTP service that
 * the gateway holds no service key for (profiles and commitment types are visible to
 * every signed-in caller, and only signed-in callers write).
 */
export type ReferenceReader = 'service' | 'caller';

// Legacy answers a reference to a missing row with a foreign-key error, which
// becomes BAD_USER_INPUT; the target checks across its two services instead.
function unknownReference(): FigwayError {
  return new FigwayError(ErrorCode.BAD_USER_INPUT, 'A referenced id does not exist.');
}

async function requireProfile(oltp: OltpReads, reader: Viewer, id: string | null) {
  if (id === null || (await oltp.profilesByIds(reader, [id])).length === 0) throw unknownReference();
}

/**
 * The target side of the Connect port: profiles and commitment types from the OLTP
 * service, commitments with their parties and documents from the ledger. It answers
 * exactly like the legacy adapter, including the checks legacy gets from foreign keys.
 */
export function createTargetStore(parts: {
  oltp: OltpReads & { ping(): Promise<void> };
  commitments: CommitmentPort;
  name?: string;
  close?: () => Promise<void>;
  /** @default 'service' */
  referencesReadAs?: ReferenceReader;
}): ConnectStore {
  const { oltp, commitments } = parts;
  const reader = (viewer: Viewer) => ((parts.referencesReadAs ?? 'service') === 'service' ? SERVICE : viewer);
  return {
    name: parts.name ?? 'target (ledger + oltp)',
    profilesByIds: oltp.profilesByIds,
    commitmentTypesByIds: oltp.commitmentTypesByIds,
    listCommitmentTypes: oltp.listCommitmentTypes,
    commitmentsByIds: commitments.commitmentsByIds,
    listCommitments: commitments.listCommitments,
    partiesByCommitmentIds: commitments.partiesByCommitmentIds,
    documentsByCommitmentIds: commitments.documentsByCommitmentIds,
    // The ledger's records, in process or from its service, carry their parties and documents.
    partsOf: commitmentPartsOf,
    async createCommitment(viewer, input) {
      if (viewer.kind === 'anonymous') return commitments.createCommitment(viewer, input);
      await requireProfile(oltp, reader(viewer), viewer.id);
      // A copy: the check is this request's own, never batched with another's.
      if ((await oltp.commitmentTypesByIds({ ...ANONYMOUS }, [input.typeId])).length === 0)
        throw unknownReference();
      return commitments.createCommitment(viewer, input);
    },
    updateCommitmentStatus: commitments.updateCommitmentStatus,
    async addParty(viewer, commitmentId, profileId, role) {
      // Visibility first, as row-level security decides before any foreign key is checked.
      if ((await commitments.commitmentsByIds(viewer, [commitmentId])).length === 1)
        await requireProfile(oltp, reader(viewer), profileId);
      return commitments.addParty(viewer, commitmentId, profileId, role);
    },
    attachDocument: commitments.attachDocument,
    ping: oltp.ping,
    close: parts.close ?? (async () => {}),
  };
}
