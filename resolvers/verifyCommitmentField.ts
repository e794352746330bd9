import { toBase64 } from '../src/backends/ledger/ledgerHash.ts';
import { verifyCommitment } from '../src/backends/ledger/verifyCommitment.ts';
import { type GatewayContext, requireLedger } from './gatewayContext.ts';

/** Resolves Query.verifyCommitment: a revision checked against the current digest, from the ledger. */
export async function verifyCommitmentField(
  _: unknown,
  args: { id: string; version?: number | null },
  context: GatewayContext,
) {
  const access = requireLedger(context);
  const version = args.version ?? undefined;
  const result =
    'ledger' in access
      ? await verifyCommitment(access.ledger, access.commitments, context.viewer, args.id, version)
      : await access.verify(context.viewer, args.id, version);
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
