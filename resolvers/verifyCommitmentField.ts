import { toBase64 } from '../src/backends/ledger/ledgerHash.ts';
import { verifyCommitment } from '../src/backends/ledger/verifyCommitment.ts';
import { type GatewayContext, requireLedger } from './gatewayContext.ts';

/** Resolves Query.verifyCommitment: a revision checked against the current digest, from the ledger. */
export async function verifyCommitmentField(
  _: unknown,
  args: { id: string; version?: number | null },
  context: GatewayContext,
) {
  const { ledger, commitments } = requireLedger(context);
  const result = await verifyCommitment(
    ledger,
    commitments,
    context.viewer,
    args.id,
    args.version ?? undefined,
  );
  if (result === null) return null;
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
