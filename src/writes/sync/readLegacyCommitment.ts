import type { CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import type { Database } from '../../core/database.ts';
import { readLegacyAsService } from '../backfill/readLegacyAsService.ts';
import { currentCommitment } from '../backfill/replayCommitmentHistory.ts';

/**
 * The commitment as legacy holds it now, built from its current rows (read as
 * `service_role` in one snapshot), or null when legacy no longer has it.
 */
export function readLegacyCommitment(legacy: Database, id: string): Promise<CommitmentDocument | null> {
  return readLegacyAsService(legacy, async (tx) => {
    const [commitment] = await tx.query('select * from public.commitments where id = $1', [id]);
    if (commitment === undefined) return null;
    const parties = await tx.query(
      'select * from public.commitment_parties where commitment_id = $1 order by joined_at, id',
      [id],
    );
    const documents = await tx.query(
      'select * from public.commitment_documents where commitment_id = $1 order by uploaded_at, name, version',
      [id],
    );
    return currentCommitment(commitment, parties, documents);
  });
}
