import type { CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import { toCommitment, toDocument, toParty } from '../../backends/supabase/rows.ts';
import { applyHistoryRow, sameCommitment } from '../backfill/replayCommitmentHistory.ts';
import type { CapturedChange } from './syncTypes.ts';

/** Why a commitment deleted on legacy stays on the ledger. */
export const DELETED_ON_LEGACY = 'deleted on legacy; the ledger keeps the commitment and its history';

/**
 * What folding one captured row into a commitment gives: the next state (possibly
 * equal to the last), a commitment row `behind` the target's version with other
 * content, or a `deleted` commitment, which the ledger never deletes.
 */
export type RowStep =
  | { kind: 'state'; state: CommitmentDocument }
  | { kind: 'behind'; rowVersion: number; targetVersion: number; detail: string }
  | { kind: 'deleted'; targetVersion: number | null; detail: string };

function commitmentStep(state: CommitmentDocument | null, change: CapturedChange): RowStep {
  if (change.operation === 'DELETE') {
    return { kind: 'deleted', targetVersion: state?.version ?? null, detail: DELETED_ON_LEGACY };
  }
  const fields = toCommitment(change.rowData);
  if (fields.id !== change.entityId || !Number.isInteger(fields.version)) {
    throw new Error(`change ${change.id} does not hold a commitment row of ${change.entityId}`);
  }
  if (state === null) {
    if (change.operation === 'INSERT')
      return { kind: 'state', state: { ...fields, parties: [], documents: [] } };
    throw new Error(
      `change ${change.id} updates commitment ${change.entityId}, which the ledger does not hold`,
    );
  }
  const next = { ...state, ...fields };
  if (fields.version > state.version) return { kind: 'state', state: next };
  if (sameCommitment(next, state)) return { kind: 'state', state };
  return {
    kind: 'behind',
    rowVersion: fields.version,
    targetVersion: state.version,
    detail: `legacy wrote version ${fields.version} (status ${fields.status}) over the target's version ${state.version} (status ${state.status})`,
  };
}

function attachmentStep(state: CommitmentDocument | null, change: CapturedChange): RowStep {
  const entity = change.tableName === 'commitment_parties' ? 'party' : 'document';
  const record = entity === 'party' ? toParty(change.rowData) : toDocument(change.rowData);
  if (record.commitmentId !== change.entityId) {
    throw new Error(`change ${change.id} does not hold a ${entity} of commitment ${change.entityId}`);
  }
  if (state === null) {
    throw new Error(
      `change ${change.id} changes a ${entity} of ${change.entityId}, which the ledger does not hold`,
    );
  }
  if (change.operation === 'DELETE') {
    return entity === 'party'
      ? {
          kind: 'state',
          state: { ...state, parties: state.parties.filter((party) => party.id !== record.id) },
        }
      : {
          kind: 'state',
          state: { ...state, documents: state.documents.filter((doc) => doc.id !== record.id) },
        };
  }
  const step = { id: change.id, entity, operation: change.operation, data: change.rowData } as const;
  return { kind: 'state', state: applyHistoryRow(state, step) };
}

/**
 * Folds one captured legacy row of a commitment (its own row, a party or a
 * document) into the commitment as the ledger holds it. Commitment rows carry
 * legacy's version: a newer one replaces the commitment's fields; an older or equal
 * one with the same fields changes nothing, with other fields it is `behind`.
 * Parties and documents are merged by id (or removed, for a DELETE). Throws when
 * the row is malformed or belongs to another entity, or when the ledger holds no
 * commitment for anything but its INSERT (build it from legacy's rows first).
 */
export function applyRowChange(state: CommitmentDocument | null, change: CapturedChange): RowStep {
  switch (change.tableName) {
    case 'commitments':
      return commitmentStep(state, change);
    case 'commitment_parties':
    case 'commitment_documents':
      return attachmentStep(state, change);
    case 'profiles':
    case 'commitment_types':
      throw new Error(`change ${change.id} of ${change.tableName} is not a commitment change`);
  }
}
