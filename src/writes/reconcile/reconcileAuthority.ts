import { type Stage, writeSide } from '../../core/stage.ts';
import type { ReconcileAuthority, ReconcileEntity } from './reconcileTypes.ts';

/**
 * The unit whose stage decides who is authoritative for commitments. The four units
 * that write commitments (createCommitment, updateCommitmentStatus, addParty,
 * attachDocument) move together; this one stands for them.
 */
export const COMMITMENT_AUTHORITY_UNIT = 'Mutation.updateCommitmentStatus';

/**
 * The side whose rows count for `entity`: for commitments, the write side of
 * {@link COMMITMENT_AUTHORITY_UNIT}'s stage (the ledger from `live` on, legacy
 * before); profiles and commitment types are written on legacy only.
 */
export function reconcileAuthority(entity: ReconcileEntity, mutationStage: Stage): ReconcileAuthority {
  if (entity !== 'commitments') {
    return {
      side: 'legacy',
      reason: `${entity === 'profiles' ? 'profiles are' : 'commitment types are'} written on legacy only`,
    };
  }
  const side = writeSide(mutationStage);
  return {
    side,
    unit: COMMITMENT_AUTHORITY_UNIT,
    stage: mutationStage,
    reason: `${COMMITMENT_AUTHORITY_UNIT} is at ${mutationStage}, so ${side === 'target' ? 'the ledger' : 'legacy'} is authoritative`,
  };
}
