import type { RevisionMetadata } from './ledgerHash.ts';
import { dot, type Hash, revisionHash, sameHash } from './ledgerHash.ts';

/**
 * Verifies a revision against a digest the way a QLDB client does: recompute the
 * revision's hash from its metadata and data, fold the proof onto it with `dot`,
 * and compare with the digest. Pure: it trusts nothing stored.
 */
export function verifyRevision(
  revision: { metadata: RevisionMetadata; data: unknown },
  proof: readonly Hash[],
  digest: Hash,
): boolean {
  const root = proof.reduce<Hash>(
    (accumulated, hash) => dot(accumulated, hash),
    revisionHash(revision.metadata, revision.data),
  );
  return sameHash(root, digest);
}
