import type { Viewer } from '../viewer.ts';
import { checkCommittedView } from './checkCommittedView.ts';
import type { CommitmentDocument } from './commitmentDocument.ts';
import type { LedgerCommitments } from './ledgerCommitments.ts';
import { LedgerTamperedError } from './ledgerErrors.ts';
import { type Hash, toBase64 } from './ledgerHash.ts';
import type { BlockAddress, LedgerRevision } from './ledgerTypes.ts';
import type { Ledger } from './openLedger.ts';
import { revisionHashOfContent } from './revisionContent.ts';
import { verifyRevision } from './verifyRevision.ts';

/** A revision of a commitment checked against the ledger's current digest. */
export interface CommitmentVerification {
  revision: LedgerRevision<CommitmentDocument>;
  /** Recomputed from the revision's metadata and data (or Ion), not read from storage; the stored hash when its Ion cannot be read. */
  revisionHash: Hash;
  digest: Hash;
  tipAddress: BlockAddress;
  proof: Hash[];
  verified: boolean;
  /** Why verification failed, when it did. */
  problem: string | null;
}

// A revision stored with a block the digest does not cover cannot be proven; its
// block is checked first so that the answer says so rather than throwing.
function outsideJournal(revision: LedgerRevision, tip: BlockAddress): string | null {
  const { strandId, sequenceNo } = revision.blockAddress;
  if (strandId === tip.strandId && sequenceNo <= tip.sequenceNo) return null;
  return new LedgerTamperedError(
    revision.blockAddress,
    `it is not in the journal, whose tip is block ${tip.sequenceNo}`,
  ).message;
}

/**
 * Checks one revision of a commitment (the newest unless `version` is given)
 * against the current digest. Null when the viewer cannot see the commitment or
 * the version does not exist. The newest revision is also checked against the
 * committed view, the data the gateway serves and authorizes from: it must be what
 * the view serves, and no block from its own to the tip (each checked against its
 * hashes, its predecessor and the digest) may have written a later version.
 * Tampered storage yields `verified: false` and the first problem found in
 * `problem`, never an exception.
 */
export async function verifyCommitment(
  ledger: Ledger,
  commitments: LedgerCommitments,
  viewer: Viewer,
  id: string,
  version?: number,
): Promise<CommitmentVerification | null> {
  const revisions = await commitments.historyByIds(viewer, [id]);
  const newest = revisions.at(-1);
  const revision =
    version === undefined ? newest : revisions.find((entry) => entry.metadata.version === version);
  const digest = await ledger.getDigest();
  if (revision === undefined || digest === null) return null;
  let recomputed: Hash;
  try {
    recomputed = revisionHashOfContent(revision.metadata, revision);
  } catch (error) {
    // Only stored Ion that cannot be read fails to hash: the revision was tampered with.
    const problem = `its Ion cannot be read (${error instanceof Error ? error.message : String(error)})`;
    return { revision, revisionHash: revision.hash, ...digest, proof: [], verified: false, problem };
  }
  const base = { revision, revisionHash: recomputed, ...digest };
  const unproven = (problem: string) => ({ ...base, proof: [], verified: false, problem });
  const outside = outsideJournal(revision, digest.tipAddress);
  if (outside !== null) return unproven(outside);
  let proof: Hash[];
  try {
    proof = await ledger.getRevisionProof(
      revision.blockAddress,
      id,
      digest.tipAddress,
      revision.metadata.version,
      revision.tableName,
    );
  } catch (error) {
    if (error instanceof LedgerTamperedError) return unproven(error.message);
    throw error;
  }
  const problem = !verifyRevision(revision, proof, digest.digest)
    ? 'the proof does not lead to the current digest'
    : revision === newest
      ? await checkCommittedView(ledger.db, revision, digest)
      : null;
  return { ...base, proof, verified: problem === null, problem };
}

/** A verification as the schemas' `CommitmentVerification` shows it: hashes in base64. */
export function verificationAnswer(result: CommitmentVerification) {
  return {
    id: result.revision.metadata.id,
    version: result.revision.metadata.version,
    blockAddress: result.revision.blockAddress,
    revisionHash: toBase64(result.revisionHash),
    digest: toBase64(result.digest),
    tipAddress: result.tipAddress,
    proof: result.proof.map(toBase64),
    verified: result.verified,
    problem: result.problem,
  };
}
