import type { Viewer } from '../viewer.ts';
import type { LedgerCommitments } from './ledgerCommitments.ts';
import { toBase64 } from './ledgerHash.ts';
import type { BlockAddress } from './ledgerTypes.ts';
import type { Ledger } from './openLedger.ts';
import { verifyCommitment } from './verifyCommitment.ts';

/** One revision of a commitment's chain, checked against the current digest. */
export interface ChainLink {
  version: number;
  txTime: string;
  txId: string;
  blockAddress: BlockAddress;
  revisionHash: string;
  proofLength: number;
  verified: boolean;
  problem: string | null;
}

/** What `figway verify` prints: every revision of a commitment and whether each verifies. */
export interface ChainReport {
  id: string;
  digest: string | null;
  tipAddress: BlockAddress | null;
  links: ChainLink[];
  verified: boolean;
}

/** Verifies every revision of a commitment against the ledger's current digest. */
export async function verifyCommitmentChain(
  ledger: Ledger,
  commitments: LedgerCommitments,
  viewer: Viewer,
  id: string,
): Promise<ChainReport> {
  const revisions = await commitments.historyByIds(viewer, [id]);
  const links: ChainLink[] = [];
  let digest: ChainReport['digest'] = null;
  let tipAddress: ChainReport['tipAddress'] = null;
  for (const revision of revisions) {
    const result = await verifyCommitment(ledger, commitments, viewer, id, revision.metadata.version);
    if (result === null) continue;
    digest = toBase64(result.digest);
    tipAddress = result.tipAddress;
    links.push({
      version: revision.metadata.version,
      txTime: revision.metadata.txTime,
      txId: revision.metadata.txId,
      blockAddress: revision.blockAddress,
      revisionHash: toBase64(result.revisionHash),
      proofLength: result.proof.length,
      verified: result.verified,
      problem: result.problem,
    });
  }
  return {
    id,
    digest,
    tipAddress,
    links,
    verified: links.length > 0 && links.every((link) => link.verified),
  };
}
