import { isDeepStrictEqual } from 'node:util';
import type { Viewer } from '../../viewer.ts';
import type { CommitmentDocument } from '../commitmentDocument.ts';
import type { LedgerCommitments } from '../ledgerCommitments.ts';
import { type Hash, sameHash } from '../ledgerHash.ts';
import { revisionHashOfContent } from '../revisionContent.ts';
import type { CommitmentVerification } from '../verifyCommitment.ts';
import { verifyRevision } from '../verifyRevision.ts';
import { driverRevisionProof } from './driverRevisionProof.ts';
import type { LedgerDriver } from './ledgerDriver.ts';

/**
 * `verifyCommitment` for a ledger reached through the QLDB driver: the revision (the
 * newest unless `version` is given) comes from `history(commitments)`, the digest from
 * GetDigest, the journal's copy of the revision and its proof from GetRevision (or
 * GetBlock, see driverRevisionProof) through @aws-sdk/client-qldb. figway's own code
 * recomputes the revision's hash from the Ion the ledger answered, checks that it is
 * the hash of the revision the journal proves, and folds the proof onto it. The newest
 * revision must also be what the ledger serves as the commitment now. Null when the
 * viewer cannot see the commitment or the version does not exist; tampering gives
 * `verified: false` with the problem. Unlike the in-process check it does not look in
 * later blocks for a revision removed from under the committed view: that needs the
 * ledger's database (`figway verify` next to it).
 */
export async function verifyDriverCommitment(
  driver: LedgerDriver,
  commitments: LedgerCommitments,
  viewer: Viewer,
  id: string,
  version?: number,
): Promise<CommitmentVerification | null> {
  const revisions = await commitments.historyByIds(viewer, [id]);
  const newest = revisions.at(-1);
  const revision =
    version === undefined ? newest : revisions.find((entry) => entry.metadata.version === version);
  if (revision === undefined) return null;
  const digest = await driver.getDigest();
  let recomputed: Hash;
  try {
    recomputed = revisionHashOfContent(revision.metadata, revision);
  } catch (error) {
    const problem = `its Ion cannot be read (${error instanceof Error ? error.message : String(error)})`;
    return { revision, revisionHash: revision.hash, ...digest, proof: [], verified: false, problem };
  }
  const base = { revision, revisionHash: recomputed, ...digest };
  const unproven = (problem: string) => ({ ...base, proof: [], verified: false, problem });
  const { strandId, sequenceNo } = revision.blockAddress;
  if (strandId !== digest.tipAddress.strandId || sequenceNo > digest.tipAddress.sequenceNo)
    return unproven(`it is not in the journal, whose tip is block ${digest.tipAddress.sequenceNo}`);
  const proven = await driverRevisionProof(driver, revision, digest.tipAddress);
  if (typeof proven === 'string') return unproven(proven);
  const { proof } = proven;
  let problem: string | null = null;
  if (!sameHash(proven.hash, recomputed) || !isDeepStrictEqual(proven.metadata, revision.metadata))
    problem = 'the history the ledger serves is not the revision its journal holds';
  else if (!verifyRevision(revision, proof, digest.digest))
    problem = 'the proof does not lead to the current digest';
  else if (revision === newest) {
    const [served] = await commitments.visibleDocuments(viewer, [id]);
    if (!isDeepStrictEqual(served, revision.data as CommitmentDocument))
      problem = `the commitment the ledger serves is not its newest revision (v${revision.metadata.version})`;
  }
  return { ...base, proof, verified: problem === null, problem };
}
