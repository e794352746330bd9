import type { RevisionMetadata } from './ledgerHash.ts';
import { dot, type Hash, sameHash } from './ledgerHash.ts';
import { type RevisionContent, revisionHashOfContent } from './revisionContent.ts';

/**
 * Verifies a revision against a digest the way a QLDB client does: recompute the
 * revision's hash from its metadata and data (from its Ion when it has some, from its
 * metadata alone when it is a deletion), fold the proof onto it with `dot`, and
 * compare with the digest. Pure: it trusts nothing stored. Throws when its Ion
 * cannot be read.
 */
export function verifyRevision(
  revision: RevisionContent & { metadata: RevisionMetadata },
  proof: readonly Hash[],
  digest: Hash,
): boolean {
  const root = proof.reduce<Hash>(
    (accumulated, hash) => dot(accumulated, hash),
    revisionHashOfContent(revision.metadata, revision),
  );
  return sameHash(root, digest);
}
