import type { Viewer } from '../viewer.ts';
import type { CommitmentDocument } from './commitmentDocument.ts';
import type { LedgerCommitments } from './ledgerCommitments.ts';
import { LedgerTamperedError } from './ledgerErrors.ts';
import { type Hash, revisionHash } from './ledgerHash.ts';
import type { BlockAddress, LedgerRevision } from './ledgerTypes.ts';
import type { Ledger } from './openLedger.ts';
import { verifyRevision } from './verifyRevision.ts';

/** A revision of a commitment checked against the ledger's current digest. */
export interface CommitmentVerification {
  revision: LedgerRevision<CommitmentDocument>;
  /** Recomputed from the revision's metadata and data, not read from storage. */
  revisionHash: Hash;
  digest: Hash;
  tipAddress: BlockAddress;
  proof: Hash[];
  verified: boolean;
  /** Why verification failed, when it did. */
  problem: string | null;
}

/**
 * Checks one revision of a commitment (the newest unless `version` is given)
 * against the current digest. Null when the viewer cannot see the commitment or
 * the version does not exist. Tampered storage yields `verified: false` and the
 * first bad block in `problem`, never an exception.
 */
export async function verifyCommitment(
  ledger: Ledger,
  commitments: LedgerCommitments,
  viewer: Viewer,
  id: string,
  version?: number,
): Promise<CommitmentVerification | null> {
  const revisions = await commitments.historyByIds(viewer, [id]);
  const revision =
    version === undefined ? revisions.at(-1) : revisions.find((entry) => entry.metadata.version === version);
  const digest = await ledger.getDigest();
  if (revision === undefined || digest === null) return null;
  const base = { revision, revisionHash: revisionHash(revision.metadata, revision.data), ...digest };
  try {
    const proof = await ledger.getRevisionProof(
      revision.blockAddress,
      id,
      digest.tipAddress,
      revision.metadata.version,
      revision.tableName,
    );
    const verified = verifyRevision(revision, proof, digest.digest);
    return {
      ...base,
      proof,
      verified,
      problem: verified ? null : 'the proof does not lead to the current digest',
    };
  } catch (error) {
    if (error instanceof LedgerTamperedError)
      return { ...base, proof: [], verified: false, problem: error.message };
    throw error;
  }
}
